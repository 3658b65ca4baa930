"""Inserting parsed exchanges into DuckDB in large idempotent batches, optionally on a thread.

DuckDB releases the GIL while it inserts, and so does ISA-L while it inflates gzip. With
``background=True`` the inserts run on a writer thread, so the calling thread keeps reading
the log and feeding the parser processes instead of waiting for each batch to be written:
reading, parsing and writing all overlap. Batches are still written one at a time, in
order, so "the first occurrence of an id wins" holds exactly as before.
"""

from __future__ import annotations

import contextlib
import queue
import threading

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.errors import StoreError
from distillguard.store._schema import EXCHANGE_COLUMNS

__all__ = ["FLUSH_ROWS", "ExchangeWriter", "first_per_id"]

#: Rows per INSERT: one DuckDB row group (122,880 rows). An insert of exactly a row group
#: costs about half the CPU per row of a 50,000-row one (6.9 vs 16.2 µs for 2 kB rows,
#: threads=1): DuckDB writes whole row groups straight to the file and compresses them once,
#: where smaller inserts leave partial row groups that later inserts reopen (decision Store-7).
FLUSH_ROWS = 122_880
#: ... unless the buffered rows reach this many bytes first (records of tens of kB).
FLUSH_BYTES = 512 << 20
#: Batches waiting for the writer thread (each up to ~FLUSH_ROWS rows) before the reader waits.
_QUEUE_BATCHES = 1
_COLS = ", ".join(EXCHANGE_COLUMNS)
_INSERT = (
    f"INSERT INTO exchanges ({_COLS}) SELECT {_COLS} FROM _dg_batch b "
    "WHERE NOT EXISTS (SELECT 1 FROM exchanges e WHERE e.id = b.id)"
)
_STOP = object()


def first_per_id(table: pa.Table) -> pa.Table:
    """``table`` without rows whose id already appeared earlier in it."""
    ids = table.column("id")
    if pc.count_distinct(ids).as_py() == table.num_rows:
        return table
    seen: set[str] = set()
    keep = []
    for i, value in enumerate(ids.to_pylist()):
        if value not in seen:
            seen.add(value)
            keep.append(i)
    return table.take(pa.array(keep, type=pa.int64()))


def _single_threaded(con: duckdb.DuckDBPyConnection) -> int | None:
    """Make DuckDB insert on one thread; return the thread count to restore afterwards.

    An insert batch spread over DuckDB's threads costs about a quarter more CPU than on one
    (measured: 12-16 vs 10-11 µs per exchange), and during ingest the other cores are busy
    parsing anyway.
    """
    try:
        (threads,) = con.execute("SELECT current_setting('threads')").fetchone()  # type: ignore[misc]
        con.execute("SET threads = 1")
    except duckdb.Error:
        return None
    return int(threads)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class ExchangeWriter:
    """Buffers parsed tables and inserts them in large, idempotent batches.

    ``inserted`` and ``duplicates`` count what was written; :meth:`close` writes what is
    left and, with a writer thread, waits for it and re-raises any error it met.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, *, background: bool = False) -> None:
        self.con = con
        self._threads = _single_threaded(con)
        self.inserted = 0
        self.duplicates = 0
        self._tables: list[pa.Table] = []
        self._pending = 0
        self._bytes = 0
        self._error: BaseException | None = None
        self._queue: queue.Queue[object] | None = None
        self._thread: threading.Thread | None = None
        if background:
            self._queue = queue.Queue(maxsize=_QUEUE_BATCHES)
            self._thread = threading.Thread(target=self._run, name="dg-ingest-writer", daemon=True)
            self._thread.start()

    def add_table(self, table: pa.Table) -> None:
        """Add the rows of one parsed block (an Arrow table in ``EXCHANGE_SCHEMA``)."""
        if table.num_rows:
            self._tables.append(table)
            self._pending += table.num_rows
            self._bytes += table.nbytes
        while self._pending >= FLUSH_ROWS:
            self.flush(FLUSH_ROWS)
        if self._bytes >= FLUSH_BYTES:
            self.flush()

    def flush(self, rows: int | None = None) -> None:
        """Hand the first ``rows`` buffered rows (None: all) to DuckDB, on the writer thread
        if there is one; the rest stay buffered, in order."""
        tables = self._tables
        if not tables:
            return
        table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
        if rows is not None and rows < table.num_rows:
            rest = table.slice(rows)
            table = table.slice(0, rows)
            self._tables = [rest]
            self._pending = rest.num_rows
            self._bytes = rest.nbytes
        else:
            self._tables = []
            self._pending = 0
            self._bytes = 0
        if self._queue is None:
            self._write(table)
            return
        self._check()
        self._put(table)

    def close(self) -> None:
        """Write what is buffered, stop the writer thread and raise any error it met."""
        try:
            self.flush()
        finally:
            self._stop()
        self._check()

    def abort(self) -> None:
        """Stop without writing what is still buffered (the batches already queued finish)."""
        self._tables = []
        self._pending = 0
        self._bytes = 0
        self._stop()

    # -- internals ------------------------------------------------------------------------

    def _put(self, item: object) -> None:
        assert self._queue is not None and self._thread is not None
        while True:
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                if not self._thread.is_alive():
                    self._check()
                    return

    def _stop(self) -> None:
        if self._thread is not None:
            if self._thread.is_alive():
                self._put(_STOP)
                self._thread.join()
            self._thread = None
        if self._threads is not None:
            threads, self._threads = self._threads, None
            with contextlib.suppress(duckdb.Error):
                self.con.execute(f"SET threads = {int(threads)}")

    def _check(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _run(self) -> None:
        assert self._queue is not None
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            if self._error is not None:
                continue  # drain: the reader is told at its next flush
            try:
                self._write(item)  # type: ignore[arg-type]
            except BaseException as exc:  # re-raised in the reading thread
                self._error = exc

    def _write(self, table: pa.Table) -> None:
        n = table.num_rows
        table = first_per_id(table)
        con = self.con
        con.register("_dg_batch", table)
        try:
            row = con.execute(_INSERT).fetchone()
        except duckdb.Error as exc:
            raise StoreError(f"cannot write exchanges ({_first_line(exc)})") from None
        finally:
            con.unregister("_dg_batch")
        inserted = int(row[0]) if row else 0
        self.inserted += inserted
        self.duplicates += n - inserted
