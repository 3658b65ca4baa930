"""Wiring: build a running gateway from :class:`GatewaySettings`.

:class:`GatewayApp` owns every part of one gateway process — the policy, the upstream
pool, the durable log sink (with store ingestion), the metrics, the optional signer and the
live-detection feed — starts them in order and closes them in reverse. It serves on a
socket of its own or on one handed over by the multi-worker launcher
(:mod:`distillguard.gateway.commands`).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import socket
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from distillguard._types import Verdict
from distillguard.errors import ConfigError
from distillguard.exchange import parse_exchange
from distillguard.gateway.config import GatewaySettings
from distillguard.gateway.logsink import LogSink
from distillguard.gateway.metrics import GatewayMetrics
from distillguard.gateway.openapi import openapi_bytes
from distillguard.gateway.policy import Policy
from distillguard.gateway.proxy import Gateway
from distillguard.gateway.server import ServerLimits, serve, stop_serving
from distillguard.gateway.upstream import UpstreamPool

__all__ = [
    "DetectorProcess",
    "GatewayApp",
    "GatewayThread",
    "LiveFeed",
    "SegmentTail",
    "default_log_dir",
    "default_state_path",
    "run_detector_process",
    "start_in_thread",
]

log = logging.getLogger("distillguard.gateway")


def default_log_dir(settings: GatewaySettings) -> Path:
    """``log_dir`` from settings, else ``<db stem>.log/`` beside the store, else ``gateway-log``."""
    if settings.log_dir is not None:
        return Path(settings.log_dir)
    if settings.db_path is not None:
        db = Path(settings.db_path)
        return db.with_name(f"{db.stem}.log")
    return Path("gateway-log")


def default_state_path(settings: GatewaySettings) -> Path:
    """``state_path`` from settings, else ``<db stem>.state.sqlite`` beside the store."""
    if settings.state_path is not None:
        return Path(settings.state_path)
    db = Path(settings.db_path) if settings.db_path is not None else Path("distillguard.duckdb")
    return db.with_name(f"{db.stem}.state.sqlite")


class LiveFeed:
    """Feeds logged exchanges to the causal live detector, off the hot path.

    The log sink's writer thread hands each durable batch to :meth:`push`; a detector thread
    parses the records (:func:`~distillguard.exchange.parse_exchange`), calls
    ``detector.observe(exchange)`` and applies every verdict change through
    ``Policy.apply_verdict`` on the event loop's thread. The queue is bounded: when the
    detector falls behind by more than ``max_queue`` records, the oldest are dropped and
    counted (``distillguard_detector_dropped_total``) rather than slowing the gateway.

    ``detector`` is any object with ``observe(exchange) -> list[change]`` where a change has
    ``account_id``, ``verdict``, ``score``, ``cluster_id`` and ``reasons``; by default
    ``distillguard.detect.LiveDetector()`` when that exists.
    """

    def __init__(
        self,
        policy: Policy,
        metrics: GatewayMetrics,
        detector: Any = None,
        max_queue: int = 100_000,
    ) -> None:
        self.policy = policy
        self.metrics = metrics
        self.detector = detector if detector is not None else self._default_detector()
        self._queue: collections.deque[bytes] = collections.deque()
        self._max = max_queue
        self._cond = threading.Condition()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.observed = 0
        self.dropped = metrics.registry.counter(
            "distillguard_detector_dropped_total", "Logged exchanges the live detector skipped"
        )

    @staticmethod
    def _default_detector() -> Any:
        try:
            from distillguard.detect import LiveDetector  # type: ignore[attr-defined]
        except ImportError:
            log.warning("live detection off: distillguard.detect.LiveDetector is not available")
            return None
        return LiveDetector()

    @property
    def depth(self) -> int:
        return len(self._queue)

    def start(self, loop: asyncio.AbstractEventLoop, state_path: Path | None = None) -> None:
        """Register known accounts with the detector, then start the detector thread."""
        if self.detector is None:
            return
        self._loop = loop
        if state_path is not None and hasattr(self.detector, "observe_accounts"):
            self._load_accounts(state_path)
        self._thread = threading.Thread(target=self._run, name="dg-live-detect", daemon=True)
        self._thread.start()

    def push(self, lines: list[bytes]) -> None:
        """Called by the log writer thread with each durable batch."""
        if self.detector is None:
            return
        with self._cond:
            self._queue.extend(lines)
            over = len(self._queue) - self._max
            for _ in range(max(0, over)):
                self._queue.popleft()
            self._cond.notify()
        if over > 0:
            self.dropped.inc(by=over)

    def _load_accounts(self, state_path: Path) -> None:
        from distillguard.gateway.state import StateDB

        try:
            with StateDB(state_path) as db:
                accounts = list(db.accounts().values())
        except Exception as exc:
            log.warning("live detection: account metadata not loaded: %s", exc)
            return
        self.detector.observe_accounts(accounts)

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(10)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stop:
                    self._cond.wait()
                if self._stop and not self._queue:
                    return
                batch = list(self._queue)
                self._queue.clear()
            for line in batch:
                try:
                    self._observe(line)
                except Exception:
                    log.exception("live detector failed on one exchange")

    def _observe(self, line: bytes) -> None:
        exchange = parse_exchange(orjson.loads(line))
        self.observed += 1
        for change in self.detector.observe(exchange) or ():
            verdict = (
                change.verdict
                if isinstance(change.verdict, Verdict)
                else Verdict.parse(str(change.verdict))
            )
            self.metrics.verdict_changes.inc(str(verdict))
            args = (change.account_id, verdict)
            kwargs = {
                "score": float(change.score),
                "cluster_id": change.cluster_id,
                "reasons": list(change.reasons),
                "source": "live",
            }
            if self._loop is not None and not self._loop.is_closed():
                self._loop.call_soon_threadsafe(self._apply, args, kwargs)

    def _apply(self, args: tuple[str, Verdict], kwargs: dict[str, Any]) -> None:
        try:
            self.policy.apply_verdict(*args, **kwargs)
        except Exception:
            log.exception("applying a live verdict failed")


class SegmentTail:
    """Reads new complete lines from every worker's log segments, wherever they now are.

    A segment moves ``seg-wW-N.jsonl.open`` -> ``seg-wW-N.jsonl`` -> ``ingested/...``;
    it is tracked by its stem and a byte offset, so renames never cause a re-read. Segments
    already ingested when the tail starts are history and skipped.
    """

    def __init__(self, log_dir: Path, history: set[str] | None = None) -> None:
        self.log_dir = Path(log_dir)
        self.offsets: dict[str, int] = {}
        self.done: set[str] = set(history) if history is not None else self.history(log_dir)

    @staticmethod
    def history(log_dir: Path) -> set[str]:
        """Stems of the segments already ingested (what a fresh tail skips)."""
        ingested = Path(log_dir) / "ingested"
        if not ingested.is_dir():
            return set()
        return {p.name.split(".")[0] for p in ingested.glob("seg-*")}

    def poll(self) -> list[bytes]:
        """Every complete line written since the last poll."""
        out: list[bytes] = []
        paths = sorted(self.log_dir.glob("seg-*")) + sorted(
            (self.log_dir / "ingested").glob("seg-*")
        )
        for path in paths:
            stem = path.name.split(".")[0]
            if stem in self.done:
                continue
            offset = self.offsets.get(stem, 0)
            try:
                with path.open("rb") as fh:
                    fh.seek(offset)
                    data = fh.read()
            except FileNotFoundError:  # renamed between listing and opening: next poll
                continue
            end = data.rfind(b"\n") + 1
            if end:
                out.extend(line for line in data[:end].split(b"\n") if line)
                self.offsets[stem] = offset + end
            if path.parent.name == "ingested" and end == len(data):
                self.done.add(stem)  # rotated, ingested and fully read: never grows again
                self.offsets.pop(stem, None)
        return out


def run_detector_process(
    log_dir: str,
    state_path: str,
    parent_pid: int,
    status_path: str,
    history: list[str] | None = None,
    poll: float = 0.1,
    nice: int = 0,
) -> None:
    """The live detector's own process: tail the log, detect, publish verdicts.

    Verdict changes are written to the control-plane state file (``source = "live"``),
    which every gateway worker reloads at least once a second, so a flagged account is
    refused within about a second, by every worker, without touching the hot path's GIL.
    Exits when the gateway that started it is gone. ``nice`` > 0 lowers its CPU priority
    (``--detector-nice``): it then yields the cores to the request path under saturation
    and catches up from the log when they are free (see decision Gateway-P5).
    """
    import os
    import time

    if nice > 0:
        os.nice(nice)

    from distillguard.detect import LiveDetector
    from distillguard.gateway.state import StateDB, VerdictRow, now_ts

    detector = LiveDetector()
    state = Path(state_path)
    with StateDB(state) as db:
        detector.observe_accounts(db.accounts().values())
    tail = SegmentTail(Path(log_dir), set(history) if history is not None else None)
    observed = changes = 0
    last_status = 0.0
    while os.getppid() == parent_pid:
        lines = tail.poll()
        batch = []
        for line in lines:
            try:
                batch.append(parse_exchange(orjson.loads(line)))
            except Exception:
                log.exception("live detector: unreadable log record")
        batch.sort(key=lambda ex: ex.ts)  # workers' segments interleave: restore time order
        rows = []
        for exchange in batch:
            try:
                found = detector.observe(exchange)
            except Exception:
                log.exception("live detector failed on one exchange")
                continue
            observed += 1
            for c in found:
                verdict = (
                    c.verdict if isinstance(c.verdict, Verdict) else Verdict.parse(str(c.verdict))
                )
                rows.append(
                    VerdictRow(
                        c.account_id,
                        verdict,
                        float(c.score),
                        c.cluster_id,
                        list(c.reasons),
                        "live",
                        now_ts(),
                    )
                )
        if rows:
            changes += len(rows)
            with StateDB(state) as db:
                db.set_verdicts(rows)
        now = time.monotonic()
        if lines or rows or now - last_status > 5:
            last_status = now
            tmp = Path(status_path + ".tmp")
            tmp.write_bytes(orjson.dumps({"observed": observed, "verdict_changes": changes}))
            tmp.replace(status_path)
        if not lines:
            time.sleep(poll)


class DetectorProcess:
    """Starts and stops :func:`run_detector_process` beside the gateway (worker 0)."""

    def __init__(self, log_dir: Path, state_path: Path, nice: int = 0) -> None:
        self.log_dir = log_dir
        self.state_path = state_path
        self.nice = nice
        self.status_path = log_dir / "detector.status.json"
        self._proc: Any = None

    def start(self) -> None:
        import multiprocessing
        import os

        ctx = multiprocessing.get_context("spawn")
        # what was ingested before this start is history; anything later is read, even if
        # it is ingested before the child process is up
        history = sorted(SegmentTail.history(self.log_dir))
        self._proc = ctx.Process(
            target=run_detector_process,
            args=(
                str(self.log_dir),
                str(self.state_path),
                os.getpid(),
                str(self.status_path),
                history,
                0.1,
                self.nice,
            ),
            name="distillguard-live-detector",
            daemon=True,
        )
        self._proc.start()

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    def status(self) -> dict[str, Any]:
        try:
            return dict(orjson.loads(self.status_path.read_bytes()))
        except (OSError, orjson.JSONDecodeError):
            return {}

    def close(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.join(5)
            self._proc = None


class _StoreIngest:
    """Loads rotated log segments into the DuckDB store; lives on the ingester thread."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._store: Any = None

    def __call__(self, paths: Sequence[Path]) -> None:
        from distillguard.store import Store

        if self._store is None:
            self._store = Store(self.db_path)
        self._store.ingest([str(p) for p in paths], show_progress=False)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class GatewayApp:
    """One gateway process: build with settings, then ``await start()`` / ``await close()``."""

    def __init__(
        self,
        settings: GatewaySettings,
        *,
        worker: int = 0,
        workers: int = 1,
        live_detection: bool | str = True,
        detector: Any = None,
        segment_seconds: float = 30.0,
        segment_bytes: int = 64 * 1024 * 1024,
        ingest: bool = True,
        detector_nice: int = 0,
    ) -> None:
        self.settings = settings
        self.worker = worker
        self.state_path = default_state_path(settings)
        self.log_dir = default_log_dir(settings)
        self.metrics = GatewayMetrics(str(worker))
        self.policy = Policy(settings, state_path=self.state_path, redis_url=settings.redis_url)
        self.pool = UpstreamPool(
            settings.upstream_url,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
        )
        # one process is the store's single writer: worker 0 ingests every worker's segments
        self._ingest = (
            _StoreIngest(Path(settings.db_path))
            if ingest and settings.db_path is not None and worker == 0
            else None
        )
        # live detection: "thread" (in-process, applies through Policy.apply_verdict),
        # "process" (own process tailing every worker's log, publishes to the state file)
        mode = "thread" if live_detection is True else (live_detection or "off")
        if mode not in ("thread", "process", "off"):
            raise ConfigError(f"live detection must be thread, process or off, not {mode!r}")
        self.live: LiveFeed | None = None
        self.detector_process: DetectorProcess | None = None
        if mode == "thread" and worker == 0:
            self.live = LiveFeed(self.policy, self.metrics, detector)
        elif mode == "process" and worker == 0:
            self.detector_process = DetectorProcess(
                self.log_dir, self.state_path, nice=detector_nice
            )
        self.sink = LogSink(
            self.log_dir,
            worker=worker,
            segment_bytes=segment_bytes,
            segment_seconds=segment_seconds,
            ingest=self._ingest,
            ingest_all_workers=True,
            on_batch=self.live.push if self.live is not None else None,
        )
        self.metrics.log_queue.fn = lambda: self.sink.depth
        self.metrics.log_lag.fn = lambda: self.sink.lag
        self.metrics.detector_lag.fn = lambda: self.live.depth if self.live is not None else 0
        self.gateway = Gateway(
            policy=self.policy,
            pool=self.pool,
            sink=self.sink,
            metrics=self.metrics,
            upstream_kind=settings.upstream_kind,
            upstream_api_key=settings.upstream_api_key,
            strict=settings.strict_logging,
            signer=self._signer(settings),
            marker=self._marker(settings, self.state_path),
            stream_max_hold=settings.watermark_max_hold,
            generation_field=(
                settings.watermark_generation_field
                if settings.watermark and settings.watermark_mode == "generation"
                else None
            ),
            trusted_proxies=settings.trusted_proxies,
            fingerprint_header=settings.fingerprint_header,
            replay_timestamps=settings.replay_timestamps,
            worker=worker,
            admin=self._admin_handler(),
            openapi=openapi_bytes(),
        )
        self.limits = ServerLimits(max_body=settings.max_body_bytes)
        self.server: asyncio.AbstractServer | None = None
        self.port = 0
        self.workers = workers

    @staticmethod
    def _marker(settings: GatewaySettings, state_path: Path) -> Any:
        """The text watermarker when ``[watermark] enabled`` (keyring beside the state file
        unless configured); ``None`` otherwise, so the hot path pays one ``if``."""
        if not settings.watermark or settings.watermark_mode != "text":
            return None
        from distillguard.gateway.marking import load_marker

        path = settings.watermark_keyring or Path(state_path).with_name("watermark-keys.json")
        return load_marker(Path(path))

    @staticmethod
    def _signer(settings: GatewaySettings) -> Any:
        if not settings.signing:
            return None
        from distillguard.provenance import Signer  # type: ignore[attr-defined]

        if hasattr(Signer, "from_settings"):
            return Signer.from_settings(settings)
        return Signer(settings.signing_keyring)

    @staticmethod
    def _admin_handler() -> Any:
        try:
            from distillguard.gateway.admin import handle_admin
        except ImportError:
            return None
        return handle_admin

    async def start(self, *, sock: socket.socket | None = None, reuse_port: bool = False) -> int:
        """Start every part and listen; returns the bound port."""
        await self.policy.start()
        self.sink.start()
        if self.live is not None:
            self.live.start(asyncio.get_running_loop(), self.state_path)
        if self.detector_process is not None:
            self.detector_process.start()
        self.server = await serve(
            self.gateway.handle,
            self.settings.host,
            self.settings.port,
            limits=self.limits,
            reuse_port=reuse_port,
            sock=sock,
        )
        self.port = self.server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        """Stop listening, flush the log, stop the detector feed and the policy."""
        if self.server is not None:
            stop_serving(self.server)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 2.0)
        self.pool.close()
        await asyncio.to_thread(self.sink.close)
        if self._ingest is not None:
            self._ingest.close()
        if self.live is not None:
            await asyncio.to_thread(self.live.close)
        if self.detector_process is not None:
            await asyncio.to_thread(self.detector_process.close)
        await self.policy.close()

    async def serve_forever(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set, then close."""
        try:
            await stop.wait()
        finally:
            await self.close()


class GatewayThread:
    """A :class:`GatewayApp` serving on its own uvloop in a daemon thread."""

    def __init__(
        self,
        app: GatewayApp,
        loop: asyncio.AbstractEventLoop,
        thread: threading.Thread,
        port: int,
        stop_event: asyncio.Event,
    ) -> None:
        self.app = app
        self.loop = loop
        self.thread = thread
        self.port = port
        self.stop_event = stop_event

    @property
    def url(self) -> str:
        return f"http://{self.app.settings.host}:{self.port}"

    def stop(self, timeout: float = 20.0) -> None:
        """Stop serving and close the app (flushes and rotates the log)."""
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.stop_event.set)
            self.thread.join(timeout)


def start_in_thread(app: GatewayApp, *, timeout: float = 20.0) -> GatewayThread:
    """Start ``app`` on a fresh uvloop in a daemon thread; returns once it listens.

    For embedding the gateway in another program and for tests; the CLI runs it in the
    main thread instead. Raises whatever :meth:`GatewayApp.start` raised.
    """
    import uvloop

    loop = uvloop.new_event_loop()
    ready = threading.Event()
    stop = asyncio.Event()
    box: list[Any] = []

    def main() -> None:
        asyncio.set_event_loop(loop)

        async def run() -> None:
            try:
                box.append(await app.start())
            except BaseException as exc:
                box.append(exc)
                ready.set()
                raise
            ready.set()
            await app.serve_forever(stop)

        try:
            loop.run_until_complete(run())
        except BaseException:  # already handed to the caller through ``box``
            pass
        finally:
            loop.close()

    thread = threading.Thread(target=main, name="distillguard-gateway", daemon=True)
    thread.start()
    ready.wait(timeout)
    if not box:
        raise RuntimeError("the gateway did not start in time")
    if isinstance(box[0], BaseException):
        raise box[0]
    return GatewayThread(app, loop, thread, int(box[0]), stop)
