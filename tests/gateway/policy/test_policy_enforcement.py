"""Verdicts applied live, overrides beating the detector, degradation per verdict."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from distillguard._types import Verdict
from distillguard.gateway.config import GatewaySettings, Limit, VerdictPolicy, load_settings
from distillguard.gateway.keys import create_key
from distillguard.gateway.policy import Decision, Policy, Principal
from distillguard.gateway.state import StateDB, VerdictRow, now_ts

UNLIMITED = {"key": Limit(), "account": Limit(), "org": Limit(), "cluster": Limit()}


def _setup(tmp_path: Path, settings: GatewaySettings | None = None) -> tuple[Policy, Principal]:
    state = tmp_path / "s.sqlite"
    with StateDB(state) as db:
        _, secret = create_key(db, "acct", actor="t")
    policy = Policy(settings or load_settings(None, limits=UNLIMITED), state_path=state)
    policy.reload(force=True)
    principal = policy.authenticate(secret)
    assert principal is not None
    return policy, principal


def _admit(policy: Policy, principal: Principal) -> Decision:
    return asyncio.run(policy.admit(principal, model="m", est_tokens=10))


def _detector_writes(state: Path, account: str, verdict: Verdict, cluster: str | None = None):
    """Another process (the offline detector) writing a verdict into the state file."""
    with StateDB(state) as db:
        db.set_verdicts([VerdictRow(account, verdict, 0.9, cluster, ["r1"], "detect", now_ts())])


def test_degradation_per_verdict_from_the_config_file(tmp_path: Path) -> None:
    cfg = tmp_path / "gw.toml"
    cfg.write_text(
        """
[limits.key]
rpm = 1000
[verdicts.watch]
log_full = true
watermark_strength = 1.7
[verdicts.throttle]
max_tokens_cap = 256
strip_reasoning = true
route_model = "small-model"
rpm = 2
"""
    )
    settings = load_settings(cfg)
    policy, principal = _setup(tmp_path, settings)
    d = _admit(policy, principal)
    assert d == Decision(allowed=True, verdict=Verdict.ALLOW)
    policy.apply_verdict("acct", Verdict.WATCH, score=0.4, cluster_id=None, reasons=[], source="t")
    d = _admit(policy, principal)
    assert d.allowed and d.verdict is Verdict.WATCH and d.log_full
    assert d.watermark_strength == 1.7 and d.max_tokens_cap is None and not d.strip_reasoning
    policy.apply_verdict(
        "acct", Verdict.THROTTLE, score=0.7, cluster_id=None, reasons=[], source="t"
    )
    d = _admit(policy, principal)
    assert d.allowed and d.verdict is Verdict.THROTTLE
    assert (d.max_tokens_cap, d.strip_reasoning, d.route_model) == (256, True, "small-model")
    assert _admit(policy, principal).allowed
    d = _admit(policy, principal)  # throttle: tight extra bucket of 2 requests/minute
    assert (d.allowed, d.status) == (False, 429) and d.retry_after is not None
    policy.apply_verdict("acct", Verdict.BLOCK, score=0.99, cluster_id=None, reasons=[], source="t")
    d = _admit(policy, principal)
    assert (d.allowed, d.status, d.error_type) == (False, 403, "account_blocked")
    assert "blocked" in d.message


def test_verdict_written_by_another_process_applies_via_background_reload(
    tmp_path: Path,
) -> None:
    policy, principal = _setup(tmp_path)

    async def go() -> Decision:
        await policy.start()
        try:
            assert (await policy.admit(principal, model=None, est_tokens=1)).allowed
            _detector_writes(policy.state_path, "acct", Verdict.BLOCK)
            deadline = time.monotonic() + 5.0
            d = await policy.admit(principal, model=None, est_tokens=1)
            while d.allowed and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
                d = await policy.admit(principal, model=None, est_tokens=1)
            return d
        finally:
            await policy.close()

    d = asyncio.run(go())
    assert d.status == 403 and d.verdict is Verdict.BLOCK


def test_override_beats_detector_until_cleared_and_is_audited(tmp_path: Path) -> None:
    policy, principal = _setup(tmp_path)
    state = policy.state_path
    _detector_writes(state, "acct", Verdict.BLOCK, cluster="c1")
    policy.reload()
    assert _admit(policy, principal).status == 403
    with StateDB(state) as db:
        db.set_override("acct", Verdict.ALLOW, reason="enterprise batch job", actor="alice")
    policy.reload()
    d = _admit(policy, principal)
    assert d.allowed and d.verdict is Verdict.ALLOW
    assert policy.verdict_of("acct") == (Verdict.ALLOW, "c1")
    # the live detector keeps saying block: the override still wins
    policy.apply_verdict(
        "acct", Verdict.BLOCK, score=1.0, cluster_id="c1", reasons=[], source="live"
    )
    assert _admit(policy, principal).allowed
    policy.reload()
    assert _admit(policy, principal).allowed
    with StateDB(state) as db:
        assert db.verdicts()["acct"].source == "live"  # the detector's verdict was kept
        db.clear_override("acct", reason="case closed", actor="bob")
        entries = [(e.action, e.actor, e.detail.get("reason")) for e in db.audit_log()]
    policy.reload()
    assert _admit(policy, principal).status == 403
    assert ("override.set", "alice", "enterprise batch job") in entries
    assert ("override.clear", "bob", "case closed") in entries
    asyncio.run(policy.close())


def test_apply_verdict_is_persisted_for_other_processes(tmp_path: Path) -> None:
    policy, _ = _setup(tmp_path)
    policy.apply_verdict(
        "acct", Verdict.THROTTLE, score=0.8, cluster_id="c7", reasons=["tmpl"], source="live"
    )
    before = policy.reloads
    assert policy.reload() is False  # written to the file, but nothing to re-read
    assert policy.reloads == before and policy.verdict_of("acct") == (Verdict.THROTTLE, "c7")
    with StateDB(policy.state_path) as db:
        row = db.verdicts()["acct"]
    assert (row.verdict, row.cluster_id, row.reasons, row.source) == (
        Verdict.THROTTLE,
        "c7",
        ["tmpl"],
        "live",
    )
    asyncio.run(policy.close())


def test_known_models_and_defaults() -> None:
    assert Policy(load_settings(None), state_path=Path("/nonexistent/s")).known_models() is None
    s = load_settings(None, models=["a", "b"])
    assert Policy(s, state_path=Path("/nonexistent/s")).known_models() == {"a", "b"}
    assert s.verdict_policy(Verdict.ALLOW) == VerdictPolicy()


def test_reload_rereads_only_the_tables_that_changed(tmp_path: Path) -> None:
    policy, principal = _setup(tmp_path)
    index = policy._keys
    _detector_writes(policy.state_path, "acct", Verdict.WATCH, cluster="c3")
    assert policy.reload() is True
    assert policy._keys is index  # keys untouched: the key index was not rebuilt
    assert policy.verdict_of("acct") == (Verdict.WATCH, "c3")
    with StateDB(policy.state_path) as db:
        _, secret = create_key(db, "acct-new", actor="t", account={"org_id": "o9"})
    assert policy.reload() is True
    assert policy._keys is not index
    new = policy.authenticate(secret)
    assert new is not None and new.org_id == "o9"
    assert policy.authenticate("nope") is None
    assert policy.verdict_of("acct") == (Verdict.WATCH, "c3")  # kept across the reload
    assert _admit(policy, principal).verdict is Verdict.WATCH
    asyncio.run(policy.close())


def test_verdict_reloads_read_only_new_rows(tmp_path: Path) -> None:
    policy, principal = _setup(tmp_path)
    state = policy.state_path
    _detector_writes(state, "x1", Verdict.BLOCK)
    with StateDB(state) as db:
        since = db.snapshot().generations
    _detector_writes(state, "x2", Verdict.THROTTLE, cluster="k")
    with StateDB(state) as db:
        snap = db.snapshot(since)
    assert snap.verdicts_delta and snap.verdicts == {"x2": (Verdict.THROTTLE, "k")}
    assert snap.keys is None and snap.overrides is None
    policy.reload()
    _detector_writes(state, "acct", Verdict.BLOCK)
    with StateDB(state) as db:
        db.set_override("x2", Verdict.ALLOW, reason="known customer", actor="t")
    policy.reload()
    _detector_writes(state, "x2", Verdict.BLOCK, cluster="k2")  # pinned: stays allow
    policy.reload()
    assert policy.verdict_of("x1") == (Verdict.BLOCK, None)
    assert policy.verdict_of("x2") == (Verdict.ALLOW, "k2")
    assert _admit(policy, principal).status == 403
    asyncio.run(policy.close())
