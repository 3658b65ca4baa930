"""Parsing whole files (or byte ranges of plain ones) on worker processes, handed back as
Arrow IPC files in shared memory.

With :func:`distillguard.store._pipeline.parsed` the ingesting process reads and inflates
every file and pickles each block to a parser and each parsed table back: ≈ 5 µs per
record of a process that also has to insert (≈ 7 µs), so it, not the parsers, capped the
ingest rate. Here the ingesting process only inserts: each worker opens, inflates and
parses its own *units* (a gzip or Parquet file, or a ≈ 64 MB line-aligned byte range of a
plain JSON Lines file) and writes the parsed rows as uncompressed Arrow IPC files under
``/dev/shm``; the ingesting process memory-maps each one (no copy, no unpickling),
unlinks it and inserts it.

Units go to the workers round-robin and every worker answers on its own bounded queue, so
the consumer reads unit *i* from worker ``i % workers`` and gets the chunks of every unit
in file order: "the first occurrence of an id wins" holds exactly as in a single-process
run. A worker that runs ahead blocks on its full queue (memory stays bounded: at most
``_QUEUE_CHUNKS + 1`` chunks of ≈ :data:`CHUNK_ROWS` rows per worker), and it can never
block the one the consumer waits for, which cannot deadlock (decision Store-8).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import shutil
import tempfile
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any, NamedTuple

import pyarrow as pa
import pyarrow.ipc as ipc

from distillguard.errors import StoreError
from distillguard.store._pipeline import Parsed, no_gc, parse_exchange_block
from distillguard.store._readers import Reject, blocks
from distillguard.store._schema import EXCHANGE_SCHEMA

__all__ = ["CHUNK_ROWS", "RANGE_BYTES", "Unit", "plan_units", "unit_parsed"]

#: Records per chunk a worker hands over (a quarter of an insert batch), unless the chunk's
#: rows reach :data:`CHUNK_BYTES` first (records of tens of kB).
CHUNK_ROWS = 30_720
CHUNK_BYTES = 64 << 20
#: A plain JSON Lines file is cut into line-aligned ranges of about this many bytes.
RANGE_BYTES = 64 << 20
#: Chunks a worker may have written and not yet had consumed, beyond the one it is writing.
_QUEUE_CHUNKS = 4
_SHM = Path("/dev/shm")
#: Free shared memory wanted per worker (queued chunks, the one being written, the one being
#: inserted), plus the insert batch the ingesting process holds; below it, chunks go to the
#: temporary folder instead (a container's /dev/shm is often 64 MB).
_SHM_PER_WORKER = (_QUEUE_CHUNKS + 3) * (CHUNK_BYTES + (8 << 20))
_SHM_BASE = 768 << 20
_PREFIX = "distillguard-ingest-"
#: Seconds between liveness checks (of the worker the consumer waits for, of the consumer
#: by a worker whose queue is full).
_POLL = 1.0


class Unit(NamedTuple):
    """Work for one worker: a whole file, or bytes ``[begin, end)`` of a plain JSON Lines
    file (``end`` -1: to the end). ``first`` marks the unit holding a file's first line."""

    path: Path
    kind: str
    begin: int = 0
    end: int = -1
    first: bool = True


class _Chunk(NamedTuple):
    """One worker message: a parsed chunk of a unit (``ipc`` None: no rows), the unit's
    last when ``last``; or a failure (``error``)."""

    ipc: str | None
    rejects: list[Reject]
    read: int = 0
    nbytes: int = 0
    cpu: float = 0.0
    lines: int = 0
    start: bool = False
    last: bool = False
    error: str | None = None


def _cuts(path: Path, size: int, step: int) -> list[int]:
    """Positions of newlines about every ``step`` bytes of a plain file."""
    out: list[int] = []
    with path.open("rb") as f:
        pos = step
        while pos < size:
            f.seek(pos)
            piece = f.read(1 << 16)
            while piece:
                nl = piece.find(b"\n")
                if nl >= 0:
                    out.append(f.tell() - len(piece) + nl)
                    break
                piece = f.read(1 << 16)
            else:
                break
            pos = out[-1] + step
    return out


def plan_units(files: list[tuple[Path, str]], range_bytes: int | None = None) -> list[Unit]:
    """The units of ``files`` in order: gzip and Parquet files whole, plain JSON Lines files
    in line-aligned ranges of about ``range_bytes`` (default :data:`RANGE_BYTES`; the newline
    at a cut belongs to neither range, so the ranges' line counts add up to the file's)."""
    range_bytes = range_bytes or RANGE_BYTES
    units: list[Unit] = []
    for path, kind in files:
        if kind != "jsonl":
            units.append(Unit(path, kind))
            continue
        size = path.stat().st_size
        begin = 0
        for cut in _cuts(path, size, range_bytes):
            units.append(Unit(path, kind, begin, cut, begin == 0))
            begin = cut + 1
        units.append(Unit(path, kind, begin, -1, begin == 0))
    return units


def _shm_dir(workers: int = 1) -> str:
    """Where workers write their chunks: shared memory when the system has room for them."""
    with contextlib.suppress(OSError):
        if _SHM.is_dir() and os.access(_SHM, os.W_OK):
            st = os.statvfs(_SHM)
            if st.f_bavail * st.f_frsize >= _SHM_BASE + workers * _SHM_PER_WORKER:
                return str(_SHM)
    return tempfile.gettempdir()


def _write_ipc(path: Path, tables: list[pa.Table]) -> None:
    with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, EXCHANGE_SCHEMA) as writer:
        for table in tables:
            writer.write_table(table)


def _run_unit(index: int, unit: Unit, out_dir: Path, out: Any, chunk_rows: int) -> None:
    """Parse one unit and put its chunks on ``out`` (rejects numbered from each chunk's
    first line, as :class:`Parsed` wants)."""
    tables: list[pa.Table] = []
    rejects: list[Reject] = []
    rows = size = read = nbytes = lines = seq = 0
    start = unit.first
    cpu_started = time.process_time()

    def emit(last: bool) -> None:
        nonlocal tables, rejects, rows, size, read, nbytes, lines, seq, start, cpu_started
        name = None
        if rows:
            target = out_dir / f"{index:08d}-{seq:06d}.arrow"
            _write_ipc(target, tables)
            name = str(target)
        cpu = time.process_time() - cpu_started
        _put(out, _Chunk(name, rejects, read, nbytes, cpu, lines, start, last), out_dir)
        seq += 1
        tables, rejects, rows, size, read, nbytes, lines, start = [], [], 0, 0, 0, 0, 0, False
        cpu_started = time.process_time()

    with no_gc():
        for block in blocks(unit.path, unit.kind, numbered=False, begin=unit.begin, end=unit.end):
            part = parse_exchange_block(block)
            if part.rejects:
                shift = lines
                rejects.extend(r._replace(line=r.line + shift) for r in part.rejects)
            if part.table.num_rows:
                tables.append(part.table)
                rows += part.table.num_rows
                size += part.table.nbytes
            read += part.read
            nbytes += part.nbytes
            lines += part.lines
            # Counting records read, not rows kept, also bounds a chunk of rejects.
            if read >= chunk_rows or size >= CHUNK_BYTES:
                emit(False)
    emit(True)


def _put(out: Any, chunk: _Chunk, out_dir: Path) -> None:
    """Hand one chunk over, waiting while the queue is full; if the ingesting process has
    died meanwhile (killed), remove the chunks it left and exit instead of waiting forever."""
    parent = multiprocessing.parent_process()
    while True:
        try:
            out.put(chunk, timeout=_POLL)
            return
        except queue.Full:
            if parent is not None and not parent.is_alive():
                shutil.rmtree(out_dir, ignore_errors=True)
                raise SystemExit(1) from None


def _work(units: list[tuple[int, Unit]], out_dir: str, out: Any, chunk_rows: int) -> None:
    """A worker process: parse ``units`` in order, answering on ``out``."""
    for index, unit in units:
        try:
            _run_unit(index, unit, Path(out_dir), out, chunk_rows)
        except KeyboardInterrupt:
            return
        except BaseException as exc:  # reported to the consumer, which raises StoreError
            text = str(exc).strip().splitlines()
            message = text[0] if text else type(exc).__name__
            _put(out, _Chunk(None, [], error=f"{unit.path}: {message}"), Path(out_dir))
            return


def _remove_stale(base: Path) -> None:
    """Remove chunk folders left by ingesting processes that were killed (their folder
    name carries their process id): they hold confidential prompts."""
    for folder in base.glob(f"{_PREFIX}*"):
        pid = folder.name[len(_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue  # alive, another user's


def _read_ipc(name: str) -> pa.Table:
    """The table in one chunk file, memory-mapped (no copy); the file is unlinked at once
    (the mapping keeps its pages until the table is released)."""
    try:
        table = ipc.open_file(pa.memory_map(name)).read_all()
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)
    return table


def _next(inbox: Any, proc: Any) -> _Chunk:
    """The next message of one worker; a worker that died without answering is an error."""
    while True:
        try:
            return inbox.get(timeout=_POLL)  # type: ignore[no-any-return]
        except queue.Empty:
            if proc.is_alive():
                continue
            try:
                return inbox.get(timeout=_POLL)  # type: ignore[no-any-return]
            except queue.Empty:
                raise StoreError(
                    f"an ingest worker process stopped unexpectedly (exit code {proc.exitcode})"
                ) from None


def unit_parsed(
    units: list[Unit], workers: int, chunk_rows: int | None = None
) -> Generator[Parsed, None, None]:
    """Parse ``units`` with ``workers`` processes; yield their chunks (of about
    ``chunk_rows`` rows, default :data:`CHUNK_ROWS`) in file order."""
    chunk_rows = chunk_rows or CHUNK_ROWS
    ctx = multiprocessing.get_context("forkserver")
    with contextlib.suppress(AttributeError, ValueError):
        ctx.set_forkserver_preload([__name__])
    workers = max(min(workers, len(units)), 1)
    base = _shm_dir(workers)
    _remove_stale(Path(base))
    out_dir = tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-", dir=base)
    inboxes = [ctx.Queue(maxsize=_QUEUE_CHUNKS) for _ in range(workers)]
    procs = [
        ctx.Process(
            target=_work,
            args=(
                [(i, u) for i, u in enumerate(units) if i % workers == w],
                out_dir,
                inboxes[w],
                chunk_rows,
            ),
            name=f"dg-ingest-{w}",
            daemon=True,
        )
        for w in range(workers)
    ]
    try:
        for proc in procs:
            proc.start()
        for i in range(len(units)):
            inbox, proc = inboxes[i % workers], procs[i % workers]
            while True:
                chunk = _next(inbox, proc)
                if chunk.error is not None:
                    raise StoreError(f"ingest stopped: {chunk.error}")
                if chunk.ipc is not None:
                    table = _read_ipc(chunk.ipc)
                else:
                    table = EXCHANGE_SCHEMA.empty_table()
                yield Parsed(
                    table,
                    chunk.rejects,
                    chunk.read,
                    chunk.nbytes,
                    chunk.cpu,
                    chunk.lines,
                    chunk.start,
                )
                if chunk.last:
                    break
        for proc in procs:
            proc.join()
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
            with contextlib.suppress(AssertionError):
                proc.join()
        for inbox in inboxes:
            inbox.cancel_join_thread()
            inbox.close()
        shutil.rmtree(out_dir, ignore_errors=True)
