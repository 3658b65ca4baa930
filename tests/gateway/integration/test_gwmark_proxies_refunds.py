"""Trusted proxies decide the logged client address; failed upstream calls refund tokens.

Real gateway on loopback in front of the prose mock model (which fails on demand for the
models ``fault-500``, ``fault-drop`` and ``fault-timeout``); plain HTTP clients so the
``X-Forwarded-For`` header is under the test's control.
"""

from __future__ import annotations

import http.client
from pathlib import Path
from typing import Any

import orjson
import pytest

from distillguard.errors import ConfigError
from distillguard.gateway.config import Limit, load_settings


def _post(gw: Any, acct: str, body: dict, headers: dict | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=30)
    try:
        hdrs = {
            "content-type": "application/json",
            "authorization": f"Bearer {gw.keys[acct]}",
            **(headers or {}),
        }
        conn.request("POST", "/v1/chat/completions", orjson.dumps(body), hdrs)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def _ask(gw: Any, prompt: str, headers: dict | None = None, model: str = "m") -> int:
    body = {"model": model, "messages": [{"role": "user", "content": prompt}], "max_tokens": 900}
    return _post(gw, "acct-a", body, headers)[0]


def _logged(gw: Any) -> dict[str, dict]:
    return {r["request"]["messages"][0]["content"]: r for r in gw.records()}


def test_forwarded_address_is_believed_only_from_trusted_peers(
    prose_upstream: Any, gw_start: Any
) -> None:
    cases = {
        "plain": ("198.51.100.9", "198.51.100.9"),
        "chain": ("203.0.113.7, 10.1.2.3", "203.0.113.7"),  # 10.x is a trusted hop
        "spoofed-left": ("1.1.1.1, 203.0.113.8", "203.0.113.8"),  # right-most untrusted wins
        "v6": ("2001:db8::5", "2001:db8::5"),
        "malformed": ("203.0.113.7, not-an-ip", "127.0.0.1"),
        "port": ("203.0.113.7:443", "127.0.0.1"),
        "empty": ("", "127.0.0.1"),
        "all-trusted": ("10.0.0.1, 10.0.0.2", "10.0.0.1"),
        "mapped": ("198.51.100.3, ::ffff:10.9.9.9", "198.51.100.3"),
    }
    trusting = gw_start(prose_upstream.url, trusted_proxies=["127.0.0.1/32", "10.0.0.0/8"])
    untrusting = gw_start(prose_upstream.url)
    elsewhere = gw_start(prose_upstream.url, trusted_proxies=["192.0.2.0/24"])
    for name, (header, _) in cases.items():
        for gw in (trusting, untrusting, elsewhere):
            assert _ask(gw, name, {"x-forwarded-for": header, "user-agent": "ua-test/1"}) == 200
    got = _logged(trusting)
    assert {name: got[name]["ip"] for name in cases} == {n: ip for n, (_, ip) in cases.items()}
    assert got["plain"]["user_agent"] == "ua-test/1"
    # a peer outside the trusted networks cannot spoof its address
    for gw in (untrusting, elsewhere):
        assert {r["ip"] for r in gw.records()} == {"127.0.0.1"}


def test_trusted_proxies_config_is_validated(tmp_path: Path) -> None:
    cfg = tmp_path / "gateway.toml"
    cfg.write_text('[server]\ntrusted_proxies = ["10.0.0.0/8", "::1", "192.168.1.1"]\n')
    assert load_settings(cfg).trusted_proxies == ("10.0.0.0/8", "::1/128", "192.168.1.1/32")
    assert load_settings(None).trusted_proxies == ()
    for value in ('"10.0.0.0/8"', '["10.0.0.1/8"]', '["nonsense"]', "[5]"):
        cfg.write_text(f"[server]\ntrusted_proxies = {value}\n")
        with pytest.raises(ConfigError, match="trusted_proxies"):
            load_settings(cfg)


def test_edge_fingerprint_is_logged_only_from_trusted_peers(
    prose_upstream: Any, gw_start: Any
) -> None:
    ja4 = "t13d1516h2_8daaf6152771_02713d6af862"
    trusting = gw_start(
        prose_upstream.url, trusted_proxies=["127.0.0.1/32"], fingerprint_header="X-Edge-JA4"
    )
    elsewhere = gw_start(
        prose_upstream.url, trusted_proxies=["192.0.2.0/24"], fingerprint_header="x-edge-ja4"
    )
    plain = gw_start(prose_upstream.url, trusted_proxies=["127.0.0.1/32"])
    cases = {"edge": ja4, "too-long": "x" * 300, "control": "a\tb"}
    for gw in (trusting, elsewhere, plain):
        for name, value in cases.items():
            assert _ask(gw, name, {"x-edge-ja4": value}) == 200
        assert _ask(gw, "absent") == 200
    got = _logged(trusting)
    assert got["edge"]["client_fingerprint"] == ja4
    # an absent or insane value logs nothing rather than something made up
    assert not any("client_fingerprint" in got[n] for n in ("too-long", "control", "absent"))
    # a peer outside the trusted networks cannot choose its fingerprint; off by default
    for gw in (elsewhere, plain):
        assert not any("client_fingerprint" in r for r in gw.records())


def test_fingerprint_header_config_is_validated(tmp_path: Path) -> None:
    cfg = tmp_path / "gateway.toml"
    cfg.write_text(
        '[server]\ntrusted_proxies = ["10.0.0.0/8"]\n'
        'fingerprint_header = "CloudFront-Viewer-JA4-Fingerprint"\n'
    )
    assert load_settings(cfg).fingerprint_header == "cloudfront-viewer-ja4-fingerprint"
    assert load_settings(None).fingerprint_header is None
    for server in (
        'fingerprint_header = "x-ja4"',  # no trusted proxy: anyone could send it
        'trusted_proxies = ["10.0.0.0/8"]\nfingerprint_header = "bad header"',
        'trusted_proxies = ["10.0.0.0/8"]\nfingerprint_header = 5',
    ):
        cfg.write_text(f"[server]\n{server}\n")
        with pytest.raises(ConfigError, match="fingerprint_header"):
            load_settings(cfg)


def test_replay_keeps_the_logged_time_fingerprint_and_address(
    prose_upstream: Any, gw_start: Any, tmp_path: Path
) -> None:
    from distillguard.replay import FINGERPRINT_HEADER, read_rows, replay
    from distillguard.store import Store

    logged = [
        {
            "id": f"x{i}",
            "ts": f"2026-02-16T0{i}:15:00.125Z",
            "account_id": acct,
            "endpoint": "chat.completions",
            "request": {"model": "m", "messages": [{"role": "user", "content": f"q{i}"}]},
            "response": None,
            "ip": f"198.51.100.{i + 1}",
            "user_agent": "sdk/1.0",
            "client_fingerprint": f"t13d_fp_{acct}",
        }
        for i, acct in enumerate(("acct-a", "acct-b", "acct-a"))
    ]
    with Store(tmp_path / "past.duckdb") as store:
        store.ingest_records(logged)
    gw = gw_start(
        prose_upstream.url,
        trusted_proxies=["127.0.0.1/32"],
        fingerprint_header=FINGERPRINT_HEADER,
        replay_timestamps=True,
    )
    report = replay(read_rows(tmp_path / "past.duckdb"), f"http://127.0.0.1:{gw.port}", gw.keys)
    assert report.statuses == {200: 3}
    got = {r["request"]["messages"][0]["content"]: r for r in gw.records()}
    for i, rec in enumerate(logged):
        row = got[f"q{i}"]
        assert (row["ts"], row["account_id"], row["ip"], row["client_fingerprint"]) == (
            rec["ts"],
            rec["account_id"],
            rec["ip"],
            rec["client_fingerprint"],
        )
    # a gateway not told to believe replayed times stamps the arrival time
    plain = gw_start(prose_upstream.url, trusted_proxies=["127.0.0.1/32"])
    replay(read_rows(tmp_path / "past.duckdb"), f"http://127.0.0.1:{plain.port}", plain.keys)
    assert all(r["ts"] > "2026-02-17" and "client_fingerprint" not in r for r in plain.records())


def test_replayed_time_is_believed_only_from_trusted_peers_and_checked(
    prose_upstream: Any, gw_start: Any
) -> None:
    when = {"x-replay-ts": "2026-02-16T09:30:00.250Z"}
    trusting = gw_start(
        prose_upstream.url, trusted_proxies=["127.0.0.1/32"], replay_timestamps=True
    )
    elsewhere = gw_start(
        prose_upstream.url, trusted_proxies=["192.0.2.0/24"], replay_timestamps=True
    )
    assert _ask(trusting, "then", when) == 200
    assert _ask(trusting, "offset", {"x-replay-ts": "2026-02-16T10:30:00.250+01:00"}) == 200
    status, body = _post(
        trusting,
        "acct-a",
        {"model": "m", "messages": [{"role": "user", "content": "bad"}]},
        {"x-replay-ts": "yesterday"},
    )
    assert status == 400 and "x-replay-ts" in orjson.loads(body)["error"]["message"]
    got = _logged(trusting)
    assert got["then"]["ts"] == got["offset"]["ts"] == "2026-02-16T09:30:00.250Z"
    assert got["bad"]["status"] == 400
    assert _ask(elsewhere, "then", when) == 200
    assert _logged(elsewhere)["then"]["ts"] > "2026-02-17"


def test_replay_timestamps_config_is_validated(tmp_path: Path) -> None:
    cfg = tmp_path / "gateway.toml"
    cfg.write_text('[server]\ntrusted_proxies = ["10.0.0.0/8"]\nreplay_timestamps = true\n')
    assert load_settings(cfg).replay_timestamps is True
    assert load_settings(None).replay_timestamps is False
    for server in (
        "replay_timestamps = true",
        'trusted_proxies = ["10.0.0.0/8"]\nreplay_timestamps = 1',
    ):
        cfg.write_text(f"[server]\n{server}\n")
        with pytest.raises(ConfigError, match="replay_timestamps"):
            load_settings(cfg)


@pytest.mark.parametrize("fault", ["fault-500", "fault-drop", "fault-timeout"])
def test_upstream_failures_refund_the_token_estimate(
    prose_upstream: Any, gw_start: Any, fault: str
) -> None:
    # each request is estimated at ~930 tokens; without refunds the third failure would
    # already be refused with 429 by a 2,500-token-per-minute budget
    limits = {
        "key": Limit(rpm=1000, tpm=2500),
        "account": Limit(),
        "org": Limit(),
        "cluster": Limit(),
    }
    gw = gw_start(prose_upstream.url, limits=limits, read_timeout=0.3)
    expected = 504 if fault == "fault-timeout" else 502
    n = 3 if fault == "fault-timeout" else 8
    assert [_ask(gw, f"fail {i}", model=fault) for i in range(n)] == [expected] * n
    assert _ask(gw, "served after failures") == 200
    assert _ask(gw, "one more") == 200


def test_a_served_request_is_still_charged(prose_upstream: Any, gw_start: Any) -> None:
    limits = {"key": Limit(rpm=1000, tpm=2500), "account": Limit(), "org": Limit()}
    gw = gw_start(prose_upstream.url, limits={**limits, "cluster": Limit()})
    statuses = [_ask(gw, f"served {i}") for i in range(30)]  # ~150 tokens used each
    assert statuses[0] == 200 and 429 in statuses
