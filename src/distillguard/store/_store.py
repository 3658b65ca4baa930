"""The DuckDB exchange store: open/create, idempotent ingest, rejects file.

One :class:`Store` per process writes (DuckDB's single-writer model); readers in other
processes open the file with ``read_only=True``. Ingest parses records into Arrow batches
and inserts each batch with one ``INSERT ... SELECT`` that anti-joins on ``id``, so
re-ingesting a log adds nothing and a batch's own duplicate ids are stored once (the first
occurrence wins: a stored exchange is never rewritten). Accounts upsert: the last record
for an ``account_id`` replaces the stored row.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import orjson

from distillguard._progress import progress
from distillguard.errors import StoreError
from distillguard.store._pipeline import parsed, worker_count
from distillguard.store._readers import (
    Block,
    Reject,
    blocks,
    discover,
    parse_block,
    rows_to_table,
)
from distillguard.store._rows import account_row
from distillguard.store._schema import ACCOUNT_COLUMNS, ACCOUNT_SCHEMA, SCHEMA_SQL
from distillguard.store._units import plan_units, unit_parsed
from distillguard.store._writer import ExchangeWriter

__all__ = ["DEFAULT_DB", "IngestReport", "Store", "resolve_db"]

DEFAULT_DB = "distillguard.duckdb"
ENV_DB = "DISTILLGUARD_DB"
MEMORY = ":memory:"

#: How many rejects an :class:`IngestReport` keeps in memory (all go to the rejects file).
MAX_REPORTED_REJECTS = 100


def resolve_db(path: str | Path | None) -> Path:
    """The store file to use: ``path``, else ``$DISTILLGUARD_DB``, else :data:`DEFAULT_DB`."""
    if path is not None and str(path) != "":
        return Path(path)
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env)
    return Path(DEFAULT_DB)


@dataclass
class IngestReport:
    """What one ingest did. ``read == inserted + duplicates + rejected`` (+ ``updated``
    for accounts, where a record for a known account replaces it)."""

    read: int = 0
    inserted: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejects_path: Path | None = None
    rejects: list[tuple[str, int, str]] = field(default_factory=list)
    updated: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    accounts: IngestReport | None = None

    @property
    def rate(self) -> float:
        """Records read per second."""
        return self.read / self.seconds if self.seconds > 0 else 0.0

    def _add_rejects(self, rejects: Sequence[Reject]) -> None:
        self.rejected += len(rejects)
        room = MAX_REPORTED_REJECTS - len(self.rejects)
        if room > 0:
            self.rejects.extend((r.file, r.line, r.message) for r in rejects[:room])


def _is_memory(path: str | Path) -> bool:
    return str(path) == MEMORY


class Store:
    """The exchange store in one DuckDB file (or ``":memory:"``).

    ``Store(path)`` opens the file, creating it and its tables if needed;
    ``Store(path, read_only=True)`` requires an existing store and never writes.
    """

    def __init__(self, path: str | Path = DEFAULT_DB, *, read_only: bool = False) -> None:
        self.read_only = read_only
        if _is_memory(path):
            if read_only:
                raise StoreError("an in-memory store cannot be opened read-only")
            self.path: Path | None = None
            target = MEMORY
        else:
            self.path = Path(path)
            target = str(self.path)
            if read_only and not self.path.is_file():
                raise StoreError(f"{self.path}: no such store (run 'distillguard ingest' first)")
            if self.path.is_dir():
                raise StoreError(f"{self.path}: is a folder, not a store file")
            _check_duckdb_file(self.path)
        try:
            self.con: duckdb.DuckDBPyConnection = duckdb.connect(target, read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"{path}: cannot open the store ({_first_line(exc)})") from None
        try:
            if read_only:
                self._check_tables()
            else:
                self.con.execute(SCHEMA_SQL)
        except (duckdb.Error, StoreError):
            self.con.close()
            raise

    # -- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with contextlib.suppress(duckdb.Error):
            self.con.close()

    def _check_tables(self) -> None:
        names = {
            r[0] for r in self.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }
        missing = {"exchanges", "accounts"} - names
        if missing:
            raise StoreError(
                f"{self.path}: not a DistillGuard store (no {', '.join(sorted(missing))} table)"
            )

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError("the store is open read-only")

    @property
    def rejects_path(self) -> Path | None:
        """``<db stem>.rejects.jsonl`` beside the store file (None for an in-memory store)."""
        if self.path is None:
            return None
        return self.path.with_name(f"{self.path.stem}.rejects.jsonl")

    # -- ingest ---------------------------------------------------------------------------

    def ingest(
        self,
        paths: Sequence[str | Path],
        *,
        accounts: str | Path | None = None,
        show_progress: bool = True,
        workers: int | None = None,
    ) -> IngestReport:
        """Load exchange logs (files or folders) and, optionally, an accounts file.

        Every path is checked readable before anything is written. Invalid records go to
        the rejects file and the report; every valid one is stored. ``workers`` parser
        processes (0: parse in this process) default to one per core for inputs over
        ~24 MB, or ``$DISTILLGUARD_INGEST_WORKERS``.
        """
        self._writable()
        files = discover(paths)
        account_files = discover([accounts]) if accounts is not None else []
        started = time.perf_counter()
        report = IngestReport()
        total = sum(p.stat().st_size for p, _ in files)
        if workers is None:
            workers = worker_count(_plain_size(files))
        cpu_started = time.process_time()
        worker_cpu = 0.0
        with (
            bar_for(show_progress, total=total, desc="ingest", unit="B") as bar,
            _RejectSink(self.rejects_path, report) as sink,
        ):
            units = plan_units(files) if workers > 1 else []
            # With two units (files or ranges) or more, the workers (at most one per unit)
            # read, inflate and parse, and this process only inserts (decision Store-8).
            # Otherwise it reads and hands blocks to the parsers, inserting on a writer
            # thread so that reading, parsing and writing overlap.
            by_units = len(units) >= 2
            writer = ExchangeWriter(self.con, background=workers > 1 and not by_units)
            if by_units:
                parts = unit_parsed(units, workers)
            else:
                # Blocks are numbered here, in order, rather than by the reader: counting
                # the lines of every block is the parsers' work.
                stream = (
                    block for path, kind in files for block in blocks(path, kind, numbered=False)
                )
                parts = parsed(stream, workers)
            try:
                offset = 0  # lines of the current file before the block
                for part in parts:
                    if part.start:
                        offset = 0
                    rejects = part.rejects
                    if offset and rejects:
                        rejects = [r._replace(line=r.line + offset) for r in rejects]
                    offset += part.lines
                    report.read += part.read
                    report._add_rejects(rejects)
                    sink.write(rejects)
                    writer.add_table(part.table)
                    bar.update(part.nbytes)
                    if workers > 1:
                        worker_cpu += part.cpu
            except BaseException:
                writer.abort()
                parts.close()  # stop the workers and remove their chunks now
                raise
            writer.close()
            report.inserted += writer.inserted
            report.duplicates += writer.duplicates
        report.seconds = time.perf_counter() - started
        report.cpu_seconds = time.process_time() - cpu_started + worker_cpu
        if account_files:
            report.accounts = self._ingest_account_files(account_files)
        return report

    def ingest_records(
        self, records: Iterable[dict[str, Any]], *, source: str = "<records>"
    ) -> IngestReport:
        """Store already-decoded exchange records (the gateway's log sink calls this).

        Rejects are numbered by their 1-based position in ``records``.
        """
        self._writable()
        started = time.perf_counter()
        cpu_started = time.process_time()
        report = IngestReport()
        with _RejectSink(self.rejects_path, report) as sink:
            writer = ExchangeWriter(self.con)
            try:
                for part in parsed(_record_blocks(records, source), workers=0):
                    report.read += part.read
                    report._add_rejects(part.rejects)
                    sink.write(part.rejects)
                    writer.add_table(part.table)
            except BaseException:
                writer.abort()
                raise
            writer.close()
            report.inserted += writer.inserted
            report.duplicates += writer.duplicates
        report.seconds = time.perf_counter() - started
        report.cpu_seconds = time.process_time() - cpu_started
        return report

    def ingest_accounts(self, path: str | Path) -> IngestReport:
        """Upsert an accounts file (JSON Lines, gzipped or Parquet) on ``account_id``."""
        self._writable()
        return self._ingest_account_files(discover([path]))

    def _ingest_account_files(self, files: list[tuple[Path, str]]) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        latest: dict[str, tuple[Any, ...]] = {}
        with _RejectSink(self.rejects_path, report) as sink:
            for path, kind in files:
                for block in blocks(path, kind):
                    result = parse_block(block, account_row)
                    report.read += result.read
                    report._add_rejects(result.rejects)
                    sink.write(result.rejects)
                    for row in result.rows:
                        latest[row[0]] = row
        valid = report.read - report.rejected
        report.duplicates = valid - len(latest)
        if latest:
            table = rows_to_table(list(latest.values()), ACCOUNT_SCHEMA)
            cols = ", ".join(ACCOUNT_COLUMNS)
            con = self.con
            con.register("_dg_accounts", table)
            try:
                con.execute("BEGIN TRANSACTION")
                (known,) = con.execute(
                    "SELECT count(*) FROM accounts WHERE account_id IN "
                    "(SELECT account_id FROM _dg_accounts)"
                ).fetchone()  # type: ignore[misc]
                con.execute(
                    "DELETE FROM accounts WHERE account_id IN (SELECT account_id FROM _dg_accounts)"
                )
                con.execute(f"INSERT INTO accounts ({cols}) SELECT {cols} FROM _dg_accounts")
                con.execute("COMMIT")
            except duckdb.Error as exc:
                con.execute("ROLLBACK")
                raise StoreError(f"cannot write accounts ({_first_line(exc)})") from None
            finally:
                con.unregister("_dg_accounts")
            report.updated = int(known)
            report.inserted = len(latest) - report.updated
        report.seconds = time.perf_counter() - started
        return report

    # -- export ---------------------------------------------------------------------------

    def export(self, out_dir: str | Path, *, show_progress: bool = True) -> list[Path]:
        """Write ``exchanges.parquet`` and ``accounts.parquet`` in the spec's format."""
        from distillguard.store._export import export_store

        return export_store(self.con, Path(out_dir), show_progress=show_progress)

    def count(self) -> int:
        """Number of stored exchanges."""
        (n,) = self.con.execute("SELECT count(*) FROM exchanges").fetchone()  # type: ignore[misc]
        return int(n)


def _plain_size(files: list[tuple[Path, str]]) -> int:
    """Rough uncompressed size of the inputs (gzip logs inflate about five-fold)."""
    return sum(p.stat().st_size * (5 if kind == "gz" else 1) for p, kind in files)


class _NoBar:
    """Stands in for a progress bar when the caller asked for none."""

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: float = 1) -> None:
        return None


def bar_for(show: bool, **kwargs: Any) -> Any:
    """A :func:`distillguard._progress.progress` bar, or a silent stand-in."""
    return progress(**kwargs) if show else _NoBar()


def _record_blocks(records: Iterable[dict[str, Any]], source: str) -> Iterator[Block]:
    batch: list[Any] = []
    line = 1
    for rec in records:
        batch.append(rec)
        if len(batch) >= 8192:
            yield Block(source, line, objects=batch)
            line += len(batch)
            batch = []
    if batch:
        yield Block(source, line, objects=batch)


class _RejectSink:
    """Appends rejects to the rejects file as JSON Lines: file, line, error, raw text."""

    def __init__(self, path: Path | None, report: IngestReport) -> None:
        self.path = path
        self.report = report
        self.handle: Any = None

    def __enter__(self) -> _RejectSink:
        return self

    def write(self, rejects: Sequence[Reject]) -> None:
        if not rejects or self.path is None:
            return
        if self.handle is None:
            try:
                self.handle = self.path.open("ab")
            except OSError as exc:
                raise StoreError(f"{self.path}: cannot write the rejects file ({exc})") from None
            self.report.rejects_path = self.path
        lines = b"".join(
            orjson.dumps({"file": r.file, "line": r.line, "error": r.message, "raw": r.raw}) + b"\n"
            for r in rejects
        )
        self.handle.write(lines)

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.close()


def _check_duckdb_file(path: Path) -> None:
    """Refuse, before DuckDB does something surprising, a file that is not a database."""
    try:
        with path.open("rb") as f:
            head = f.read(12)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if head and head[8:12] != b"DUCK":
        raise StoreError(f"{path}: not a DuckDB database")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
