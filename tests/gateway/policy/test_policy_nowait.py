"""The synchronous policy calls the hot path uses: same answers as admit/settle in memory,
and a clear "ask Redis" when the buckets are shared (real redis-server)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from distillguard.gateway.config import Limit, load_settings
from distillguard.gateway.keys import create_key
from distillguard.gateway.policy import Policy
from distillguard.gateway.state import StateDB


class _Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def _setup(tmp_path: Path) -> tuple[Path, str]:
    state = tmp_path / "s.sqlite"
    with StateDB(state) as db:
        _, secret = create_key(db, "acct-nowait", actor="test")
    return state, secret


def _settings():
    limits = {
        "key": Limit(rpm=3, tpm=1000),
        "account": Limit(),
        "org": Limit(),
        "cluster": Limit(),
    }
    return load_settings(None, limits=limits)


def test_in_memory_admit_and_settle_answer_without_waiting(tmp_path: Path) -> None:
    state, secret = _setup(tmp_path)
    policy = Policy(_settings(), state_path=state, clock=_Clock(1000.0))
    policy.reload(force=True)
    p = policy.authenticate(secret)
    assert p is not None
    first = policy.admit_nowait(p, model=None, est_tokens=900)
    assert first is not None and first.allowed
    assert policy.settle_nowait(p, used_tokens=100)  # refunds 800 of the estimate
    second = policy.admit_nowait(p, model=None, est_tokens=800)
    assert second is not None and second.allowed
    assert policy.settle_nowait(p, used_tokens=800)
    # the token bucket is now at 100: a 200-token estimate waits, and admit agrees
    d = policy.admit_nowait(p, model=None, est_tokens=200)
    assert d is not None and not d.allowed and "tokens" in d.message
    d2 = asyncio.run(policy.admit(p, model=None, est_tokens=200))
    assert not d2.allowed and d2.retry_after == d.retry_after
    # requests per minute: the third admitted request is the last
    assert policy.admit_nowait(p, model=None, est_tokens=10).allowed  # type: ignore[union-attr]
    d = policy.admit_nowait(p, model=None, est_tokens=10)
    assert d is not None and d.status == 429 and "requests" in d.message
    asyncio.run(policy.close())


def test_with_redis_the_nowait_calls_defer_to_admit(tmp_path: Path, redis_server: str) -> None:
    state, secret = _setup(tmp_path)

    async def go() -> None:
        policy = Policy(_settings(), state_path=state, redis_url=redis_server, clock=_Clock(1.7e9))
        policy.reload(force=True)
        p = policy.authenticate(secret)
        assert p is not None
        assert policy.admit_nowait(p, model=None, est_tokens=10) is None
        d = await policy.admit(p, model=None, est_tokens=10)
        assert d.allowed
        assert policy.settle_nowait(p, used_tokens=10) is False  # nothing done here
        await policy.settle(p, used_tokens=10)
        await policy.close()

    asyncio.run(go())
