"""A small HTTP/1.1 server on asyncio + httptools: the gateway's (and the mock's) front door.

Why hand-written: a generic framework costs 2-4x the CPU per request of the whole budget
(``shared/notes/gateway-benchmarking.md``). This module does only what a JSON API proxy
needs, and does it strictly:

- keep-alive and pipelining: requests on one connection are answered in order, one at a
  time; reading pauses while too many complete requests wait (back-pressure on the client);
- ``Content-Length`` and chunked request bodies, with a size limit enforced while reading
  (413 before the body is buffered when ``Content-Length`` already says too much);
- timeouts: idle keep-alive connections and slow request senders are closed;
- streamed responses use chunked encoding and wait for the socket to drain
  (``pause_writing``/``resume_writing``) so a slow reader never makes the process buffer
  a whole stream;
- parse errors answer 400 and close; handler crashes answer 500 and never kill the server.

A handler is ``async def handler(request: Request, response: ResponseWriter) -> None``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httptools

__all__ = [
    "ClientGone",
    "Handler",
    "Request",
    "ResponseWriter",
    "ServerLimits",
    "serve",
    "stop_serving",
]

log = logging.getLogger("distillguard.gateway")

_REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    411: "Length Required",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    529: "Overloaded",
}
_STATUS_LINES: dict[int, bytes] = {}
_NEVER = float("inf")
_MAX_HEAD = 64 * 1024  # request line + headers
_MAX_HEADERS = 100
_SINGLE = frozenset(("content-length", "host", "authorization", "x-api-key"))
_CTYPES: dict[str, bytes] = {}  # content type -> its header line
# request target -> (path, query): parsing a target is pure, and clients reuse a handful
_TARGETS: dict[bytes, tuple[str, str]] = {}
_MAX_TARGETS = 1024


def _status_line(status: int) -> bytes:
    line = _STATUS_LINES.get(status)
    if line is None:
        reason = _REASONS.get(status, "Status")
        line = _STATUS_LINES[status] = f"HTTP/1.1 {status} {reason}\r\n".encode("latin-1")
    return line


class ClientGone(ConnectionError):
    """The client closed the connection while its response was being written."""


class ServerLimits:
    """Size and time limits of the front door (seconds and bytes)."""

    __slots__ = ("header_timeout", "keepalive_timeout", "max_body", "max_pipelined")

    def __init__(
        self,
        *,
        max_body: int = 4 * 1024 * 1024,
        keepalive_timeout: float = 75.0,
        header_timeout: float = 30.0,
        max_pipelined: int = 16,
    ) -> None:
        self.max_body = max_body
        self.keepalive_timeout = keepalive_timeout
        self.header_timeout = header_timeout
        self.max_pipelined = max_pipelined


class Request:
    """One parsed HTTP request. Header names are lower-case; the body is fully read."""

    __slots__ = ("body", "client_ip", "headers", "method", "path", "query", "too_large")

    def __init__(
        self,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        client_ip: str | None,
        too_large: bool = False,
    ) -> None:
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.client_ip = client_ip
        self.too_large = too_large


class ResponseWriter:
    """Writes one response: either :meth:`send` a whole body, or :meth:`start` a chunked
    stream, :meth:`write` chunks (waiting for the socket to drain) and :meth:`end` it."""

    __slots__ = ("_conn", "_keep_alive", "_pending", "_streaming", "done", "started", "status")

    def __init__(self, conn: _HttpConnection, keep_alive: bool) -> None:
        self._conn = conn
        self._keep_alive = keep_alive
        self._streaming = False
        self._pending = b""
        self.started = False
        self.done = False
        self.status = 0

    @property
    def client_gone(self) -> bool:
        return self._conn.closed

    def _head(self, status: int, headers: Iterable[tuple[str, str]], extra: bytes) -> bytearray:
        out = bytearray(_status_line(status))
        for name, value in headers:
            out += f"{name}: {value}\r\n".encode("latin-1")
        out += extra
        if not self._keep_alive:
            out += b"connection: close\r\n"
        out += b"\r\n"
        return out

    def send(
        self,
        status: int,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        content_type: str = "application/json",
    ) -> None:
        """Send a complete response with a ``Content-Length``."""
        if self.started:
            raise RuntimeError("response already started")
        self.started = self.done = True
        self.status = status
        ctype = _CTYPES.get(content_type)
        if ctype is None:
            ctype = f"content-type: {content_type}\r\n".encode("latin-1")
            if len(_CTYPES) < 64:
                _CTYPES[content_type] = ctype
        if headers:
            head = self._head(status, headers, ctype + b"content-length: %d\r\n" % len(body))
            head += body
            data = bytes(head)
        else:  # the common answer: one join, no per-header formatting
            data = b"".join(
                (
                    _status_line(status),
                    ctype,
                    b"content-length: %d\r\n" % len(body),
                    b"\r\n" if self._keep_alive else b"connection: close\r\n\r\n",
                    body,
                )
            )
        self._conn.write(data)
        self._conn.response_done(self._keep_alive)

    def start(
        self,
        status: int,
        headers: Iterable[tuple[str, str]],
        content_type: str = "text/event-stream",
    ) -> None:
        """Begin a chunked response (e.g. server-sent events)."""
        if self.started:
            raise RuntimeError("response already started")
        self.started = self._streaming = True
        self.status = status
        extra = (
            f"content-type: {content_type}\r\ncache-control: no-cache\r\n"
            "transfer-encoding: chunked\r\n"
        ).encode("latin-1")
        # held back and sent with the first chunk: one send, one packet for the first token
        self._pending = bytes(self._head(status, headers, extra))

    async def write(self, chunk: bytes) -> None:
        """Send one chunk; waits while the client is not reading. Raises :class:`ClientGone`."""
        if not chunk:
            return
        conn = self._conn
        if conn.closed:
            raise ClientGone("client disconnected")
        if self._pending:
            conn.write(self._pending + b"%x\r\n%b\r\n" % (len(chunk), chunk))
            self._pending = b""
        else:
            conn.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
        if conn.write_paused:
            await conn.drained()
            if conn.closed:
                raise ClientGone("client disconnected")

    def end(self, trailer: bytes = b"") -> None:
        """Finish a chunked response (``trailer`` is sent as a last data chunk first)."""
        if self.done:
            return
        self.done = True
        if self._conn.closed:
            return
        head, self._pending = self._pending, b""
        if trailer:
            self._conn.write(head + b"%x\r\n%b\r\n0\r\n\r\n" % (len(trailer), trailer))
        else:
            self._conn.write(head + b"0\r\n\r\n")
        self._conn.response_done(self._keep_alive)

    def abort(self) -> None:
        """Drop the connection (a stream failed midway: the client must see it as broken)."""
        self.done = True
        self._conn.abort()


Handler = Callable[[Request, ResponseWriter], Awaitable[None]]


class _HttpConnection(asyncio.Protocol):
    """One client connection: parses requests and runs the handler on each, in order."""

    def __init__(
        self,
        handler: Handler,
        limits: ServerLimits,
        on_error: Handler,
        registry: set[_HttpConnection],
    ) -> None:
        self.handler = handler
        self.limits = limits
        self.on_error = on_error
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.closed = False
        self.write_paused = False
        self._drain_waiter: asyncio.Future[None] | None = None
        self.client_ip: str | None = None
        self.pending: collections.deque[tuple[Request, bool]] = collections.deque()
        self.busy = False
        self.reading_paused = False
        self.deadline = _NEVER
        self.registry = registry
        # the request being parsed
        self._url = b""
        self._raw: list[tuple[bytes, bytes]] = []
        self._head_size = 0
        self._headers: dict[str, str] = {}
        self._body: list[bytes] = []
        self._body_len = 0
        self._too_large = False

    # ---- connection events

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.registry.add(self)
        peer = transport.get_extra_info("peername")
        if peer:
            self.client_ip = peer[0]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._arm(self.limits.keepalive_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._disarm()
        self.registry.discard(self)
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)
        self._drain_waiter = None

    async def drained(self) -> None:
        if not self.write_paused or self.closed:
            return
        if self._drain_waiter is None or self._drain_waiter.done():
            self._drain_waiter = self.loop.create_future()
        await self._drain_waiter

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._reject(400, "protocol upgrades are not supported")
        except httptools.HttpParserError as exc:
            self._reject(400, f"malformed HTTP request: {exc}")

    def eof_received(self) -> bool | None:
        # half-closed by the client: finish what is queued, then close
        if not self.busy and not self.pending:
            self.close()
        return True

    # ---- timers

    def _arm(self, seconds: float) -> None:
        # a deadline checked by the server's sweeper (once a second), not a timer handle
        # per request: idle and header timeouts are tens of seconds, 1 s late is fine
        self.deadline = time.monotonic() + seconds

    def _disarm(self) -> None:
        self.deadline = _NEVER

    def _timeout(self) -> None:
        self.deadline = _NEVER
        if self.busy:
            return
        if self._url or self._raw or self._headers:
            self._reject(408, "request not received in time")
        else:
            self.close()

    # ---- parser callbacks

    def on_message_begin(self) -> None:
        self._url = b""
        self._raw = []
        self._head_size = 0
        self._headers = {}
        self._body = []
        self._body_len = 0
        self._too_large = False
        if not self.busy:
            self._arm(self.limits.header_timeout)

    def on_url(self, url: bytes) -> None:
        self._url += url
        if len(self._url) > _MAX_HEAD:
            raise httptools.HttpParserError("request target too long")

    def on_header(self, name: bytes, value: bytes) -> None:
        # collected raw and decoded once per request in on_headers_complete (cheaper)
        self._raw.append((name, value))
        # the size bounds memory while parsing; the count is checked once, at the end
        self._head_size += len(name) + len(value)
        if self._head_size > _MAX_HEAD:
            raise httptools.HttpParserError("request headers too large")

    def on_headers_complete(self) -> None:
        raw = self._raw
        self._raw = []
        if len(raw) > _MAX_HEADERS:
            raise httptools.HttpParserError("request headers too large")
        headers = {n.decode("latin-1").lower(): v.decode("latin-1") for n, v in raw}
        if len(headers) != len(raw):  # repeated names: join them, refuse ambiguous ones
            headers = {}
            for n, v in raw:
                key, text = n.decode("latin-1").lower(), v.decode("latin-1")
                if key in headers:
                    if key in _SINGLE:
                        raise httptools.HttpParserError(f"duplicate {key} header")
                    headers[key] = f"{headers[key]}, {text}"
                else:
                    headers[key] = text
        self._headers = headers
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.limits.max_body:
            self._too_large = True

    def on_body(self, body: bytes) -> None:
        if self._too_large:
            return
        self._body_len += len(body)
        if self._body_len > self.limits.max_body:
            self._too_large = True
            self._body = []
            return
        self._body.append(body)

    def on_message_complete(self) -> None:
        target = _TARGETS.get(self._url)
        if target is None:
            try:
                url = httptools.parse_url(self._url)
                target = (url.path.decode("latin-1"), (url.query or b"").decode("latin-1"))
            except httptools.HttpParserInvalidURLError:
                raise httptools.HttpParserError("invalid request target") from None
            if len(self._url) <= 256:  # bounded: at most 1024 short targets
                if len(_TARGETS) >= _MAX_TARGETS:
                    _TARGETS.clear()
                _TARGETS[self._url] = target
        path, query = target
        body = self._body[0] if len(self._body) == 1 else b"".join(self._body)
        req = Request(
            self.parser.get_method().decode("latin-1"),
            path,
            query,
            self._headers,
            b"" if self._too_large else body,
            self.client_ip,
            self._too_large,
        )
        keep_alive = self.parser.should_keep_alive()
        self._url = b""
        self._headers = {}
        self._body = []
        self.pending.append((req, keep_alive))
        if len(self.pending) >= self.limits.max_pipelined and not self.reading_paused:
            self.reading_paused = True
            self.transport.pause_reading()  # type: ignore[union-attr]
        if not self.busy:
            self._next()

    # ---- running requests

    def _next(self) -> None:
        if self.closed or not self.pending:
            return
        req, keep_alive = self.pending.popleft()
        if self.reading_paused and len(self.pending) < self.limits.max_pipelined // 2:
            self.reading_paused = False
            self.transport.resume_reading()  # type: ignore[union-attr]
        self.busy = True
        self._disarm()
        self.loop.create_task(self._run(req, ResponseWriter(self, keep_alive)))

    async def _run(self, req: Request, resp: ResponseWriter) -> None:
        try:
            await self.handler(req, resp)
        except ClientGone:
            pass
        except Exception:
            log.exception("handler failed on %s %s", req.method, req.path)
            if not resp.started and not self.closed:
                await self.on_error(req, resp)
            elif not resp.done:
                resp.abort()
        if not resp.done and not self.closed:
            # a handler that forgot to answer must not hang the client
            resp.abort()
            self.busy = False

    def response_done(self, keep_alive: bool) -> None:
        self.busy = False
        if not keep_alive:
            self.close()
            return
        if self.pending:
            self._next()
        else:
            self._arm(self.limits.keepalive_timeout)

    # ---- output

    def write(self, data: bytes) -> None:
        if not self.closed:
            self.transport.write(data)  # type: ignore[union-attr]

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._disarm()
            self.transport.close()  # type: ignore[union-attr]

    def abort(self) -> None:
        if not self.closed:
            self.closed = True
            self._disarm()
            self.transport.abort()  # type: ignore[union-attr]

    def _reject(self, status: int, message: str) -> None:
        """Answer a request that cannot be parsed, then close the connection."""
        if self.closed:
            return
        if not self.busy:
            import orjson

            body = orjson.dumps(
                {"error": {"message": message, "type": "invalid_request_error", "code": None}}
            )
            self.transport.write(  # type: ignore[union-attr]
                _status_line(status)
                + b"content-type: application/json\r\nconnection: close\r\n"
                + f"content-length: {len(body)}\r\n\r\n".encode("latin-1")
                + body
            )
        self.close()


async def serve(
    handler: Handler,
    host: str,
    port: int,
    *,
    limits: ServerLimits | None = None,
    on_error: Handler | None = None,
    reuse_port: bool = False,
    sock: socket.socket | None = None,
    backlog: int = 2048,
) -> asyncio.Server:
    """Start serving ``handler`` on ``host:port`` (``port=0`` picks a free one)."""
    lim = limits or ServerLimits()
    err = on_error or _default_error
    loop = asyncio.get_running_loop()
    kwargs: dict[str, Any] = {"backlog": backlog}
    if sock is not None:
        kwargs["sock"] = sock
    else:
        kwargs.update(host=host, port=port, reuse_port=reuse_port or None)
    registry: set[_HttpConnection] = set()
    server = await loop.create_server(
        lambda: _HttpConnection(handler, lim, err, registry), **kwargs
    )
    _SWEEPERS[id(server)] = loop.create_task(_sweep(registry, server))
    return server


_SWEEPERS: dict[int, asyncio.Task] = {}


def stop_serving(server: asyncio.AbstractServer) -> None:
    """Close ``server`` and stop its timeout sweeper."""
    task = _SWEEPERS.pop(id(server), None)
    if task is not None:
        task.cancel()
    server.close()


async def _sweep(registry: set[_HttpConnection], server: asyncio.AbstractServer) -> None:
    """Close connections whose idle or header deadline has passed (runs once a second)."""
    while True:
        await asyncio.sleep(1.0)
        if not server.is_serving():
            _SWEEPERS.pop(id(server), None)
            return
        now = time.monotonic()
        for conn in [c for c in registry if c.deadline <= now]:
            conn._timeout()


async def _default_error(req: Request, resp: ResponseWriter) -> None:
    resp.send(
        500,
        (),
        b'{"error":{"message":"internal server error","type":"server_error","code":null}}',
    )
