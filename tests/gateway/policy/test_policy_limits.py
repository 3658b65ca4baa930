"""Token buckets with an injected clock, in memory and shared through a real Redis."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from distillguard._types import Verdict
from distillguard.gateway.config import Limit, load_settings
from distillguard.gateway.keys import create_key
from distillguard.gateway.limits import MemoryLimiter
from distillguard.gateway.policy import Policy, Principal
from distillguard.gateway.state import StateDB


class Clock:
    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_bucket_allows_a_minute_burst_then_refills_at_the_rate() -> None:
    clock = Clock()
    lim = MemoryLimiter(clock)
    spec = [("b", 60.0, 1.0)]  # 60/min = 1/s
    assert all(lim.check(spec) is None for _ in range(60))
    wait, bucket = lim.check(spec)
    assert bucket == "b" and wait == pytest.approx(1.0)
    clock.t += 0.5
    wait, _ = lim.check(spec)
    assert wait == pytest.approx(0.5)
    clock.t += 0.5
    assert lim.check(spec) is None
    assert lim.check(spec) is not None
    clock.t += 3600  # refill is capped at capacity
    assert all(lim.check(spec) is None for _ in range(60))
    assert lim.check(spec) is not None


def test_check_is_all_or_nothing_and_oversized_cost_is_clamped() -> None:
    clock = Clock()
    lim = MemoryLimiter(clock)
    assert lim.check([("small", 2.0, 1.0), ("big", 100.0, 1.0)]) is None
    assert lim.check([("small", 2.0, 1.0), ("big", 100.0, 1.0)]) is None
    wait, bucket = lim.check([("small", 2.0, 1.0), ("big", 100.0, 1.0)])
    assert bucket == "small" and wait == pytest.approx(30.0)
    assert lim.level("big") == pytest.approx(98.0)  # not charged by the refused call
    assert lim.check([("tok", 1000.0, 5000.0)]) is None  # clamped: a full bucket pays
    assert lim.check([("tok", 1000.0, 1.0)]) is not None


def test_charge_can_refund_and_run_into_debt() -> None:
    clock = Clock()
    lim = MemoryLimiter(clock)
    assert lim.check([("t", 600.0, 500.0)]) is None
    lim.charge([("t", 600.0, -400.0)])  # the request used 100, not 500
    assert lim.level("t") == pytest.approx(500.0)
    lim.charge([("t", 600.0, 1000.0)])  # used far more than estimated
    assert lim.level("t") == pytest.approx(-500.0)
    wait, _ = lim.check([("t", 600.0, 1.0)])
    assert wait == pytest.approx(501.0 / 10.0)


def _settings(**limits: Limit):
    base = {"key": Limit(rpm=3), "account": Limit(), "org": Limit(), "cluster": Limit()}
    base.update(limits)
    return load_settings(None, limits=base)


def _principal(state: Path, account: str = "a1", org: str | None = None) -> tuple[str, str]:
    with StateDB(state) as db:
        row, secret = create_key(db, account, actor="test", account={"org_id": org})
    return row.key_id, secret


def test_policy_limits_key_account_org_and_cluster(tmp_path: Path) -> None:
    state = tmp_path / "s.sqlite"
    _, s1 = _principal(state, "a1", "org")
    _, s2 = _principal(state, "a2", "org")
    _, s3 = _principal(state, "a3", "other")
    clock = Clock()
    settings = _settings(
        key=Limit(rpm=100), org=Limit(rpm=4), cluster=Limit(rpm=2), account=Limit(tpm=1000)
    )
    policy = Policy(settings, state_path=state, clock=clock)
    policy.reload(force=True)
    p1, p2, p3 = (policy.authenticate(s) for s in (s1, s2, s3))
    assert p1 and p2 and p3

    async def go() -> None:
        # organisation: a1 and a2 share 4 requests/minute
        for p in (p1, p2, p1, p2):
            assert (await policy.admit(p, model=None, est_tokens=10)).allowed
        d = await policy.admit(p2, model=None, est_tokens=10)
        assert (d.allowed, d.status, d.error_type) == (False, 429, "rate_limit_exceeded")
        assert d.retry_after == pytest.approx(15.0) and "organisation" in d.message
        assert (await policy.admit(p3, model=None, est_tokens=10)).allowed
        await policy.settle(p3, used_tokens=10)  # every admitted request is settled once
        # tokens per minute per account: the estimate is charged, then settled
        clock.t += 60
        assert (await policy.admit(p3, model=None, est_tokens=900)).allowed
        await policy.settle(p3, used_tokens=100)  # refunds 800
        assert (await policy.admit(p3, model=None, est_tokens=800)).allowed
        d = await policy.admit(p3, model=None, est_tokens=200)
        assert not d.allowed and "tokens" in d.message
        # cluster: accounts the detector linked share the cluster bucket
        clock.t += 60
        for acct in ("a1", "a3"):
            policy.apply_verdict(
                acct, Verdict.WATCH, score=0.5, cluster_id="c-9", reasons=["x"], source="t"
            )
        assert (await policy.admit(p1, model=None, est_tokens=1)).allowed
        assert (await policy.admit(p3, model=None, est_tokens=1)).allowed
        d = await policy.admit(p1, model=None, est_tokens=1)
        assert not d.allowed and "group" in d.message and d.verdict is Verdict.WATCH
        assert "c-9" not in d.message

    asyncio.run(go())
    asyncio.run(policy.close())


def test_tier_limits_replace_the_account_default(tmp_path: Path) -> None:
    state = tmp_path / "s.sqlite"
    with StateDB(state) as db:
        _, free = create_key(db, "f", actor="t", account={"tier": "free"})
        _, ent = create_key(db, "e", actor="t", account={"tier": "enterprise"})
    settings = load_settings(
        None,
        limits={"key": Limit(), "account": Limit(rpm=10), "org": Limit(), "cluster": Limit()},
        tier_limits={"free": Limit(rpm=1)},
    )
    policy = Policy(settings, state_path=state, clock=Clock())
    policy.reload(force=True)
    pf, pe = policy.authenticate(free), policy.authenticate(ent)
    assert isinstance(pf, Principal) and isinstance(pe, Principal)

    async def go() -> tuple[list[bool], list[bool]]:
        f = [(await policy.admit(pf, model=None, est_tokens=0)).allowed for _ in range(3)]
        e = [(await policy.admit(pe, model=None, est_tokens=0)).allowed for _ in range(11)]
        return f, e

    f, e = asyncio.run(go())
    assert f == [True, False, False]
    assert e == [True] * 10 + [False]


def test_redis_limits_are_shared_by_two_policies(tmp_path: Path, redis_server: str) -> None:
    state = tmp_path / "s.sqlite"
    _, secret = _principal(state, "shared")
    clock = Clock(1_700_000_000.0)
    settings = _settings(key=Limit(rpm=6, tpm=600))

    async def go() -> None:
        a = Policy(settings, state_path=state, redis_url=redis_server, clock=clock)
        b = Policy(settings, state_path=state, redis_url=redis_server, clock=clock)
        for p in (a, b):
            p.reload(force=True)
        pa, pb = a.authenticate(secret), b.authenticate(secret)
        assert pa is not None and pb is not None
        results = []

        async def call(policy: Policy, principal: Principal) -> bool:
            d = await policy.admit(principal, model=None, est_tokens=1)
            if d.allowed:
                await policy.settle(principal, used_tokens=1)
            return d.allowed

        for i in range(8):
            results.append(await call(*((a, pa) if i % 2 == 0 else (b, pb))))
        assert results == [True] * 6 + [False, False]
        d = await b.admit(pb, model=None, est_tokens=1)
        assert d.status == 429 and d.retry_after == pytest.approx(10.0, abs=1e-3)
        clock.t += 10.0
        assert await call(a, pa)
        assert not await call(b, pb)
        # settle in one process charges the shared token bucket
        clock.t += 60.0
        assert (await a.admit(pa, model=None, est_tokens=100)).allowed
        await a.settle(pa, used_tokens=600)  # 500 more than estimated: bucket now at 0
        # the settle travels with a's next check (one round trip per request)
        assert (await b.admit(pb, model=None, est_tokens=50)).allowed
        await b.settle(pb, used_tokens=0)  # refund: b's 50 are back, owed until b's next call
        d = await a.admit(pa, model=None, est_tokens=0)  # a's debt lands: bucket at -50
        assert not d.allowed and d.retry_after == pytest.approx(5.0, abs=1e-3)
        d = await b.admit(pb, model=None, est_tokens=50)  # b's refund lands: bucket at 0
        assert not d.allowed and "tokens" in d.message
        assert d.retry_after == pytest.approx(5.0, abs=1e-3)
        await a.close()
        await b.close()

    asyncio.run(go())


def test_prune_forgets_only_idle_full_buckets() -> None:
    clock = Clock()
    lim = MemoryLimiter(clock)
    assert lim.check([("idle", 60.0, 1.0)]) is None
    lim.charge([("debt", 60.0, 500.0)])
    clock.t += 400
    assert lim.check([("busy", 60.0, 1.0)]) is None
    assert lim.prune(300) == 1
    assert lim.level("idle") is None and lim.level("busy") is not None
    assert lim.level("debt") == pytest.approx(-440.0)  # still owed: kept


def test_redis_url_database_is_used_and_an_unreachable_redis_fails_open(
    tmp_path: Path, redis_server: str
) -> None:
    import redis

    state = tmp_path / "s.sqlite"
    _, secret = _principal(state, "acct-db")
    settings = _settings(key=Limit(rpm=2))

    async def go(url: str) -> list[bool]:
        policy = Policy(settings, state_path=state, redis_url=url, clock=Clock(1e9))
        policy.reload(force=True)
        p = policy.authenticate(secret)
        assert p is not None
        out = []
        for _ in range(3):
            d = await policy.admit(p, model=None, est_tokens=0)
            out.append(d.allowed)
            if d.allowed:
                await policy.settle(p, used_tokens=0)
        await policy.close()
        return out

    assert asyncio.run(go(redis_server.rsplit("/", 1)[0] + "/3")) == [True, True, False]
    client = redis.Redis.from_url(redis_server.rsplit("/", 1)[0] + "/3")
    try:
        assert any(k.startswith(b"dg:rl:k:") for k in client.keys("*"))
    finally:
        client.close()
    # nothing listens on this port: the policy falls back to its own buckets, same limits
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
    assert asyncio.run(go(dead)) == [True, True, False]


def test_redis_connection_lost_between_calls_reconnects(tmp_path: Path, redis_server: str) -> None:
    import redis

    state = tmp_path / "s.sqlite"
    _, secret = _principal(state, "acct-rc")
    settings = _settings(key=Limit(rpm=2))

    async def go() -> bool:
        policy = Policy(settings, state_path=state, redis_url=redis_server, clock=Clock(1e9))
        policy.reload(force=True)
        p = policy.authenticate(secret)
        assert p is not None
        for _ in range(2):
            assert (await policy.admit(p, model=None, est_tokens=0)).allowed
        admin = redis.Redis.from_url(redis_server)
        try:
            assert admin.client_kill_filter(_type="normal", skipme=True) >= 1
        finally:
            admin.close()
        client = policy._redis._client  # type: ignore[union-attr]
        for _ in range(200):  # bounded wait for the reader to see the closed socket
            if client._writer is None:
                break
            await asyncio.sleep(0.01)
        third = (await policy.admit(p, model=None, est_tokens=0)).allowed
        await policy.close()
        return third

    assert asyncio.run(go()) is False  # the shared bucket in Redis, not a fresh local one


def test_concurrent_redis_calls_are_answered_in_order(tmp_path: Path, redis_server: str) -> None:
    """Pipelined calls from two processes' worth of policies: exactly the limit passes."""
    state = tmp_path / "s.sqlite"
    secrets_ = [_principal(state, f"acct-{i}", "org-shared")[1] for i in range(5)]
    settings = _settings(key=Limit(), org=Limit(rpm=20))
    clock = Clock(2e9)

    async def go() -> tuple[int, list[float]]:
        policies = [
            Policy(settings, state_path=state, redis_url=redis_server, clock=clock)
            for _ in range(2)
        ]
        for p in policies:
            p.reload(force=True)
        calls = []
        for i in range(60):
            policy = policies[i % 2]
            principal = policy.authenticate(secrets_[i % 5])
            assert principal is not None
            calls.append(policy.admit(principal, model=None, est_tokens=1))
        decisions = await asyncio.gather(*calls)
        for p in policies:
            await p.close()
        return sum(d.allowed for d in decisions), [
            d.retry_after for d in decisions if d.retry_after is not None
        ]

    allowed, waits = asyncio.run(go())
    assert allowed == 20 and len(waits) == 40
    assert all(w == pytest.approx(3.0, abs=1e-3) for w in waits)  # 1 request at 20/min
