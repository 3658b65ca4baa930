"""Fixtures for the gateway server tests: a mock upstream and a real gateway on loopback.

The gateway runs in-process on its own uvloop in a background thread (real HTTP, real
policy, real SQLite control plane, real log sink); the SIGKILL test runs it as a subprocess.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest

from distillguard.gateway.app import GatewayApp, start_in_thread
from distillguard.gateway.config import load_settings
from distillguard.gateway.keys import create_key
from distillguard.gateway.mock import MockOptions, start_mock_thread
from distillguard.gateway.state import StateDB


@dataclass
class RunningGateway:
    """A gateway served from a background thread; ``url`` is its base URL."""

    app: GatewayApp
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread
    port: int
    tmp: Path
    keys: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the gateway's loop thread and return its result."""
        done = threading.Event()
        box: list[Any] = []

        def run() -> None:
            box.append(fn())
            done.set()

        self.loop.call_soon_threadsafe(run)
        done.wait(10)
        return box[0]

    def flush_log(self) -> list[dict]:
        """Every record submitted so far, once it is written (waits for the writer)."""
        import time

        sink = self.app.sink
        target = sink.submitted
        for _ in range(1000):
            if sink.written >= target:
                break
            time.sleep(0.01)
        log_dir = self.app.log_dir
        for _ in range(20):  # a segment may be renamed while we read: read again
            try:
                segments = {}
                for path in sorted(log_dir.glob("seg-*")) + sorted(
                    (log_dir / "ingested").glob("seg-*")
                ):
                    segments[path.name.split(".")[0]] = path.read_bytes()
            except FileNotFoundError:
                continue
            return [
                orjson.loads(line)
                for stem in sorted(segments)
                for line in segments[stem].splitlines()
                if line.strip()
            ]
        raise AssertionError("could not read the log segments")


def start_gateway(
    tmp: Path,
    upstream_url: str,
    *,
    accounts: tuple[str, ...] | dict[str, dict] = ("acct-1", "acct-2"),
    detector: Any = None,
    live_detection: Any = None,
    detector_nice: int = 0,
    **overrides: Any,
) -> RunningGateway:
    """Create keys for ``accounts`` (ids, or ids -> account metadata) and start a gateway."""
    state = tmp / "gw.state.sqlite"
    keys = {}
    with StateDB(state) as db:
        for acct in accounts:
            meta = accounts[acct] if isinstance(accounts, dict) else None
            _, secret = create_key(db, acct, actor="test", account=meta)
            keys[acct] = secret
    settings = load_settings(
        None,
        upstream_url=upstream_url,
        port=0,
        state_path=state,
        db_path=tmp / "gw.duckdb",
        log_dir=tmp / "log",
        **overrides,
    )
    mode = (detector is not None) if live_detection is None else live_detection
    app = GatewayApp(
        settings,
        live_detection=mode,
        detector=detector,
        segment_seconds=0.5,
        detector_nice=detector_nice,
    )
    runner = start_in_thread(app)
    gw = RunningGateway(app, runner.loop, runner.thread, runner.port, tmp, keys)
    gw._stop = runner.stop_event  # type: ignore[attr-defined]
    return gw


def stop_gateway(gw: RunningGateway) -> None:
    """Stop a gateway started by :func:`start_gateway` (flushes and ingests its log)."""
    gw.loop.call_soon_threadsafe(gw._stop.set)  # type: ignore[attr-defined]
    gw.thread.join(20)


@pytest.fixture(scope="module")
def mock_upstream() -> Iterator[Any]:
    """A mock model server (OpenAI + Anthropic) on a free loopback port."""
    mock = start_mock_thread(MockOptions(seed=7))
    yield mock
    mock.stop()


@pytest.fixture
def gw_factory(tmp_path: Path) -> Iterator[Callable[..., RunningGateway]]:
    """``start(upstream_url, **settings)`` starts a gateway; all are stopped at teardown."""
    started: list[RunningGateway] = []

    def start(upstream_url: str, **kwargs: Any) -> RunningGateway:
        sub = tmp_path / f"gw{len(started)}"
        sub.mkdir()
        gw = start_gateway(sub, upstream_url, **kwargs)
        started.append(gw)
        return gw

    yield start
    for gw in started:
        if gw.thread.is_alive():
            stop_gateway(gw)


@pytest.fixture(scope="module")
def anthropic_gateway(
    mock_upstream: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningGateway]:
    """A gateway whose upstream speaks the Anthropic API (the mock does both)."""
    gw = start_gateway(
        tmp_path_factory.mktemp("gw-anth"), mock_upstream.url, upstream_kind="anthropic"
    )
    yield gw
    stop_gateway(gw)


@pytest.fixture(scope="module")
def gateway(
    mock_upstream: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningGateway]:
    """A gateway in front of the mock upstream with two accounts' keys."""
    gw = start_gateway(tmp_path_factory.mktemp("gw"), mock_upstream.url, max_body_bytes=64 * 1024)
    yield gw
    stop_gateway(gw)


def http_call(
    url: str, method: str = "GET", body: bytes | dict | None = None, headers: dict | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One plain HTTP/1.1 request with the standard library: (status, headers, body)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    data = orjson.dumps(body) if isinstance(body, dict) else body
    hdrs = {"content-type": "application/json", **(headers or {})}
    try:
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), data, hdrs)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


@pytest.fixture(scope="session")
def http() -> Callable[..., tuple[int, dict[str, str], bytes]]:
    """:func:`http_call` as a fixture (test modules cannot import conftest)."""
    return http_call
