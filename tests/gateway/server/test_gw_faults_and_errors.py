"""Bad input and upstream faults: each gets the right status and error body, and is logged."""

from __future__ import annotations

import socket
import time
from typing import Any

import anthropic
import openai
import orjson
import pytest

from distillguard.exchange import parse_exchange
from distillguard.gateway.state import StateDB

CHAT = "/v1/chat/completions"
MSG = [{"role": "user", "content": "hello"}]


def _auth(gw: Any, account: str = "acct-1") -> dict[str, str]:
    return {"authorization": f"Bearer {gw.keys[account]}"}


def _error(body: bytes) -> dict:
    obj = orjson.loads(body)
    assert set(obj) == {"error"}, obj
    assert isinstance(obj["error"]["message"], str) and obj["error"]["type"]
    return obj["error"]


def _logged(gw: Any, status: int) -> list[dict]:
    return [r for r in gw.flush_log() if r["status"] == status]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        (b"{not json", None),
        (b"[1, 2]", None),
        (orjson.dumps({"messages": MSG}), "model"),
        (orjson.dumps({"model": 5, "messages": MSG}), "model"),
        (orjson.dumps({"model": "mock-gpt", "messages": "hi"}), "messages"),
        (orjson.dumps({"model": "mock-gpt", "messages": []}), "messages"),
        (orjson.dumps({"model": "mock-gpt", "messages": MSG, "stream": "yes"}), "stream"),
        (orjson.dumps({"model": "mock-gpt", "messages": MSG, "max_tokens": -1}), "max_tokens"),
        (orjson.dumps({"model": "mock-gpt", "messages": MSG, "max_tokens": 1.5}), "max_tokens"),
    ],
)
def test_bad_bodies_get_400_and_are_logged(gateway: Any, http: Any, body: bytes, param) -> None:
    status, _, out = http(gateway.url + CHAT, "POST", body, _auth(gateway))
    assert status == 400
    err = _error(out)
    assert err["type"] == "invalid_request_error" and err["param"] == param
    rec = _logged(gateway, 400)[-1]
    parse_exchange(rec)  # a valid spec record even though the request was not
    assert rec["response"] is None and rec["meta"]["error"] == err["message"]


def test_authentication_errors(gateway: Any, http: Any) -> None:
    body = {"model": "mock-gpt", "messages": MSG}
    status, _, out = http(gateway.url + CHAT, "POST", body)
    assert status == 401 and _error(out)["code"] == "missing_api_key"
    status, _, out = http(gateway.url + CHAT, "POST", body, {"authorization": "Bearer sk-nope"})
    assert status == 401 and _error(out)["code"] == "invalid_api_key"
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=gateway.url + "/v1", api_key="wrong", max_retries=0).models.list()
    with pytest.raises(anthropic.AuthenticationError) as info:
        anthropic.Anthropic(base_url=gateway.url, api_key="wrong", max_retries=0).messages.create(
            model="mock-gpt", max_tokens=5, messages=MSG
        )
    assert info.value.body["type"] == "error"
    assert info.value.body["error"]["type"] == "authentication_error"


def test_revoked_key_is_refused_after_reload(mock_upstream: Any, gw_factory: Any, http: Any):
    gw = gw_factory(mock_upstream.url)
    body = {"model": "mock-gpt", "messages": MSG}
    assert http(gw.url + CHAT, "POST", body, _auth(gw))[0] == 200
    with StateDB(gw.app.state_path) as db:
        (key,) = db.keys(account_id="acct-1")
        db.revoke_key(key.key_id, actor="test")
    for _ in range(100):  # the policy reloads the control plane at least every second
        status, _, out = http(gw.url + CHAT, "POST", body, _auth(gw))
        if status == 401:
            break
        time.sleep(0.1)
    assert status == 401 and _error(out)["code"] == "invalid_api_key"


def test_body_too_large_is_413(gateway: Any, http: Any) -> None:
    big = orjson.dumps(
        {"model": "mock-gpt", "messages": [{"role": "user", "content": "x" * 70_000}]}
    )
    status, _, out = http(gateway.url + CHAT, "POST", big, _auth(gateway))
    assert status == 413 and _error(out)["code"] == "request_too_large"
    rec = _logged(gateway, 413)[-1]
    assert rec["request"] == {"_too_large": True}


def test_unknown_model_is_404(gateway: Any, mock_upstream: Any, gw_factory: Any) -> None:
    client = openai.OpenAI(
        base_url=gateway.url + "/v1", api_key=gateway.keys["acct-1"], max_retries=0
    )
    with pytest.raises(openai.NotFoundError):  # the upstream's own 404, passed through
        client.chat.completions.create(model="no-such-model", messages=MSG)
    gw = gw_factory(mock_upstream.url, models=["mock-gpt"])  # the gateway's own model list
    restricted = openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.keys["acct-1"], max_retries=0)
    with pytest.raises(openai.NotFoundError) as info:
        restricted.chat.completions.create(model="mock-reasoner", messages=MSG)
    assert info.value.body["code"] == "model_not_found"
    assert [m.id for m in restricted.models.list().data] == ["mock-gpt"]


@pytest.mark.parametrize(
    ("model", "status", "code"),
    [
        ("fault-500", 502, "upstream_error"),
        ("fault-drop", 502, "upstream_unavailable"),
        ("fault-malformed", 502, "upstream_error"),
    ],
)
def test_upstream_failures_map_to_502(gateway: Any, http: Any, model, status, code) -> None:
    body = {"model": model, "messages": [{"role": "user", "content": f"fault {model}"}]}
    got, _, out = http(gateway.url + CHAT, "POST", body, _auth(gateway))
    assert got == status and _error(out)["code"] == code
    recs = [r for r in gateway.flush_log() if r["request"].get("model") == model]
    assert recs and recs[-1]["status"] == status and recs[-1]["response"] is None


def test_upstream_timeout_is_504(mock_upstream: Any, gw_factory: Any, http: Any) -> None:
    gw = gw_factory(mock_upstream.url, read_timeout=0.5)
    body = {"model": "fault-timeout", "messages": MSG}
    status, _, out = http(gw.url + CHAT, "POST", body, _auth(gw))
    assert status == 504 and _error(out)["code"] == "upstream_timeout"
    # the gateway still serves normally afterwards
    assert http(gw.url + CHAT, "POST", {"model": "mock-gpt", "messages": MSG}, _auth(gw))[0] == 200


def test_upstream_down_is_502_and_readyz_says_so(gw_factory: Any, http: Any) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    gw = gw_factory(f"http://127.0.0.1:{dead}")
    status, _, out = http(gw.url + CHAT, "POST", {"model": "mock-gpt", "messages": MSG}, _auth(gw))
    assert status == 502 and _error(out)["code"] == "upstream_unavailable"
    status, _, out = http(gw.url + "/readyz")
    assert status == 503 and orjson.loads(out)["upstream"] == "unreachable"
    assert http(gw.url + "/healthz")[0] == 200


def test_drop_mid_stream_surfaces_as_error_and_is_logged(gateway: Any) -> None:
    client = openai.OpenAI(
        base_url=gateway.url + "/v1", api_key=gateway.keys["acct-1"], max_retries=0
    )
    got = []
    with pytest.raises(openai.APIError):
        for chunk in client.chat.completions.create(
            model="fault-drop-mid-stream",
            messages=[{"role": "user", "content": "marker-midstream"}],
            stream=True,
        ):
            got.append(chunk)
    assert got, "the first half of the stream reached the client"
    (rec,) = [r for r in gateway.flush_log() if "marker-midstream" in str(r["request"])]
    assert rec["status"] == 502 and "stream failed" in rec["meta"]["error"]
    assert rec["response"]["choices"][0]["message"]["content"]  # the part that was relayed


def test_anthropic_route_errors_are_anthropic_style(gateway: Any, http: Any) -> None:
    status, _, out = http(gateway.url + "/v1/messages", "POST", b"{", _auth(gateway))
    body = orjson.loads(out)
    assert status == 400 and body["type"] == "error"
    assert body["error"]["type"] == "invalid_request_error"
    client = anthropic.Anthropic(
        base_url=gateway.url, api_key=gateway.keys["acct-1"], max_retries=0
    )
    with pytest.raises(anthropic.InternalServerError) as info:
        client.messages.create(model="fault-500", max_tokens=5, messages=MSG)
    assert info.value.status_code == 502 and info.value.body["error"]["type"] == "api_error"


def test_routing_errors(gateway: Any, http: Any) -> None:
    assert http(gateway.url + "/nope")[0] == 404
    status, _, out = http(gateway.url + CHAT, "GET")
    assert status == 405 and _error(out)
    status, _, _ = http(
        gateway.url + CHAT, "POST", b"{}", {**_auth(gateway), "content-type": "text/plain"}
    )
    assert status == 415


def _raw(port: int, data: bytes, expect_responses: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        buf = b""
        while buf.count(b"HTTP/1.1 ") < expect_responses or not buf.endswith((b"}", b"\n")):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        return buf


def test_pipelined_and_chunked_requests_on_one_connection(gateway: Any) -> None:
    key = gateway.keys["acct-1"]
    one = orjson.dumps({"model": "mock-gpt", "messages": [{"role": "user", "content": "p1"}]})
    two = orjson.dumps({"model": "mock-gpt", "messages": [{"role": "user", "content": "p2"}]})
    req1 = (
        f"POST {CHAT} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {key}\r\n"
        f"content-type: application/json\r\ncontent-length: {len(one)}\r\n\r\n"
    ).encode() + one
    half = len(two) // 2
    req2 = (
        f"POST {CHAT} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {key}\r\n"
        "content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
    ).encode() + b"%x\r\n%b\r\n%x\r\n%b\r\n0\r\n\r\n" % (
        half,
        two[:half],
        len(two) - half,
        two[half:],
    )
    req3 = b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
    out = _raw(gateway.port, req1 + req2 + req3, 3)
    assert out.count(b"HTTP/1.1 200 OK") == 3
    assert out.index(b"chat.completion") < out.rindex(b'{"status":"ok"}')


def test_malformed_http_gets_400_and_the_server_survives(gateway: Any, http: Any) -> None:
    out = _raw(gateway.port, b"THIS IS NOT HTTP\r\n\r\n", 1)
    assert out.startswith(b"HTTP/1.1 400")
    out = _raw(
        gateway.port,
        b"POST /v1/chat/completions HTTP/1.1\r\n"
        b"content-length: 5\r\ncontent-length: 6\r\n\r\nhello!",
        1,
    )
    assert out.startswith(b"HTTP/1.1 400")
    huge = b"GET /healthz HTTP/1.1\r\n" + b"".join(
        b"x-h%d: %s\r\n" % (i, b"v" * 1000) for i in range(80)
    )
    assert _raw(gateway.port, huge + b"\r\n", 1).startswith(b"HTTP/1.1 400")
    assert http(gateway.url + "/healthz")[0] == 200
