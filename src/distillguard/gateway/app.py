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
from distillguard.exchange import parse_exchange
from distillguard.gateway.config import GatewaySettings
from distillguard.gateway.logsink import LogSink
from distillguard.gateway.metrics import GatewayMetrics
from distillguard.gateway.openapi import openapi_bytes
from distillguard.gateway.policy import Policy
from distillguard.gateway.proxy import Gateway
from distillguard.gateway.server import ServerLimits, serve, stop_serving
from distillguard.gateway.upstream import UpstreamPool

__all__ = ["GatewayApp", "LiveFeed", "default_log_dir", "default_state_path"]

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
        if state_path is not None and hasattr(self.detector, "observe_account"):
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
        for account in accounts:
            self.detector.observe_account(account)

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
        live_detection: bool = True,
        detector: Any = None,
        segment_seconds: float = 30.0,
        segment_bytes: int = 64 * 1024 * 1024,
        ingest: bool = True,
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
        self.live: LiveFeed | None = None
        if live_detection and worker == 0:
            self.live = LiveFeed(self.policy, self.metrics, detector)
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
            worker=worker,
            admin=self._admin_handler(),
            openapi=openapi_bytes(),
        )
        self.limits = ServerLimits(max_body=settings.max_body_bytes)
        self.server: asyncio.AbstractServer | None = None
        self.port = 0
        self.workers = workers

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
        await self.policy.close()

    async def serve_forever(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set, then close."""
        try:
            await stop.wait()
        finally:
            await self.close()
