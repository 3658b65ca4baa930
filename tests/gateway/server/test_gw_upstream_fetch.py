"""The upstream pool's whole-answer fetch: keep-alive reuse, stall timeouts that re-arm while
bytes flow, and the header-count limit of the front door (real sockets on loopback)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import uvloop

from distillguard.gateway.upstream import UpstreamPool, UpstreamTimeout

Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return await reader.readexactly(length)


def _run(serve: Serve, test: Callable[[UpstreamPool], Awaitable[Any]], timeout: float) -> Any:
    """Start a raw upstream running ``serve`` per connection, run ``test`` against a pool."""

    async def main() -> Any:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        pool = UpstreamPool(f"http://127.0.0.1:{port}", read_timeout=timeout)
        try:
            return await test(pool)
        finally:
            pool.close()
            server.close()

    loop = uvloop.new_event_loop()
    try:
        return loop.run_until_complete(main())
    finally:
        loop.close()


def test_fetch_reuses_one_keep_alive_connection() -> None:
    connections = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        try:
            while True:
                body = await _read_request(reader)
                out = b'{"echo":"' + body + b'"}'
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(out), out))
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def test(pool: UpstreamPool) -> list[tuple[int, bytes]]:
        return [await pool.fetch("POST", "/v1/x", (), b"req%d" % i) for i in range(3)]

    got = _run(serve, test, 2.0)
    assert got == [(200, b'{"echo":"req%d"}' % i) for i in range(3)]
    assert len(connections) == 1


def test_fetch_waits_while_bytes_flow_and_times_out_on_a_stall() -> None:
    async def dribble(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        body = b"x" * 60
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(body))
        for i in range(6):  # 0.36 s in all, longer than the 0.3 s timeout, never idle 0.3 s
            await asyncio.sleep(0.06)
            writer.write(body[i * 10 : (i + 1) * 10])
            await writer.drain()
        await reader.read()

    async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc")
        await reader.read()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    async def fetch(pool: UpstreamPool) -> Any:
        return await pool.fetch("POST", "/v1/x", (), b"{}")

    assert _run(dribble, fetch, 0.3) == (200, b"x" * 60)
    with pytest.raises(UpstreamTimeout, match="stalled"):
        _run(stall, fetch, 0.3)
    with pytest.raises(UpstreamTimeout, match="no response"):
        _run(silent, fetch, 0.3)


def test_too_many_request_headers_get_400(gateway: Any, http: Any) -> None:
    many = b"GET /healthz HTTP/1.1\r\n" + b"".join(b"x-h%d: v\r\n" % i for i in range(120))
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=5) as s:
        s.sendall(many + b"\r\n")
        assert s.recv(65536).startswith(b"HTTP/1.1 400")
    assert http(gateway.url + "/healthz")[0] == 200


def test_long_stall_limits_are_swept_and_still_fire(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stall limits at or above ``_SWEPT_FROM`` are checked by the pool's sweeper (no timer
    per request): bytes that keep flowing still hold the fetch open, a stall still ends it,
    and the sweeper stops once nothing is watched. Thresholds shrunk to keep this quick."""
    from distillguard.gateway import upstream

    monkeypatch.setattr(upstream, "_SWEPT_FROM", 0.25)
    monkeypatch.setattr(upstream, "_SWEEP_PERIOD", 0.02)

    async def dribble(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        body = b"y" * 60
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(body))
        for i in range(6):  # 0.6 s in all, never idle for the 0.3 s limit
            await asyncio.sleep(0.1)
            writer.write(body[i * 10 : (i + 1) * 10])
            await writer.drain()
        await reader.read()

    async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc")
        await reader.read()

    async def fetch(pool: UpstreamPool) -> Any:
        try:
            return await pool.fetch("POST", "/v1/x", (), b"{}")
        finally:
            assert not pool._watching  # every fetch leaves the watch set

    assert _run(dribble, fetch, 0.3) == (200, b"y" * 60)
    with pytest.raises(UpstreamTimeout, match="stalled"):
        _run(stall, fetch, 0.3)
