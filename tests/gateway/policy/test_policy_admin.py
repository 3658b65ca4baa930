"""The admin API handler: bearer auth, every endpoint, audit logging, live effect."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from distillguard._types import Verdict
from distillguard.gateway.admin import handle_admin
from distillguard.gateway.config import load_settings
from distillguard.gateway.policy import Policy

TOKEN = "admin-secret-token-0123456789"


@pytest.fixture
def policy(tmp_path: Path) -> Policy:
    p = Policy(load_settings(None, admin_token=TOKEN), state_path=tmp_path / "s.sqlite")
    p.reload(force=True)
    return p


def call(
    policy: Policy,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str | None = TOKEN,
    query: str = "",
) -> tuple[int, dict[str, Any]]:
    headers = {"X-DistillGuard-Actor": "carol"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    raw = b"" if body is None else json.dumps(body).encode()
    status, out_headers, out = asyncio.run(handle_admin(policy, method, path, query, headers, raw))
    assert out_headers["content-type"] == "application/json"
    return status, json.loads(out)


def test_missing_or_wrong_token_is_401_and_disabled_without_token(
    policy: Policy, tmp_path: Path
) -> None:
    for token in (None, "wrong", TOKEN + "x", ""):
        status, body = call(policy, "GET", "/admin/keys", token=token)
        assert status == 401 and body["error"]["type"] == "authentication_error"
    status, headers, _ = asyncio.run(
        handle_admin(policy, "GET", "/admin/keys", "", {"authorization": f"Basic {TOKEN}"}, b"")
    )
    assert status == 401 and "www-authenticate" in headers
    off = Policy(load_settings(None), state_path=tmp_path / "other.sqlite")
    status, body = call(off, "GET", "/admin/keys")
    assert status == 403 and body["error"]["code"] == "admin_disabled"


def test_keys_create_list_revoke_take_effect_at_once(policy: Policy) -> None:
    status, created = call(
        policy, "POST", "/admin/keys", {"account_id": "acct-1", "org_id": "o1", "tier": "free"}
    )
    assert status == 201 and created["secret"].startswith("dg-")
    principal = policy.authenticate(created["secret"])
    assert principal is not None and principal.org_id == "o1"
    status, listed = call(policy, "GET", "/admin/keys", query="account_id=acct-1")
    assert status == 200 and [k["key_id"] for k in listed["data"]] == [created["key_id"]]
    assert "secret" not in json.dumps(listed)
    status, revoked = call(policy, "POST", f"/admin/keys/{created['key_id']}/revoke", {})
    assert status == 200 and revoked["revoked_at"]
    assert policy.authenticate(created["secret"]) is None
    status, body = call(policy, "DELETE", "/admin/keys/key_missing")
    assert status == 404 and body["error"]["type"] == "not_found_error"
    status, body = call(policy, "POST", "/admin/keys", {"name": "no account"})
    assert status == 400 and "account_id" in body["error"]["message"]


def test_accounts_endpoints(policy: Policy) -> None:
    status, body = call(
        policy,
        "POST",
        "/admin/accounts",
        {"accounts": [{"account_id": "a1", "tier": "education"}, {"account_id": "a2"}]},
    )
    assert status == 200 and body == {"upserted": 2}
    status, body = call(policy, "POST", "/admin/accounts", {"account_id": "a3", "verified": "y"})
    assert status == 400 and "verified" in body["error"]["message"]
    status, body = call(policy, "GET", "/admin/accounts")
    assert [a["account_id"] for a in body["data"]] == ["a1", "a2"]
    assert body["data"][0]["tier"] == "education" and body["data"][0]["verdict"] == "allow"
    status, body = call(policy, "GET", "/admin/accounts/a1")
    assert status == 200 and body["account"]["tier"] == "education" and body["keys"] == []
    assert call(policy, "GET", "/admin/accounts/zzz")[0] == 404


def test_overrides_verdicts_and_audit(policy: Policy) -> None:
    status, body = call(
        policy, "PUT", "/admin/overrides/a9", {"verdict": "block", "reason": "abuse report"}
    )
    assert status == 200 and body["actor"] == "admin:carol" and body["verdict"] == "block"
    assert policy.verdict_of("a9")[0].value == "block"
    status, body = call(policy, "POST", "/admin/overrides", {"account_id": "a8", "verdict": "x"})
    assert status == 400
    status, body = call(
        policy, "POST", "/admin/overrides", {"account_id": "a8", "verdict": "watch"}
    )
    assert status == 400 and "reason" in body["error"]["message"]
    status, body = call(policy, "GET", "/admin/verdicts")
    assert body["data"] == [
        {
            "account_id": "a9",
            "verdict": "block",
            "source": "override",
            "detector": None,
            "override": body["data"][0]["override"],
        }
    ]
    assert call(policy, "GET", "/admin/overrides")[1]["data"][0]["reason"] == "abuse report"
    status, body = call(policy, "DELETE", "/admin/overrides/a9", {"reason": "appeal accepted"})
    assert status == 200 and body["cleared"] is True
    assert policy.verdict_of("a9")[0].value == "allow"
    assert call(policy, "DELETE", "/admin/overrides/a9")[0] == 404
    status, body = call(policy, "GET", "/admin/audit", query="target=a9&limit=10")
    assert [(e["action"], e["actor"], e["detail"]["reason"]) for e in body["data"]] == [
        ("override.clear", "admin:carol", "appeal accepted"),
        ("override.set", "admin:carol", "abuse report"),
    ]
    assert call(policy, "GET", "/admin/audit", query="limit=ten")[0] == 400


def test_unknown_endpoint_and_bad_json(policy: Policy) -> None:
    assert call(policy, "GET", "/admin/nothing")[0] == 404
    assert call(policy, "PATCH", "/admin/keys")[0] == 404
    status, _headers, out = asyncio.run(
        handle_admin(
            policy, "POST", "/admin/keys", "", {"Authorization": f"Bearer {TOKEN}"}, b"{nope"
        )
    )
    assert status == 400 and b"not valid JSON" in out


def test_accounts_are_paged(policy: Policy) -> None:
    records = [{"account_id": f"a{i:02d}"} for i in range(5)]
    assert call(policy, "POST", "/admin/accounts", {"accounts": records})[0] == 200
    status, page = call(policy, "GET", "/admin/accounts", query="limit=2&offset=2")
    assert status == 200 and [a["account_id"] for a in page["data"]] == ["a02", "a03"]
    assert page["has_more"] is True
    assert call(policy, "GET", "/admin/accounts", query="offset=x")[0] == 400


def test_detector_verdicts_can_be_published(policy: Policy) -> None:
    payload = {
        "source": "remote-detector",
        "verdicts": [
            {"account_id": "d1", "verdict": "throttle", "score": 0.7, "cluster_id": "c5"},
            {"account_id": "d2", "verdict": "block", "reasons": ["sync", "template"]},
        ],
    }
    status, body = call(policy, "POST", "/admin/verdicts", payload)
    assert status == 200 and body == {"published": 2}
    assert policy.verdict_of("d1") == (Verdict.THROTTLE, "c5")
    assert policy.verdict_of("d2") == (Verdict.BLOCK, None)
    status, body = call(policy, "GET", "/admin/verdicts")
    by_id = {v["account_id"]: v for v in body["data"]}
    assert by_id["d2"]["detector"]["reasons"] == ["sync", "template"]
    assert by_id["d2"]["detector"]["source"] == "remote-detector"
    bad = {"verdicts": [{"account_id": "d3", "verdict": "block", "score": "high"}]}
    assert call(policy, "POST", "/admin/verdicts", bad)[0] == 400
    assert call(policy, "POST", "/admin/verdicts", {"verdicts": []})[0] == 400
