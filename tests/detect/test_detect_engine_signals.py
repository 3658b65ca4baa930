"""Engine signals on hand-made streams: which attributes link, sign-up bursts, synchronized
session starts, and the lone unverified machine-paced harvester."""

from __future__ import annotations

from distillguard._types import Verdict
from distillguard.detect.engine import AccountInfo, Engine
from distillguard.detect.enrich import CODING, REASON, Enriched

T0 = 1_771_200_000.0  # a Monday, 2026-02-16


def _ex(i: int, tags: int = CODING | REASON) -> Enriched:
    """One single-turn exchange whose wording is unlike every other one."""
    return Enriched(
        tags=tags,
        prefix_key=1000 + i,
        suffix_key=500_000 + i,
        dup_key=900_000 + i,
        sys_key=0,
        sys_sim=0,
        tools_key=0,
        max_tokens=512,
        probe=False,
        truncated=False,
        depth=1,
        out_chars=400,
    )


def _same_cluster(eng: Engine, a: str, b: str) -> bool:
    eng.linker.rebuild()
    return eng.linker.find(a) == eng.linker.find(b)


def test_a_client_fingerprint_alone_links_nobody_but_with_the_same_egress_it_does() -> None:
    eng = Engine()
    for n, (acct, ip) in enumerate((("a", "198.51.100.1"), ("b", "203.0.113.9"))):
        eng.observe(T0 + n, acct, _ex(n), ip=ip, client_fingerprint="t13d_popular_sdk")
    assert not _same_cluster(eng, "a", "b")
    eng.observe(T0 + 5, "c", _ex(5), ip="198.51.100.1", client_fingerprint="t13d_popular_sdk")
    assert _same_cluster(eng, "a", "c")


def test_sign_up_bursts_are_counted_from_the_same_subnet_within_minutes() -> None:
    eng = Engine()
    for n, (acct, ip, dt) in enumerate(
        (
            ("r1", "192.0.2.10", 0),
            ("r2", "192.0.2.77", 120),
            ("r3", "192.0.2.200", 300),
            ("late", "192.0.2.11", 4000),
            ("elsewhere", "198.51.100.7", 60),
        )
    ):
        eng.observe_account(AccountInfo(acct, created_ts=T0 + dt, signup_ip=ip, org_id=f"org{n}"))
    bursts = {a: eng.accounts[a].burst for a in ("r1", "r2", "r3", "late", "elsewhere")}
    assert bursts == {"r1": 2, "r2": 2, "r3": 2, "late": 0, "elsewhere": 0}


def test_sessions_that_start_together_again_and_again_link_their_accounts() -> None:
    eng = Engine()
    k = 0
    for wave in range(3):  # three waves an hour apart: the scripted pair starts within 2 s
        t = T0 + wave * 3600
        for acct, dt in (("w1", 0.0), ("w2", 1.5), ("loner", 1000.0 + wave * 700)):
            for step in range(3):
                eng.observe(t + dt + step * 5, acct, _ex(k))
                k += 1
    assert _same_cluster(eng, "w1", "w2")
    assert not _same_cluster(eng, "w1", "loner")


def test_unverified_machine_paced_harvester_is_convicted_alone_a_verified_one_is_not() -> None:
    eng = Engine()
    eng.observe_account(AccountInfo("bot", created_ts=T0 - 86400 * 30, verified=False))
    eng.observe_account(AccountInfo("lab", created_ts=T0 - 86400 * 30, verified=True))
    changes = []
    for i in range(240):  # one different prompt every 30 s for two hours, from each account
        for acct, jitter in (("bot", 0.0), ("lab", 0.4)):
            changes += eng.observe(T0 + i * 30.0 + (i % 3) + jitter, acct, _ex(2 * i))
    assert eng.accounts["bot"].verdict.at_least(Verdict.THROTTLE)
    assert "unverified_paced_harvest" in eng.accounts["bot"].reasons
    assert not eng.accounts["lab"].verdict.at_least(Verdict.THROTTLE)
    flagged = [c for c in changes if c.account_id == "bot" and c.verdict.at_least(Verdict.THROTTLE)]
    # convicted within its first ~2 hours, not after a day of round-the-clock traffic
    assert flagged and flagged[0].ts.timestamp() <= T0 + 2 * 3600 + 60
