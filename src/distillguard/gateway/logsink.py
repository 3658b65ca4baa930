"""The durable exchange log: append-only segment files, group-commit fsync, store ingestion.

The event loop never touches the disk. :meth:`LogSink.submit` appends an encoded record
(one JSON line) to an in-memory queue and returns; a writer thread takes everything queued,
writes it with one ``write`` and one ``fsync`` (group commit), and only then reports the
batch durable. In strict mode the caller awaits :meth:`LogSink.submit_durable`, so a
response is released only once its record is on disk.

Segments are ``seg-w<worker>-<seq>.jsonl.open`` while written. A segment is rotated when
it reaches ``segment_bytes`` or has been open ``segment_seconds``: fsynced, renamed to
``.jsonl`` (the rename fsynced through the directory) and handed to the ingester thread,
which loads rotated segments into the DuckDB store and then moves them into ``ingested/``.
A crash between ingest and move makes the next run ingest that segment again, which the
store tolerates (it is idempotent on exchange id); nothing is ingested zero times.

After a crash (SIGKILL), the next start of the same worker finds its ``.open`` segments,
cuts a torn last line, and rotates them, so every record that was fsynced is kept.
Group commit: in normal mode the writer, once woken, waits ``flush_interval`` (5 ms) to
gather a group, then writes and fsyncs it; in strict mode each durable submission wakes it
at once and whatever queued during the previous fsync forms the next group.

Loss window in normal mode: records still in the in-memory queue when the process dies,
i.e. answered within the last ``flush_interval`` plus one write (about 5-10 ms of traffic).
A SIGKILL keeps everything already written, since the page cache survives the process; a
power cut also loses what was written but not yet fsynced (one more group).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from distillguard.errors import StoreError

__all__ = ["LogSink", "recover_segments"]

log = logging.getLogger("distillguard.gateway.logsink")

_OPEN = ".jsonl.open"
_DONE = ".jsonl"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def recover_segments(directory: Path, worker: int | None = None) -> list[Path]:
    """Close segments a dead process left open: cut a torn last line, rename to ``.jsonl``.

    ``worker=None`` recovers every worker's segments (only safe when no gateway runs).
    Returns the recovered segment paths.
    """
    pattern = f"seg-w{worker}-*{_OPEN}" if worker is not None else f"seg-w*{_OPEN}"
    out = []
    for path in sorted(directory.glob(pattern)):
        with path.open("r+b") as fh:
            data = fh.read()
            end = data.rfind(b"\n") + 1
            if end != len(data):
                fh.truncate(end)
                fh.flush()
            os.fsync(fh.fileno())
        final = path.with_name(path.name[: -len(_OPEN)] + _DONE)
        path.rename(final)
        out.append(final)
    if out:
        _fsync_dir(directory)
    return out


class LogSink:
    """Non-blocking, durable writer of exchange records (bytes, one JSON object each)."""

    def __init__(
        self,
        directory: Path,
        *,
        worker: int = 0,
        segment_bytes: int = 64 * 1024 * 1024,
        segment_seconds: float = 30.0,
        ingest: Callable[[Sequence[Path]], None] | None = None,
        ingest_all_workers: bool = True,
        ingest_interval: float = 1.0,
        on_batch: Callable[[list[bytes]], None] | None = None,
        flush_interval: float = 0.005,
    ) -> None:
        self.directory = Path(directory)
        self.worker = worker
        self.segment_bytes = segment_bytes
        self.segment_seconds = segment_seconds
        self._ingest_fn = ingest
        self._ingest_all = ingest_all_workers
        self._ingest_interval = ingest_interval
        self._on_batch = on_batch
        self.flush_interval = flush_interval
        self._idle = False
        self._durable_waiting = False
        self._cond = threading.Condition()
        self._queue: collections.deque[tuple[bytes, asyncio.Future | None]] = collections.deque()
        self._oldest = 0.0
        self._stopping = False
        self._writer: threading.Thread | None = None
        self._ingester: threading.Thread | None = None
        self._ingest_wake = threading.Event()
        self._fd = -1
        self._seg_path: Path | None = None
        self._seg_size = 0
        self._seg_opened = 0.0
        self._seq = 0
        self.healthy = True
        self.last_error: str | None = None
        self.submitted = 0  # records handed in (event-loop thread)
        self.written = 0  # records written and fsynced (writer thread)
        self.ingested_segments = 0
        self.errors = 0

    # ---- life cycle

    def start(self) -> None:
        """Recover this worker's crashed segments, then start the writer (and ingester)."""
        # prompts are confidential customer data: owner and group only
        self.directory.mkdir(mode=0o750, parents=True, exist_ok=True)
        (self.directory / "ingested").mkdir(mode=0o750, exist_ok=True)
        recover_segments(self.directory, self.worker)
        seqs = [
            int(p.name.split("-")[2].split(".")[0])
            for d in (self.directory, self.directory / "ingested")
            for p in d.glob(f"seg-w{self.worker}-*")
        ]
        self._seq = max(seqs, default=0)
        self._writer = threading.Thread(target=self._write_loop, name="dg-log-writer", daemon=True)
        self._writer.start()
        if self._ingest_fn is not None:
            self._ingester = threading.Thread(
                target=self._ingest_loop, name="dg-log-ingest", daemon=True
            )
            self._ingester.start()

    def close(self) -> None:
        """Write everything queued, rotate the open segment, ingest, stop the threads."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._writer is not None:
            self._writer.join()
        if self._ingester is not None:
            self._ingest_wake.set()
            self._ingester.join()
            self._ingest_once()

    # ---- producer side (event loop)

    @property
    def depth(self) -> int:
        return len(self._queue)

    @property
    def lag(self) -> float:
        return time.monotonic() - self._oldest if self._queue else 0.0

    def submit(self, line: bytes) -> None:
        """Queue one record; returns at once. The line must not contain a newline.

        No lock on this path: ``deque.append`` is atomic, and the writer is only woken
        when it has gone idle (under load it drains the queue every ``flush_interval``).
        """
        queue = self._queue
        if not queue:
            self._oldest = time.monotonic()
        self.submitted += 1
        queue.append((line, None))
        if self._idle:
            with self._cond:
                self._cond.notify()

    def submit_durable(self, line: bytes) -> asyncio.Future[None]:
        """Queue one record; the returned future resolves once it is fsynced."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if not self._queue:
            self._oldest = time.monotonic()
        self.submitted += 1
        self._queue.append((line, fut))
        self._durable_waiting = True
        with self._cond:
            self._cond.notify()
        return fut

    # ---- writer thread

    def _open_segment(self) -> None:
        self._seq += 1
        self._seg_path = self.directory / f"seg-w{self.worker}-{self._seq:010d}{_OPEN}"
        self._fd = os.open(self._seg_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        self._seg_size = 0
        self._seg_opened = time.monotonic()
        _fsync_dir(self.directory)

    def _rotate(self) -> None:
        if self._fd < 0 or self._seg_path is None:
            return
        os.fsync(self._fd)
        os.close(self._fd)
        self._fd = -1
        path = self._seg_path
        self._seg_path = None
        if self._seg_size == 0:
            path.unlink()
        else:
            path.rename(path.with_name(path.name[: -len(_OPEN)] + _DONE))
            _fsync_dir(self.directory)
            self._ingest_wake.set()

    def _write_loop(self) -> None:
        queue = self._queue
        while True:
            with self._cond:
                self._idle = True  # set before looking, so a racing submit() notifies
                if not queue and not self._stopping:
                    self._cond.wait(timeout=min(1.0, self.segment_seconds))
                self._idle = False
            if queue and not self._durable_waiting and not self._stopping:
                # normal mode: gather a group for one write + one fsync
                time.sleep(self.flush_interval)
            self._durable_waiting = False
            batch = [queue.popleft() for _ in range(len(queue))]
            stopping = self._stopping and not batch and not queue
            if batch:
                self._write_batch(batch)
            elif (
                self._fd >= 0
                and self._seg_size > 0
                and time.monotonic() - self._seg_opened >= self.segment_seconds
            ):
                self._safe(self._rotate)
            if stopping:
                self._safe(self._rotate)
                return

    def _safe(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except OSError as exc:
            self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        self.healthy = False
        self.errors += 1
        self.last_error = f"{exc.strerror or exc}"
        log.error("exchange log write failed: %s", self.last_error)

    def _write_batch(self, batch: list[tuple[bytes, asyncio.Future | None]]) -> None:
        data = b"\n".join(line for line, _ in batch) + b"\n"
        while True:
            try:
                if self._fd < 0:
                    self._open_segment()
                view = memoryview(data)
                while view:
                    n = os.write(self._fd, view)
                    view = view[n:]
                os.fsync(self._fd)
                self._seg_size += len(data)
                break
            except OSError as exc:
                # keep the records and retry: a full disk must not lose exchanges
                self._fail(exc)
                self._resolve(batch, error=exc)
                batch = [(line, None) for line, _ in batch]
                if self._fd >= 0:
                    try:
                        os.close(self._fd)
                    finally:
                        self._fd = -1
                time.sleep(0.5)
        self.healthy = True
        self.written += len(batch)
        self._resolve(batch)
        if self._on_batch is not None:
            try:
                self._on_batch([line for line, _ in batch])
            except Exception:
                log.exception("exchange log batch callback failed")
        if self._seg_size >= self.segment_bytes or (
            time.monotonic() - self._seg_opened >= self.segment_seconds
        ):
            self._safe(self._rotate)

    @staticmethod
    def _resolve(
        batch: list[tuple[bytes, asyncio.Future | None]], error: Exception | None = None
    ) -> None:
        futs = [f for _, f in batch if f is not None]
        if not futs:
            return
        loop = futs[0].get_loop()

        def done() -> None:
            for f in futs:
                if not f.done():
                    if error is None:
                        f.set_result(None)
                    else:
                        f.set_exception(StoreError(f"exchange log write failed: {error}"))

        with contextlib.suppress(RuntimeError):  # loop closed during shutdown
            loop.call_soon_threadsafe(done)

    # ---- ingester thread

    def rotated_segments(self) -> list[Path]:
        """Rotated, not yet ingested segments (this worker's, or every worker's)."""
        pattern = "seg-w*" + _DONE if self._ingest_all else f"seg-w{self.worker}-*{_DONE}"
        return sorted(self.directory.glob(pattern))

    def _ingest_once(self) -> None:
        paths = self.rotated_segments()
        if not paths or self._ingest_fn is None:
            return
        try:
            self._ingest_fn(paths)
        except Exception as exc:
            self.errors += 1
            self.last_error = f"ingest failed: {exc}"
            log.error("ingesting %d segments failed: %s", len(paths), exc)
            return
        done_dir = self.directory / "ingested"
        for path in paths:
            path.rename(done_dir / path.name)
        _fsync_dir(done_dir)
        _fsync_dir(self.directory)
        self.ingested_segments += len(paths)

    def _ingest_loop(self) -> None:
        while True:
            self._ingest_wake.wait(self._ingest_interval)
            self._ingest_wake.clear()
            stopping = self._stopping
            self._ingest_once()
            if stopping:
                return
