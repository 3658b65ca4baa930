"""The upstream client: a keep-alive HTTP/1.1 connection pool on asyncio + httptools.

One :class:`UpstreamPool` per upstream origin. :meth:`UpstreamPool.request` sends one
request on an idle pooled connection (or a new one) and returns an
:class:`UpstreamResponse` once the status line and headers are in; its body is then read
whole (:meth:`UpstreamResponse.read`) or chunk by chunk (``async for``). Reading from the
upstream socket pauses while the consumer lags (flow control for streams), and every wait
has a timeout. A connection goes back to the pool only when its response was read to the
end and both sides allow keep-alive; anything unusual closes it.

Failures raise :class:`~distillguard.errors.UpstreamError` subclasses:
:class:`UpstreamTimeout` (connect/read timeout) and :class:`UpstreamUnavailable`
(refused, reset, dropped mid-body).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ssl
import time
from collections.abc import AsyncIterator, Iterable
from urllib.parse import urlsplit

import httptools

from distillguard.errors import ConfigError, UpstreamError

__all__ = [
    "UpstreamPool",
    "UpstreamResponse",
    "UpstreamTimeout",
    "UpstreamUnavailable",
]

_HIGH_WATER = 256 * 1024
# Whole-answer fetches with a stall limit of at least _SWEPT_FROM seconds are watched by one
# sweeper per pool, every _SWEEP_PERIOD seconds, instead of a timer handle per request (a
# uvloop timer armed and cancelled per request costs ~3 µs): such a timeout fires at most
# _SWEEP_PERIOD late (<= 10 %). Shorter limits keep a precise per-request timer.
_SWEPT_FROM = 5.0
_SWEEP_PERIOD = 0.5


class UpstreamTimeout(UpstreamError):
    """The upstream did not connect or answer within the timeout."""


class UpstreamUnavailable(UpstreamError):
    """The upstream refused, reset or dropped the connection."""


class _UpstreamConnection(asyncio.Protocol):
    """One connection to the upstream; carries one request at a time."""

    def __init__(self, pool: UpstreamPool) -> None:
        self.pool = pool
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.timed_out = False
        self.last_used = time.monotonic()
        self.whole: asyncio.Future[None] | None = None  # set while fetch() waits
        self.last_data = 0.0
        self.fetch_timeout = 0.0
        self._reset()

    def _reset(self) -> None:
        self.status = 0
        self._raw_headers: list[tuple[bytes, bytes]] = []
        self.head_waiter: asyncio.Future[None] | None = None
        self.chunks: collections.deque[bytes] = collections.deque()
        self.buffered = 0
        self.body_waiter: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self.complete = False
        self.error: Exception | None = None
        self.keep_alive = False
        self.reading_paused = False

    # ---- protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.pool._forget(self)
        if not self.complete and self.error is None:
            # a body delimited by connection close ends cleanly here
            with contextlib.suppress(httptools.HttpParserError):
                self.parser.feed_data(b"")
            if not self.complete:
                self.error = UpstreamUnavailable("upstream closed the connection mid-response")
        self._wake()

    def data_received(self, data: bytes) -> None:
        self.last_data = self.loop.time()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self.error = UpstreamUnavailable(f"upstream sent malformed HTTP: {exc}")
            self.close()
            self._wake()

    # ---- parser callbacks

    @property
    def headers(self) -> dict[str, str]:
        """The response headers, lower-case names (decoded on demand: rarely needed)."""
        return {n.decode("latin-1").lower(): v.decode("latin-1") for n, v in self._raw_headers}

    def on_header(self, name: bytes, value: bytes) -> None:
        self._raw_headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        w = self.head_waiter
        if w is not None and not w.done():
            w.set_result(None)

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        self.buffered += len(body)
        if (
            self.buffered > _HIGH_WATER
            and self.whole is None  # fetch() reads whole bodies: nobody would resume
            and not self.reading_paused
            and self.transport
        ):
            self.reading_paused = True
            self.transport.pause_reading()
        w = self.body_waiter
        if w is not None and not w.done():
            w.set_result(None)

    def on_message_complete(self) -> None:
        self.complete = True
        self.keep_alive = self.parser.should_keep_alive()
        self._wake()

    def _wake(self) -> None:
        for w in (self.head_waiter, self.body_waiter, self.whole):
            if w is not None and not w.done():
                w.set_result(None)

    # ---- use

    def send(self, data: bytes) -> None:
        # the parser is kept: a pooled connection's last response was complete, and
        # llhttp starts the next message cleanly (saves building one per request)
        self._reset()
        self.transport.write(data)  # type: ignore[union-attr]

    async def fetch(self, data: bytes, timeout: float) -> bytes:
        """Send ``data`` and wait for the whole response; returns its body.

        One future and one timer per request: the timer fires ``timeout`` s after the
        last byte received (a stalled head or body), re-arming itself while bytes flow.
        """
        self._reset()
        fut = self.whole = self.loop.create_future()
        self.transport.write(data)  # type: ignore[union-attr]
        self.last_data = self.loop.time()
        self.timed_out = False
        swept = timeout >= _SWEPT_FROM
        if swept:  # the pool's sweeper checks last_data (see _SWEPT_FROM)
            self.fetch_timeout = timeout
            self.pool._watch(self)
        else:
            self._timer = self.loop.call_at(self.last_data + timeout, self._fetch_due, fut, timeout)
        try:
            await fut
        except BaseException:  # cancelled mid-answer: the connection cannot be reused
            self.close()
            raise
        finally:
            if swept:
                self.pool._watching.discard(self)
            else:
                self._timer.cancel()  # type: ignore[union-attr]
            self.whole = None
        if self.complete:
            chunks = self.chunks
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        self.close()
        if self.timed_out:
            if self.status:
                raise UpstreamTimeout(f"upstream stalled for {timeout:g} s mid-response")
            raise UpstreamTimeout(f"upstream sent no response within {timeout:g} s")
        if self.error is not None:
            raise self.error
        raise UpstreamUnavailable("upstream closed the connection")

    def _fetch_due(self, fut: asyncio.Future[None], timeout: float) -> None:
        due = self.last_data + timeout
        if due > self.loop.time() + 0.001:  # bytes came in meanwhile: wait for the rest
            self._timer = self.loop.call_at(due, self._fetch_due, fut, timeout)
            return
        self.timed_out = True
        if not fut.done():
            fut.set_result(None)

    def _expire(self, fut: asyncio.Future[None]) -> None:
        self.timed_out = True
        if not fut.done():
            fut.set_result(None)

    async def _wait(self, fut: asyncio.Future[None], timeout: float) -> bool:
        """Wait for ``fut`` at most ``timeout`` s (a timer handle, cheaper than wait_for)."""
        self.timed_out = False
        handle = self.loop.call_later(timeout, self._expire, fut)
        try:
            await fut
        finally:
            handle.cancel()
        return not self.timed_out

    async def wait_head(self, timeout: float) -> None:
        while not self.status and self.error is None and not self.closed:
            self.head_waiter = self.loop.create_future()
            if not await self._wait(self.head_waiter, timeout):
                self.close()
                raise UpstreamTimeout(f"upstream sent no response within {timeout:g} s")
        if not self.status:
            raise self.error or UpstreamUnavailable("upstream closed the connection")

    async def next_chunk(self, timeout: float) -> bytes | None:
        while True:
            if self.chunks:
                chunk = self.chunks.popleft()
                self.buffered -= len(chunk)
                if self.reading_paused and self.buffered < _HIGH_WATER // 4 and self.transport:
                    self.reading_paused = False
                    self.transport.resume_reading()
                return chunk
            if self.complete:
                return None
            if self.error is not None:
                raise self.error
            if self.closed:
                raise UpstreamUnavailable("upstream closed the connection mid-response")
            self.body_waiter = self.loop.create_future()
            if not await self._wait(self.body_waiter, timeout):
                self.close()
                raise UpstreamTimeout(f"upstream stalled for {timeout:g} s mid-response")

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self.transport is not None:
                self.transport.close()
            self.pool._forget(self)


class UpstreamResponse:
    """The upstream's answer: status and headers now, body on demand."""

    __slots__ = ("_conn", "_done", "_pool", "_read_timeout", "headers", "status")

    def __init__(self, pool: UpstreamPool, conn: _UpstreamConnection, read_timeout: float) -> None:
        self._pool = pool
        self._conn = conn
        self._read_timeout = read_timeout
        self._done = False
        self.status = conn.status
        self.headers = conn.headers

    async def read(self) -> bytes:
        """The whole body."""
        parts = [chunk async for chunk in self]
        return parts[0] if len(parts) == 1 else b"".join(parts)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        conn = self._conn
        try:
            while True:
                chunk = await conn.next_chunk(self._read_timeout)
                if chunk is None:
                    break
                yield chunk
        except BaseException:
            self.close()
            raise
        self._finish()

    def _finish(self) -> None:
        if self._done:
            return
        self._done = True
        conn = self._conn
        if conn.complete and conn.keep_alive and not conn.closed:
            self._pool._release(conn)
        else:
            conn.close()

    def close(self) -> None:
        """Give up on the rest of the body (closes the connection unless it was complete)."""
        if not self._done:
            self._done = True
            if self._conn.complete and self._conn.keep_alive and not self._conn.closed:
                self._pool._release(self._conn)
            else:
                self._conn.close()


class UpstreamPool:
    """Keep-alive connections to one upstream origin (``http://`` or ``https://``)."""

    def __init__(
        self,
        base_url: str,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 120.0,
        max_idle: int = 64,
        idle_ttl: float = 30.0,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"upstream URL {base_url!r} must be http:// or https://host[:port]")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.base_path = parts.path.rstrip("/")
        default_port = self.port == (443 if self.scheme == "https" else 80)
        self.host_header = self.host if default_port else f"{self.host}:{self.port}"
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_idle = max_idle
        self.idle_ttl = idle_ttl
        self._ssl = ssl.create_default_context() if self.scheme == "https" else None
        self._idle: collections.deque[_UpstreamConnection] = collections.deque()
        self._heads: dict[tuple, bytes] = {}
        self._all: set[_UpstreamConnection] = set()
        # fetches whose stall limit the sweeper checks; the sweeper runs only while any is
        self._watching: set[_UpstreamConnection] = set()
        self._sweeper: asyncio.TimerHandle | None = None

    def _watch(self, conn: _UpstreamConnection) -> None:
        self._watching.add(conn)
        if self._sweeper is None:
            self._sweeper = conn.loop.call_later(_SWEEP_PERIOD, self._sweep, conn.loop)

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        """Time out the watched fetches that received nothing for their stall limit."""
        self._sweeper = None
        now = loop.time()
        for conn in list(self._watching):
            if now - conn.last_data >= conn.fetch_timeout:
                self._watching.discard(conn)
                conn.timed_out = True
                fut = conn.whole
                if fut is not None and not fut.done():
                    fut.set_result(None)
        if self._watching:
            self._sweeper = loop.call_later(_SWEEP_PERIOD, self._sweep, loop)

    def url_path(self, path: str) -> str:
        """The upstream path for a gateway path: the base URL's path + ``path``.

        A base URL ending in ``/v1`` and a path starting with ``/v1`` are not doubled.
        """
        if self.base_path.endswith("/v1") and path.startswith("/v1/"):
            return self.base_path + path[3:]
        return self.base_path + path

    async def _connect(self) -> _UpstreamConnection:
        loop = asyncio.get_running_loop()
        try:
            _, conn = await asyncio.wait_for(
                loop.create_connection(
                    lambda: _UpstreamConnection(self),
                    self.host,
                    self.port,
                    ssl=self._ssl,
                    server_hostname=self.host if self._ssl else None,
                ),
                self.connect_timeout,
            )
        except TimeoutError:
            raise UpstreamTimeout(
                f"could not connect to the upstream within {self.connect_timeout:g} s"
            ) from None
        except OSError as exc:
            raise UpstreamUnavailable(
                f"cannot connect to the upstream: {exc.strerror or exc}"
            ) from None
        self._all.add(conn)
        return conn

    def _acquire_idle(self) -> _UpstreamConnection | None:
        now = time.monotonic()
        while self._idle:
            conn = self._idle.pop()
            if conn.closed:
                continue
            if now - conn.last_used > self.idle_ttl:
                conn.close()
                continue
            return conn
        return None

    def _release(self, conn: _UpstreamConnection) -> None:
        if conn.closed:
            return
        if len(self._idle) >= self.max_idle:
            conn.close()
            return
        conn.last_used = time.monotonic()
        self._idle.append(conn)

    def _forget(self, conn: _UpstreamConnection) -> None:
        self._all.discard(conn)

    async def request(
        self,
        method: str,
        path: str,
        headers: Iterable[tuple[str, str]],
        body: bytes = b"",
        *,
        read_timeout: float | None = None,
    ) -> UpstreamResponse:
        """Send a request and wait for the response head.

        A request that fails on a reused connection before any byte of the answer arrives
        is retried once on a fresh connection (the server may have closed an idle one).
        """
        timeout = self.read_timeout if read_timeout is None else read_timeout
        data = self._encode(method, path, headers, body)
        conn = self._acquire_idle()
        reused = conn is not None
        if conn is None:
            conn = await self._connect()
        conn.send(data)
        try:
            await conn.wait_head(timeout)
        except UpstreamUnavailable:
            if not reused:
                raise
            conn = await self._connect()
            conn.send(data)
            await conn.wait_head(timeout)
        return UpstreamResponse(self, conn, timeout)

    async def fetch(
        self,
        method: str,
        path: str,
        headers: Iterable[tuple[str, str]],
        body: bytes = b"",
        *,
        read_timeout: float | None = None,
    ) -> tuple[int, bytes]:
        """Send a request and read the whole answer: ``(status, body)``.

        The cheap path for answers that are not streamed: no response object and no
        per-chunk waits. The same retry as :meth:`request`: a reused connection that fails
        before any byte of the head arrives is retried once on a fresh one.
        """
        timeout = self.read_timeout if read_timeout is None else read_timeout
        data = self._encode(method, path, headers, body)
        conn = self._acquire_idle()
        reused = conn is not None
        if conn is None:
            conn = await self._connect()
        try:
            raw = await conn.fetch(data, timeout)
        except UpstreamUnavailable:
            if not reused or conn.status:
                raise
            conn = await self._connect()
            raw = await conn.fetch(data, timeout)
        if conn.keep_alive and not conn.closed:
            self._release(conn)
        else:
            conn.close()
        return conn.status, raw

    def _encode(
        self, method: str, path: str, headers: Iterable[tuple[str, str]], body: bytes
    ) -> bytes:
        key = (method, path, headers if isinstance(headers, tuple) else tuple(headers))
        prefix = self._heads.get(key)
        if prefix is None:
            text = f"{method} {self.url_path(path)} HTTP/1.1\r\nhost: {self.host_header}\r\n"
            text += "".join(f"{name}: {value}\r\n" for name, value in key[2])
            prefix = text.encode("latin-1")
            if len(self._heads) < 256:  # a handful of (route, header set) pairs in practice
                self._heads[key] = prefix
        return prefix + b"content-length: %d\r\n\r\n" % len(body) + body

    async def check(
        self, path: str = "/v1/models", headers: Iterable[tuple[str, str]] = ()
    ) -> bool:
        """Whether the upstream answers at all (any HTTP status) — for ``/readyz``."""
        try:
            resp = await self.request("GET", path, headers, read_timeout=self.connect_timeout)
            await resp.read()
        except UpstreamError:
            return False
        return True

    def close(self) -> None:
        """Close every connection."""
        for conn in list(self._all):
            conn.close()
        self._idle.clear()
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
