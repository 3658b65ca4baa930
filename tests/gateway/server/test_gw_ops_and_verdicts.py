"""Operations surfaces, verdict enforcement within the reload interval, live detection,
signing and the admin route."""

from __future__ import annotations

import os
import time
from typing import Any

import openai
import orjson
import pytest

from distillguard._types import Verdict
from distillguard.gateway.state import StateDB, VerdictRow, now_ts

CHAT = "/v1/chat/completions"


def _auth(gw: Any, account: str = "acct-1") -> dict[str, str]:
    return {"authorization": f"Bearer {gw.keys[account]}"}


def _chat(content: str = "hi") -> dict:
    return {"model": "mock-gpt", "messages": [{"role": "user", "content": content}]}


def _poll(fn: Any, want: Any, tries: int = 100) -> Any:
    got = None
    for _ in range(tries):
        got = fn()
        if got == want:
            return got
        time.sleep(0.1)
    return got


def test_healthz_readyz_metrics(gateway: Any, http: Any) -> None:
    assert http(gateway.url + "/healthz")[0] == 200
    status, _, body = http(gateway.url + "/readyz")
    assert status == 200 and orjson.loads(body) == {
        "status": "ready",
        "upstream": "ok",
        "log_sink": "ok",
    }
    assert http(gateway.url + CHAT, "POST", _chat(), _auth(gateway))[0] == 200
    http(gateway.url + CHAT, "POST", b"{", _auth(gateway))
    status, headers, body = http(gateway.url + "/metrics")
    text = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/plain")
    for needle in (
        'distillguard_requests_total{worker="0",route="/v1/chat/completions",status="200"}',
        'distillguard_requests_total{worker="0",route="/v1/chat/completions",status="400"}',
        "distillguard_request_duration_seconds_bucket{",
        'le="+Inf"',
        'distillguard_decisions_total{worker="0",verdict="allow",outcome="allowed"}',
        "distillguard_log_queue_depth{",
        "distillguard_log_lag_seconds{",
        "# TYPE distillguard_upstream_errors_total counter",
    ):
        assert needle in text, needle
    status, _, body = http(gateway.url + "/openapi.json")
    assert status == 200 and "/v1/chat/completions" in orjson.loads(body)["paths"]


def test_verdicts_from_the_control_plane_apply_without_restart(
    mock_upstream: Any, gw_factory: Any, http: Any
) -> None:
    gw = gw_factory(mock_upstream.url)
    assert http(gw.url + CHAT, "POST", _chat(), _auth(gw, "acct-2"))[0] == 200
    with StateDB(gw.app.state_path) as db:  # e.g. an offline `distillguard detect` publishing
        db.set_verdicts(
            [VerdictRow("acct-2", Verdict.BLOCK, 0.97, "c1", ["template"], "batch", now_ts())]
        )
    status = _poll(lambda: http(gw.url + CHAT, "POST", _chat(), _auth(gw, "acct-2"))[0], 403)
    assert status == 403
    _, _, body = http(gw.url + CHAT, "POST", _chat(), _auth(gw, "acct-2"))
    assert orjson.loads(body)["error"]["type"]
    assert http(gw.url + CHAT, "POST", _chat(), _auth(gw, "acct-1"))[0] == 200
    refused = [r for r in gw.flush_log() if r["status"] == 403]
    assert refused and refused[-1]["account_id"] == "acct-2"
    assert refused[-1]["meta"]["verdict"] == "block"


def test_throttle_verdict_rate_limits_with_retry_after(
    mock_upstream: Any, gw_factory: Any, http: Any
) -> None:
    gw = gw_factory(mock_upstream.url)
    with StateDB(gw.app.state_path) as db:
        db.set_verdicts(
            [VerdictRow("acct-1", Verdict.THROTTLE, 0.8, None, ["volume"], "batch", now_ts())]
        )

    refusal: tuple[int, dict] | None = None
    for _ in range(150):  # the verdict arrives within the reload interval, then the bucket
        status, headers, _ = http(gw.url + CHAT, "POST", _chat(), _auth(gw))
        if status != 200:
            refusal = (status, headers)
            break
        time.sleep(0.04)
    assert refusal is not None
    assert refusal[0] == 429 and int(refusal[1]["retry-after"]) >= 1


class _FlagAfter:
    """A stand-in detector: blocks an account once it has sent ``n`` exchanges."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.seen: dict[str, int] = {}

    def observe(self, exchange: Any) -> list[Any]:
        from types import SimpleNamespace

        k = self.seen[exchange.account_id] = self.seen.get(exchange.account_id, 0) + 1
        if k == self.n:
            change = SimpleNamespace(
                account_id=exchange.account_id,
                verdict=Verdict.BLOCK,
                score=0.99,
                cluster_id="c-live",
                reasons=["test"],
            )
            return [change]
        return []


def test_live_detection_flags_and_blocks_without_offline_run(
    mock_upstream: Any, gw_factory: Any, http: Any
) -> None:
    gw = gw_factory(mock_upstream.url, detector=_FlagAfter(5))
    for i in range(5):
        assert http(gw.url + CHAT, "POST", _chat(f"q{i}"), _auth(gw))[0] == 200
    status = _poll(lambda: http(gw.url + CHAT, "POST", _chat(), _auth(gw))[0], 403)
    assert status == 403
    assert http(gw.url + CHAT, "POST", _chat(), _auth(gw, "acct-2"))[0] == 200
    _, _, body = http(gw.url + "/metrics")
    assert 'distillguard_verdict_changes_total{worker="0",verdict="block"} 1' in body.decode()


def test_real_live_detector_is_fed(mock_upstream: Any, gw_factory: Any, http: Any) -> None:
    from distillguard.detect import LiveDetector

    det = LiveDetector()
    gw = gw_factory(mock_upstream.url, detector=det)
    for i in range(3):
        http(gw.url + CHAT, "POST", _chat(f"real detector {i}"), _auth(gw))
    assert _poll(lambda: gw.app.live.observed, 3) == 3
    assert "acct-1" in det.engine.accounts


def test_live_detector_process_tails_the_log(
    mock_upstream: Any, gw_factory: Any, http: Any
) -> None:
    gw = gw_factory(mock_upstream.url, live_detection="process", detector_nice=3)
    for i in range(4):
        assert http(gw.url + CHAT, "POST", _chat(f"process detector {i}"), _auth(gw))[0] == 200
    proc = gw.app.detector_process
    observed = _poll(lambda: proc.status().get("observed"), 4, tries=300)
    assert observed == 4, proc.status()
    assert proc.alive
    # --detector-nice: the detector runs below the request path's CPU priority
    own = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, proc._proc.pid) == min(own + 3, 19)


def test_segment_tail_follows_renames(tmp_path: Any) -> None:
    from distillguard.gateway.app import SegmentTail

    (tmp_path / "ingested").mkdir()
    (tmp_path / "ingested" / "seg-w0-0000000001.jsonl").write_bytes(b"old\n")  # history
    tail = SegmentTail(tmp_path)
    seg = tmp_path / "seg-w0-0000000002.jsonl.open"
    seg.write_bytes(b"a\nb\npart")
    assert tail.poll() == [b"a", b"b"]
    seg.write_bytes(b"a\nb\npartial\n")
    done = tmp_path / "ingested" / "seg-w0-0000000002.jsonl"
    seg.rename(done)
    assert tail.poll() == [b"partial"]
    assert tail.poll() == []


def test_signed_responses_verify(
    mock_upstream: Any, gw_factory: Any, http: Any, tmp_path: Any
) -> None:
    from distillguard.provenance import load_public_keys, verify_record

    gw = gw_factory(mock_upstream.url, signing=True, signing_keyring=tmp_path / "ring.json")
    client = openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.keys["acct-1"], max_retries=0)
    raw = client.chat.completions.with_raw_response.create(
        model="mock-gpt", messages=[{"role": "user", "content": "marker-signed"}]
    )
    assert raw.headers.get("x-distillguard-signature")
    status, _, keys_json = http(gw.url + "/v1/provenance/keys")
    assert status == 200
    keyfile = tmp_path / "keys.json"
    keyfile.write_bytes(keys_json)
    (rec,) = [r for r in gw.flush_log() if "marker-signed" in str(r["request"])]
    check = verify_record(rec, load_public_keys(keyfile))
    assert check.ok, check.problems


def test_admin_route_needs_the_admin_token(mock_upstream: Any, gw_factory: Any, http: Any):
    token = "admin-token-0123456789"
    gw = gw_factory(mock_upstream.url, admin_token=token)
    assert http(gw.url + "/admin/verdicts")[0] == 401
    assert http(gw.url + "/admin/verdicts", headers={"authorization": "Bearer wrong"})[0] == 401
    status, _, body = http(gw.url + "/admin/verdicts", headers={"authorization": f"Bearer {token}"})
    assert status == 200 and orjson.loads(body) is not None


@pytest.mark.parametrize("path", ["/v1/models", "/v1/embeddings"])
def test_pass_through_routes_need_a_key(gateway: Any, http: Any, path: str) -> None:
    method = "GET" if path == "/v1/models" else "POST"
    assert http(gateway.url + path, method, b"{}" if method == "POST" else None)[0] == 401


def test_throttled_accounts_are_degraded(mock_upstream: Any, gw_factory: Any, http: Any) -> None:
    from distillguard.gateway.config import Limit, VerdictPolicy

    degrade = VerdictPolicy(
        limit=Limit(rpm=10_000.0),
        max_tokens_cap=5,
        strip_reasoning=True,
        route_model="mock-reasoner",
    )
    gw = gw_factory(mock_upstream.url, verdicts={Verdict.THROTTLE: degrade})
    with StateDB(gw.app.state_path) as db:
        db.set_verdicts(
            [VerdictRow("acct-1", Verdict.THROTTLE, 0.8, None, ["cot"], "batch", now_ts())]
        )
    body = {**_chat("marker-degrade"), "max_tokens": 400}

    def words() -> int:
        _, _, out = http(gw.url + CHAT, "POST", body, _auth(gw))
        return len(orjson.loads(out)["choices"][0]["message"]["content"].split())

    assert _poll(words, 5) == 5
    _, _, out = http(gw.url + CHAT, "POST", body, _auth(gw))
    answer = orjson.loads(out)
    assert answer["model"] == "mock-reasoner"  # routed
    assert "reasoning_content" not in answer["choices"][0]["message"]  # stripped
    client = openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.keys["acct-1"], max_retries=0)
    chunks = list(client.chat.completions.create(**{**body, "stream": True}))
    assert not any(
        getattr(c.choices[0].delta, "reasoning_content", None) for c in chunks if c.choices
    )
    rec = [r for r in gw.flush_log() if "marker-degrade" in str(r["request"])][-1]
    assert rec["request"]["max_tokens"] == 400  # the log keeps what the client sent
    assert {"max_tokens", "model"} <= set(rec["meta"]["degraded"])
    assert "reasoning_content" not in rec["response"]["choices"][0]["message"]
    # an allowed account is untouched
    _, _, out = http(gw.url + CHAT, "POST", body, _auth(gw, "acct-2"))
    assert orjson.loads(out)["model"] == "mock-gpt"


def test_limits_through_redis(
    mock_upstream: Any, gw_factory: Any, http: Any, redis_server: str
) -> None:
    import redis

    gw = gw_factory(mock_upstream.url, redis_url=redis_server)
    assert http(gw.url + CHAT, "POST", _chat(), _auth(gw))[0] == 200
    assert redis.Redis.from_url(redis_server).dbsize() > 0, "buckets live in Redis"
    with StateDB(gw.app.state_path) as db:
        db.set_verdicts(
            [VerdictRow("acct-1", Verdict.THROTTLE, 0.8, None, ["volume"], "batch", now_ts())]
        )
    statuses = []
    for _ in range(150):
        statuses.append(http(gw.url + CHAT, "POST", _chat(), _auth(gw))[0])
        if statuses[-1] == 429:
            break
        time.sleep(0.04)
    assert statuses[-1] == 429
