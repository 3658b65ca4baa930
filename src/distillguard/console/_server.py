"""Running the console: the loopback/token rule, blocking ``serve`` and ``serve_in_thread``.

The console shows customers' prompts, so it binds to 127.0.0.1 by default and refuses to
bind anywhere else without a token (:func:`check_binding`). :func:`serve_in_thread` runs
uvicorn in a daemon thread on an already-bound socket (port 0 picks a free port), for the
demo and for tests; :func:`serve` blocks until Ctrl-C.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from distillguard.console._queries import ConsoleData
from distillguard.console.app import create_app
from distillguard.errors import ConfigError, DistillGuardError

__all__ = ["ENV_TOKEN", "MIN_TOKEN_CHARS", "ConsoleServer", "check_binding", "resolve_token"]

ENV_TOKEN = "DISTILLGUARD_CONSOLE_TOKEN"
MIN_TOKEN_CHARS = 16


def resolve_token(token: str | None) -> str | None:
    """The token to require: ``token``, else ``$DISTILLGUARD_CONSOLE_TOKEN``, else None."""
    value = token if token else os.environ.get(ENV_TOKEN) or None
    if value is not None and len(value) < MIN_TOKEN_CHARS:
        raise ConfigError(f"the console token must be at least {MIN_TOKEN_CHARS} characters")
    return value


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_binding(host: str, token: str | None) -> None:
    """Refuse to serve confidential prompts beyond this machine without a token."""
    if not _is_loopback(host) and token is None:
        raise ConfigError(
            f"binding to {host} exposes customers' prompts: set a token with --token "
            f"or ${ENV_TOKEN}, or bind to 127.0.0.1"
        )


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _warm(data: ConsoleData) -> None:
    with contextlib.suppress(DistillGuardError):
        data.overview()


@dataclass
class ConsoleServer:
    """A console being served; ``url`` is where to point a browser, ``stop()`` ends it."""

    url: str
    data: ConsoleData
    _server: uvicorn.Server
    _thread: threading.Thread | None = None
    _sock: socket.socket | None = None

    @classmethod
    def start(
        cls,
        db: str | Path,
        results: str | Path,
        *,
        state: str | Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        in_thread: bool = True,
    ) -> ConsoleServer:
        """Open the data, bind the socket and (``in_thread``) start serving in a thread."""
        check_binding(host, token)
        data = ConsoleData(db, results, state)
        try:
            sock = _bind(host, port)
        except BaseException:
            data.close()
            raise
        bound = sock.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        config = uvicorn.Config(
            create_app(data, token=token),
            log_level="warning",
            access_log=False,
            lifespan="off",
            server_header=False,
        )
        server = uvicorn.Server(config)
        self = cls(f"http://{shown}:{bound}", data, server, None, sock)
        # The overview aggregates the whole store once; start it now, not on the first visit.
        threading.Thread(target=_warm, args=(data,), name="console-warm", daemon=True).start()
        if in_thread:
            self._thread = threading.Thread(
                target=server.run, kwargs={"sockets": [sock]}, name="console", daemon=True
            )
            self._thread.start()
            deadline = time.monotonic() + 30
            while not server.started and self._thread.is_alive():
                if time.monotonic() > deadline:
                    self.stop()
                    raise ConfigError("the console did not start within 30 s")
                time.sleep(0.02)
        return self

    def run_forever(self) -> None:
        """Serve in this thread until interrupted."""
        try:
            self._server.run(sockets=[self._sock] if self._sock else None)
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving and close the store (idempotent)."""
        self._server.should_exit = True
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self.data.close()

    def __enter__(self) -> ConsoleServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_in_thread(
    db: str | Path,
    results: str | Path,
    *,
    state: str | Path | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    token: str | None = None,
) -> ConsoleServer:
    """Start the console in a background thread and return once it accepts connections."""
    return ConsoleServer.start(
        db, results, state=state, host=host, port=port, token=token, in_thread=True
    )
