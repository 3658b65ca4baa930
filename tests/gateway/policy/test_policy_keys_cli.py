"""``distillguard keys`` and ``override`` through the real CLI, and authentication."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from distillguard.cli import main
from distillguard.gateway.config import load_settings
from distillguard.gateway.policy import Policy
from distillguard.gateway.state import StateDB, default_state_path


def _create(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, str]:
    assert main(["keys", "create", *args]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    key_id = out[0].split(": ", 1)[1]
    return key_id, out[-1]


def test_keys_create_prints_secret_last_and_stores_only_its_hash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "store.duckdb"
    key_id, secret = _create(
        capsys, "--db", str(db), "--account", "acct-1", "--org", "org-9", "--tier", "enterprise"
    )
    assert secret.startswith("dg-") and len(secret) > 40
    state = default_state_path(db)
    assert state == tmp_path / "store.state.sqlite"
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("store"))
    assert secret.encode() not in raw
    assert secret[3:].encode() not in raw
    with StateDB(state) as sdb:
        acct = sdb.account("acct-1")
        assert acct is not None and acct.org_id == "org-9" and acct.tier == "enterprise"
        (row,) = sdb.keys()
        assert row.key_id == key_id and row.secret_sha256 != secret


def test_keys_list_never_shows_secrets_and_revoke_marks_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "s.sqlite"
    k1, s1 = _create(capsys, "--state", str(state), "--account", "a1")
    k2, s2 = _create(capsys, "--state", str(state), "--account", "a2", "--name", "ci")
    assert main(["keys", "list", "--state", str(state)]) == 0
    listing = capsys.readouterr().out
    assert k1 in listing and k2 in listing and s1 not in listing and s2 not in listing
    assert main(["keys", "revoke", k1, "--state", str(state), "--reason", "leaked"]) == 0
    capsys.readouterr()
    assert main(["keys", "list", "--state", str(state), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    by_id = {r["key_id"]: r for r in rows}
    assert by_id[k1]["revoked_at"] is not None and by_id[k2]["revoked_at"] is None
    assert all("secret" not in r and "secret_sha256" not in r for r in rows)
    assert main(["keys", "list", "--state", str(state), "--active", "--json"]) == 0
    assert [json.loads(x)["key_id"] for x in capsys.readouterr().out.splitlines()] == [k2]


def test_keys_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "revoke", "key_nope", "--state", str(tmp_path / "s.sqlite")]) == 1
    err = capsys.readouterr().err
    assert "unknown key id" in err and err.count("\n") == 1
    assert main(["override", "acct", "--state", str(tmp_path / "s.sqlite")]) == 1
    assert "--verdict" in capsys.readouterr().err


def test_authenticate_valid_unknown_revoked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "s.sqlite"
    k1, s1 = _create(capsys, "--state", str(state), "--account", "a1", "--org", "o1")
    _k2, s2 = _create(capsys, "--state", str(state), "--account", "a2")
    policy = Policy(load_settings(None), state_path=state)
    policy.reload(force=True)
    p = policy.authenticate(s1)
    assert p is not None and (p.key_id, p.account_id, p.org_id) == (k1, "a1", "o1")
    assert policy.authenticate(s2) is not None
    assert policy.authenticate("dg-" + "x" * 43) is None
    assert policy.authenticate("") is None
    assert policy.authenticate(s1 + "x") is None
    assert main(["keys", "revoke", k1, "--state", str(state)]) == 0
    assert policy.reload() is True
    assert policy.authenticate(s1) is None
    assert policy.authenticate(s2) is not None
    asyncio.run(policy.close())


def test_override_cli_sets_clears_and_audits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "s.sqlite"
    args = ["override", "acct-7", "--state", str(state)]
    assert main([*args, "--verdict", "block"]) == 1
    assert "--reason" in capsys.readouterr().err
    assert main([*args, "--verdict", "nonsense", "--reason", "x"]) == 1
    assert "unknown verdict" in capsys.readouterr().err
    assert main([*args, "--verdict", "block", "--reason", "ticket 42", "--actor", "alice"]) == 0
    with StateDB(state) as db:
        assert db.overrides()["acct-7"].verdict.value == "block"
    assert main([*args, "--clear", "--reason", "resolved", "--actor", "bob"]) == 0
    with StateDB(state) as db:
        assert db.overrides() == {}
        audit = db.audit_log(target="acct-7")
    assert [(e.action, e.actor) for e in audit] == [
        ("override.clear", "bob"),
        ("override.set", "alice"),
    ]
    assert audit[1].detail["reason"] == "ticket 42" and audit[1].detail["verdict"] == "block"
    assert audit[0].detail["reason"] == "resolved" and audit[0].ts >= audit[1].ts


def test_import_accounts_sets_tiers_and_reports_bad_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "s.sqlite"
    good = tmp_path / "accounts.jsonl"
    good.write_text(
        '{"account_id": "u1", "tier": "education", "org_id": "uni"}\n\n'
        '{"account_id": "u2", "verified": true, "created_at": "2026-01-02T03:04:05Z"}\n'
    )
    assert main(["keys", "import-accounts", str(good), "--state", str(state)]) == 0
    assert "imported 2 accounts" in capsys.readouterr().out
    with StateDB(state) as db:
        accounts = db.accounts()
    assert accounts["u1"].tier == "education" and accounts["u2"].verified is True
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"account_id": "u3"}\n{"tier": "free"}\n')
    assert main(["keys", "import-accounts", str(bad), "--state", str(state)]) == 1
    assert "bad.jsonl:2:" in capsys.readouterr().err
    with StateDB(state) as db:
        assert "u3" not in db.accounts()  # all or nothing


def test_publish_detections_feeds_the_gateway(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "s.sqlite"
    csv_path = tmp_path / "accounts.csv"
    csv_path.write_text(
        "account_id,score,verdict,cluster_id,first_flagged_at,reasons\n"
        "a1,0.97,block,c1,2026-01-01T00:00:00Z,template;sync\n"
        "a2,0.10,allow,,,\n"
    )
    args = ["override", "--from-detections", str(csv_path), "--state", str(state)]
    assert main(args) == 0
    assert "published 2 verdicts (1 not allow)" in capsys.readouterr().out
    with StateDB(state) as db:
        rows = db.verdicts()
        assert db.audit_log()[0].action == "verdicts.publish"
    assert rows["a1"].verdict.value == "block" and rows["a1"].reasons == ["template", "sync"]
    assert rows["a1"].cluster_id == "c1" and rows["a2"].cluster_id is None
    policy = Policy(load_settings(None), state_path=state)
    policy.reload(force=True)
    assert policy.verdict_of("a1")[0].value == "block"
    bad = tmp_path / "bad.csv"
    bad.write_text("account_id,score,verdict\na1,high,block\n")
    assert main(["override", "--from-detections", str(bad), "--state", str(state)]) == 1
    assert "bad.csv:2:" in capsys.readouterr().err
    asyncio.run(policy.close())
