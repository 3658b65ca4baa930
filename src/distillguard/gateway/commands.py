"""The ``gateway`` and ``mock-upstream`` commands (and the re-exported ``keys``/``override``).

``distillguard gateway`` runs one process, or with ``--workers N`` a small supervisor that
forks N worker processes listening on the same port with ``SO_REUSEPORT`` (the kernel
spreads connections across them) and restarts a worker that dies. Each worker has its own
log segment files; worker 0 is the store's single writer and starts the live detector
(by default in its own process, tailing every worker's segments). With
more than one worker, rate limits are shared only through Redis (``--redis``); without it
each worker enforces its own buckets.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import signal
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from distillguard.errors import ConfigError
from distillguard.gateway.policy_commands import (
    configure_keys,
    configure_override,
    run_keys,
    run_override,
)

if TYPE_CHECKING:
    from distillguard.gateway.config import GatewaySettings

__all__ = [
    "configure_gateway",
    "configure_keys",
    "configure_mock_upstream",
    "configure_override",
    "run_gateway",
    "run_keys",
    "run_mock_upstream",
    "run_override",
]


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _new_loop() -> asyncio.AbstractEventLoop:
    import uvloop

    return uvloop.new_event_loop()


# ------------------------------------------------------------------------------ gateway


def configure_gateway(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--upstream", metavar="URL", help="the model server (OpenAI-compatible or Anthropic)"
    )
    parser.add_argument(
        "--upstream-kind", choices=("openai", "anthropic"), help="API the upstream speaks"
    )
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, help="port to listen on (default 8080; 0 = any free port)"
    )
    parser.add_argument("--db", type=Path, help="DuckDB store the exchange log is ingested into")
    parser.add_argument("--config", type=Path, help="gateway TOML config file")
    parser.add_argument(
        "--state", type=Path, help="control-plane SQLite file (default beside --db)"
    )
    parser.add_argument(
        "--redis", metavar="URL", help="Redis for rate limits shared across workers"
    )
    parser.add_argument("--workers", type=int, default=1, help="worker processes (SO_REUSEPORT)")
    parser.add_argument("--log-dir", type=Path, help="exchange log segment folder")
    parser.add_argument(
        "--strict",
        action="store_true",
        default=None,
        help="release a response only once its exchange record is fsynced",
    )
    parser.add_argument("--max-body-bytes", type=int, help="largest request body accepted")
    parser.add_argument(
        "--live-detection",
        choices=("process", "thread", "off"),
        default="process",
        help="run the live detector in its own process (default), a thread, or not at all",
    )
    parser.add_argument(
        "--no-live-detection",
        dest="live_detection",
        action="store_const",
        const="off",
        help="same as --live-detection off",
    )
    parser.add_argument(
        "--segment-seconds", type=float, default=30.0, help="rotate log segments this often"
    )
    parser.add_argument(
        "--detector-nice",
        type=int,
        default=0,
        choices=range(20),
        metavar="N",
        help="lower the live detector process's CPU priority by N (0-19; default 0): under "
        "saturation requests go first and the detector catches up from the log later",
    )


def _settings(args: argparse.Namespace) -> GatewaySettings:
    """Settings from ``--config``, the environment, then the flags (unset flags ignored)."""
    from distillguard.gateway.config import load_settings

    return load_settings(
        args.config,
        upstream_url=args.upstream,
        upstream_kind=args.upstream_kind,
        host=args.host,
        port=args.port,
        db_path=args.db,
        state_path=args.state,
        redis_url=args.redis,
        log_dir=args.log_dir,
        strict_logging=args.strict,
        max_body_bytes=args.max_body_bytes,
    )


def _worker_main(
    settings: GatewaySettings, args: argparse.Namespace, worker: int, sock: socket.socket | None
) -> None:
    """Run one gateway process until SIGTERM/SIGINT."""
    from distillguard.gateway.app import GatewayApp

    loop = _new_loop()
    asyncio.set_event_loop(loop)
    app = GatewayApp(
        settings,
        worker=worker,
        workers=args.workers,
        live_detection=args.live_detection,
        segment_seconds=args.segment_seconds,
        detector_nice=args.detector_nice,
    )
    stop = asyncio.Event()

    async def main() -> None:
        port = await app.start(sock=sock)
        # everything built so far lives as long as the process: move it out of the
        # collector's sight so full collections scan only what requests allocate
        gc.freeze()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if worker == 0:
            _say(
                f"distillguard gateway: listening on http://{settings.host}:{port} "
                f"(workers={args.workers}, upstream={settings.upstream_url}, "
                f"strict={'on' if settings.strict_logging else 'off'}, log={app.log_dir})"
            )
        await app.serve_forever(stop)

    try:
        loop.run_until_complete(main())
    finally:
        loop.close()


def _listen_socket(host: str, port: int, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def run_gateway(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.workers < 1:
        raise ConfigError(f"--workers must be >= 1, got {args.workers}")
    if args.workers == 1:
        sock = _listen_socket(settings.host, settings.port, reuse_port=False)
        _worker_main(settings, args, 0, sock)
        return 0
    if settings.redis_url is None:
        _say(
            "distillguard gateway: warning: several workers without --redis: each worker "
            "enforces its own rate limits"
        )
    # reserve the port (resolving port 0), then each worker listens on it with SO_REUSEPORT
    first = _listen_socket(settings.host, settings.port, reuse_port=True)
    port = first.getsockname()[1]
    from dataclasses import replace

    settings = replace(settings, port=port)
    children: dict[int, int] = {}

    def spawn(worker: int) -> None:
        pid = os.fork()
        if pid == 0:  # child
            code = 0
            try:
                for sig in (signal.SIGTERM, signal.SIGINT):
                    signal.signal(sig, signal.SIG_DFL)
                sock = first if worker == 0 else _listen_socket(settings.host, port, True)
                _worker_main(settings, args, worker, sock)
            except BaseException as exc:
                _say(f"distillguard gateway worker {worker}: {exc}")
                code = 1
            finally:
                os._exit(code)
        children[pid] = worker

    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for w in range(args.workers):
        spawn(w)
    first.close()
    first = None  # type: ignore[assignment]
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        worker = children.pop(pid, None)
        if worker is not None and not stopping:
            _say(f"distillguard gateway: worker {worker} exited ({status}); restarting it")
            first = _listen_socket(settings.host, port, True)
            spawn(worker)
            first.close()
    return 0


# ------------------------------------------------------------------------ mock upstream


def configure_mock_upstream(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000, help="0 = any free port")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay before answering")
    parser.add_argument(
        "--token-latency-ms", type=float, default=0.0, help="delay per streamed token"
    )
    parser.add_argument("--fail-rate", type=float, default=0.0, help="share of requests that fail")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--fixed", action="store_true", help="one fixed answer (cheap, for benchmarks)"
    )
    parser.add_argument(
        "--models",
        default=None,
        help="comma-separated model names to serve (default: the mock's own names)",
    )


def run_mock_upstream(args: argparse.Namespace) -> int:
    from distillguard.gateway.mock import MOCK_MODELS, MockOptions, run_mock

    if not 0.0 <= args.fail_rate <= 1.0:
        raise ConfigError(f"--fail-rate must be in [0, 1], got {args.fail_rate}")
    if args.latency_ms < 0 or args.token_latency_ms < 0:
        raise ConfigError("latencies must be >= 0")
    models = MOCK_MODELS
    if args.models is not None:
        models = tuple(m.strip() for m in args.models.split(",") if m.strip())
        if not models:
            raise ConfigError("--models needs at least one model name")
    options = MockOptions(
        latency_ms=args.latency_ms,
        token_latency_ms=args.token_latency_ms,
        fail_rate=args.fail_rate,
        seed=args.seed,
        fixed=args.fixed,
        models=models,
    )
    loop = _new_loop()
    asyncio.set_event_loop(loop)

    def ready(port: int) -> None:
        _say(f"distillguard mock-upstream: listening on http://{args.host}:{port}")

    task = loop.create_task(run_mock(args.host, args.port, options, ready=ready))
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    try:
        loop.run_until_complete(task)
    except asyncio.CancelledError:
        pass
    except OSError as exc:
        raise ConfigError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    finally:
        loop.close()
    return 0
