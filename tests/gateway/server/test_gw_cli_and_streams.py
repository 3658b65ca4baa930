"""The commands as subprocesses (workers, mock), CLI errors, strict streaming, disconnects,
and the server's idle timeout."""

from __future__ import annotations

import asyncio
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import openai
import orjson

from distillguard.cli import main
from distillguard.gateway.keys import create_key
from distillguard.gateway.mock import MockOptions, start_mock_thread
from distillguard.gateway.server import ServerLimits, serve, stop_serving
from distillguard.gateway.state import StateDB

CHAT = "/v1/chat/completions"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(port: int, proc: subprocess.Popen) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "exited")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("server did not start")


def test_two_workers_share_the_port_and_each_write_their_own_segments(
    tmp_path: Path, mock_upstream: Any
) -> None:
    state = tmp_path / "gw.state.sqlite"
    with StateDB(state) as db:
        _, secret = create_key(db, "acct-w", actor="test")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "distillguard", "gateway", "--upstream", mock_upstream.url,
         "--port", str(port), "--workers", "2", "--state", str(state),
         "--log-dir", str(tmp_path / "log"), "--no-live-detection"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_http(port, proc)
        body = orjson.dumps({"model": "mock-gpt", "messages": [{"role": "user", "content": "w"}]})
        for _ in range(40):  # new connections: the kernel spreads them over both workers
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("POST", CHAT, body, {"authorization": f"Bearer {secret}"})
            assert conn.getresponse().status == 200
            conn.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    workers = {p.name.split("-")[1] for p in (tmp_path / "log").rglob("seg-*")}
    assert workers == {"w0", "w1"}
    lines = [x for p in (tmp_path / "log").rglob("seg-*") for x in p.read_bytes().splitlines()]
    assert len(lines) == 40
    assert b"several workers without --redis" in proc.stderr.read()


def test_mock_upstream_command(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "distillguard", "mock-upstream", "--port", str(port)],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/v1/models")
                resp = conn.getresponse()
                break
            except OSError:
                time.sleep(0.05)
        assert resp.status == 200 and b"mock-gpt" in resp.read()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0


def test_cli_errors_are_one_line(capsys: Any, tmp_path: Path) -> None:
    assert main(["mock-upstream", "--fail-rate", "2"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--fail-rate" in err
    assert main(["gateway", "--upstream", "ftp://nope", "--state", str(tmp_path / "s")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "upstream" in err and "Traceback" not in err


def test_strict_mode_streams_and_logs(mock_upstream: Any, gw_factory: Any) -> None:
    gw = gw_factory(mock_upstream.url, strict_logging=True)
    client = openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.keys["acct-1"], max_retries=0)
    text = "".join(
        c.choices[0].delta.content or ""
        for c in client.chat.completions.create(
            model="mock-gpt",
            messages=[{"role": "user", "content": "marker-strict-stream"}],
            stream=True,
        )
        if c.choices
    )
    # strict: the record was fsynced before the stream's last event was sent
    recs = [r for r in gw.flush_log() if "marker-strict-stream" in str(r["request"])]
    assert recs[0]["response"]["choices"][0]["message"]["content"] == text
    out = client.chat.completions.create(
        model="mock-gpt", messages=[{"role": "user", "content": "marker-strict"}]
    )
    assert out.choices[0].message.content


def test_client_disconnect_mid_stream_is_logged_as_499(gw_factory: Any) -> None:
    slow = start_mock_thread(MockOptions(token_latency_ms=30, seed=3))
    try:
        gw = gw_factory(slow.url)
        body = orjson.dumps(
            {
                "model": "mock-gpt",
                "messages": [{"role": "user", "content": "marker-hangup"}],
                "stream": True,
            }
        )
        req = (
            f"POST {CHAT} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {gw.keys['acct-1']}\r\n"
            f"content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
        ).encode() + body
        with socket.create_connection(("127.0.0.1", gw.port), timeout=10) as s:
            s.sendall(req)
            assert b"200 OK" in s.recv(65536)
        for _ in range(100):
            recs = [r for r in gw.flush_log() if "marker-hangup" in str(r["request"])]
            if recs:
                break
            time.sleep(0.1)
        assert recs and recs[0]["status"] == 499
        assert "disconnected" in recs[0]["meta"]["error"]
    finally:
        slow.stop()


def test_idle_keepalive_connections_are_closed() -> None:
    async def handler(req: Any, resp: Any) -> None:
        resp.send(200, (), b"{}")

    async def run() -> bytes:
        server = await serve(handler, "127.0.0.1", 0, limits=ServerLimits(keepalive_timeout=0.3))
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        first = await asyncio.wait_for(reader.read(1024), 5)
        assert first.startswith(b"HTTP/1.1 200")
        rest = await asyncio.wait_for(reader.read(1024), 5)  # closed by the sweeper: EOF
        writer.close()
        stop_serving(server)
        return rest

    assert asyncio.run(run()) == b""


def test_slow_reader_back_pressure_does_not_buffer_the_stream(gw_factory: Any) -> None:
    """A client that stops reading makes the gateway pause, not buffer the whole stream."""
    big = start_mock_thread(MockOptions(max_words=6_000, seed=5))
    try:
        gw = gw_factory(big.url)
        body = orjson.dumps(
            {"model": "mock-gpt", "messages": [{"role": "user", "content": "x"}], "stream": True}
        )
        req = (
            f"POST {CHAT} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {gw.keys['acct-1']}\r\n"
            f"content-length: {len(body)}\r\n\r\n"
        ).encode() + body
        s = socket.create_connection(("127.0.0.1", gw.port), timeout=30)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        s.sendall(req)
        s.recv(1024)
        time.sleep(1.0)  # stop reading for a while: the gateway must not fail or hang
        got = b""
        while not got.endswith(b"0\r\n\r\n"):
            chunk = s.recv(1 << 20)
            assert chunk, "stream cut short"
            got += chunk
        s.close()
        assert b"[DONE]" in got
    finally:
        big.stop()


def test_threads_do_not_leak(gateway: Any) -> None:
    names = {t.name for t in threading.enumerate()}
    assert "dg-log-writer" in names
    assert os.getpid()
