"""The gateway's policy engine: who is calling, may they, and how is their answer degraded.

This module is the seam between the HTTP hot path (SERVER) and the control plane (POLICY).
The server calls, per request::

    principal = policy.authenticate(api_key)          # None -> 401
    decision = await policy.admit(principal, model=..., est_tokens=...)
    if not decision.allowed: ...                       # 403 block / 429 limit
    ...                                                # forward, degraded per decision
    await policy.settle(principal, used_tokens=...)    # charge the real token count

``authenticate`` and the in-memory ``admit`` only read dicts that a background thread
rebuilds from the control-plane SQLite file (:mod:`distillguard.gateway.state`) about once a
second and swaps in whole: no I/O, no blocking locks on the event loop. With a Redis URL the
token buckets live in Redis (one atomic script call per ``admit``) so every gateway process
shares them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from distillguard._types import Verdict
from distillguard.errors import ConfigError
from distillguard.gateway.config import GatewaySettings, Limit
from distillguard.gateway.enforcement import (
    Decision,
    Principal,
    decision_table,
    effective_verdicts,
    rate_limited,
)
from distillguard.gateway.keys import KeyIndex
from distillguard.gateway.limits import BucketSpec, MemoryLimiter, RedisLimiter
from distillguard.gateway.state import StateDB, VerdictRow, now_ts

__all__ = ["Decision", "Policy", "Principal"]

log = logging.getLogger(__name__)

# A bucket template: (name, capacity, counts tokens?)
_Template = tuple[str, float, bool]


class Policy:
    """Authentication, rate limits and verdict enforcement for one gateway process.

    Call :meth:`start` (or :meth:`reload` in tests) before serving: until then no key is
    known. ``clock`` (seconds, monotonic for memory buckets, wall time for Redis) can be
    injected for deterministic tests.
    """

    def __init__(
        self,
        settings: GatewaySettings,
        *,
        state_path: Path,
        redis_url: str | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.settings = settings
        self.state_path = Path(state_path)
        self.redis_url = redis_url if redis_url is not None else settings.redis_url
        self._memory = MemoryLimiter(clock or time.monotonic)
        self._redis: RedisLimiter | None = None
        if self.redis_url:
            self._redis = RedisLimiter(self.redis_url, clock=clock or time.time)
        self._decisions = decision_table(settings)
        self._models = None if settings.models is None else set(settings.models)
        # Hot-path state: replaced whole by reload(); the only in-place change is
        # apply_verdict's single-item assignment into _effective (atomic under the GIL).
        self._keys = KeyIndex()
        self._pinned: frozenset[str] = frozenset()
        self._tiers: dict[str, str] = {}
        self._effective: dict[str, tuple[Verdict, str | None]] = {}
        self._templates: dict[tuple[str, str, str | None, Verdict, str | None], list] = {}
        self._pending: dict[str, deque[int]] = {}
        # Control-plane plumbing (reload thread only).
        self._reload_lock = threading.Lock()
        self._unflushed: dict[str, VerdictRow] = {}
        self._unflushed_lock = threading.Lock()
        self._db: StateDB | None = None
        self._data_version: int | None = None
        self._generations: dict[str, int] | None = None
        self._detector: dict[str, tuple[Verdict, str | None]] = {}
        self._overrides: dict[str, Verdict] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._redis_failed_at = 0.0
        self.reloads = 0

    # ------------------------------------------------------------------ hot path

    def authenticate(self, api_key: str) -> Principal | None:
        """The caller behind ``api_key``, or ``None`` for an unknown or revoked key.

        Hashes the presented secret (SHA-256) and looks the hash up in memory; the stored
        hash is compared in constant time. The secret itself is never kept or logged.
        """
        if not api_key:
            return None
        found = self._keys.lookup(api_key)
        return found if isinstance(found, Principal) else None

    def verdict_of(self, account_id: str) -> tuple[Verdict, str | None]:
        """The verdict in force for an account and its cluster id (override first)."""
        return self._effective.get(account_id, (Verdict.ALLOW, None))

    def admit_nowait(
        self, principal: Principal, *, model: str | None, est_tokens: int
    ) -> Decision | None:
        """:meth:`admit` without a wait when the buckets are in memory (no Redis, or Redis
        failed within the last 5 s); ``None`` when Redis must be asked (await ``admit``)."""
        if self._redis is not None and not self._redis_down():
            return None
        verdict, cluster = self._effective.get(principal.account_id, (Verdict.ALLOW, None))
        if verdict is Verdict.BLOCK:
            return self._decisions[Verdict.BLOCK]
        est = est_tokens if est_tokens > 0 else 0
        templates = self._templates_for(principal, verdict, cluster)
        if templates:  # no spec list: the limiter reads the templates directly
            hit = self._memory.check_templates(templates, float(est))
            if hit is not None:
                return rate_limited(verdict, hit[0], hit[1])
        return self._admitted(principal, verdict, est)

    def _admitted(self, principal: Principal, verdict: Verdict, est: int) -> Decision:
        """Record the admitted request's token estimate (settled first-in, first-out)."""
        pending = self._pending.get(principal.key_id)
        if pending is None:
            pending = self._pending[principal.key_id] = deque(maxlen=1024)
        pending.append(est)
        return self._decisions[verdict]

    async def admit(self, principal: Principal, *, model: str | None, est_tokens: int) -> Decision:
        """Decide whether to serve one request and how to degrade it.

        Blocked accounts get a 403 decision; otherwise every bucket of the request (key,
        account, organisation, cluster, throttle) is charged one request and
        ``est_tokens`` tokens, or none is and the decision is a 429 with ``retry_after``.
        """
        decided = self.admit_nowait(principal, model=model, est_tokens=est_tokens)
        if decided is not None:
            return decided
        verdict, cluster = self._effective.get(principal.account_id, (Verdict.ALLOW, None))
        if verdict is Verdict.BLOCK:
            return self._decisions[Verdict.BLOCK]
        est = est_tokens if est_tokens > 0 else 0
        specs = self._specs(principal, verdict, cluster, est)
        if specs:
            hit = await self._check(specs)
            if hit is not None:
                return rate_limited(verdict, hit[0], hit[1])
        return self._admitted(principal, verdict, est)

    async def settle(self, principal: Principal, *, used_tokens: int) -> None:
        """Charge the tokens a served request actually used (minus what admit estimated).

        Call once per allowed :meth:`admit` (``used_tokens=0`` when the upstream failed, to
        refund the estimate); estimates are matched first-in, first-out per key, so a
        missing call leaves its estimate charged and nothing else wrong.
        """
        specs = self._settle_specs(principal, used_tokens)
        if not specs:
            return
        if self._redis is not None and not self._redis_down():
            try:
                await self._redis.charge(specs)
                return
            except Exception as exc:  # redis errors of every kind: fall back to memory
                self._redis_error(exc)
        self._memory.charge(specs)

    def settle_nowait(self, principal: Principal, *, used_tokens: int) -> bool:
        """:meth:`settle` without a wait when the buckets are in memory; ``False`` (nothing
        done) when Redis must be told (await ``settle``)."""
        if self._redis is not None and not self._redis_down():
            return False
        pending = self._pending.get(principal.key_id)
        delta = (used_tokens if used_tokens > 0 else 0) - (pending.popleft() if pending else 0)
        if delta:
            verdict, cluster = self._effective.get(principal.account_id, (Verdict.ALLOW, None))
            self._memory.charge_tokens(
                self._templates_for(principal, verdict, cluster), float(delta)
            )
        return True

    def _settle_specs(self, principal: Principal, used_tokens: int) -> list[BucketSpec]:
        """The token adjustments of one settled request (pops its admit estimate)."""
        pending = self._pending.get(principal.key_id)
        est = pending.popleft() if pending else 0
        delta = max(used_tokens, 0) - est
        if delta == 0:
            return []
        verdict, cluster = self._effective.get(principal.account_id, (Verdict.ALLOW, None))
        return [
            (name, cap, float(delta))
            for name, cap, tokens in self._templates_for(principal, verdict, cluster)
            if tokens
        ]

    def _specs(
        self, principal: Principal, verdict: Verdict, cluster: str | None, est: int
    ) -> list[BucketSpec]:
        return [
            (name, cap, float(est) if tokens else 1.0)
            for name, cap, tokens in self._templates_for(principal, verdict, cluster)
        ]

    def _templates_for(
        self, principal: Principal, verdict: Verdict, cluster: str | None
    ) -> list[_Template]:
        cache_key = (principal.key_id, principal.account_id, principal.org_id, verdict, cluster)
        found = self._templates.get(cache_key)
        if found is not None:
            return found
        limits = self.settings.limits
        tier = self._tiers.get(principal.account_id)
        account_limit = self.settings.tier_limits.get(tier or "", limits.get("account"))
        scopes: list[tuple[str, Limit | None]] = [
            (f"k:{principal.key_id}", limits.get("key")),
            (f"a:{principal.account_id}", account_limit),
        ]
        if principal.org_id:
            scopes.append((f"o:{principal.org_id}", limits.get("org")))
        if cluster:
            scopes.append((f"c:{cluster}", limits.get("cluster")))
        extra = self.settings.verdict_policy(verdict).limit
        if not extra.unlimited:
            scopes.append((f"v:{verdict.value}:{principal.account_id}", extra))
        out: list[_Template] = []
        for name, limit in scopes:
            if limit is None:
                continue
            if limit.rpm is not None:
                out.append((f"{name}:r", limit.rpm, False))
            if limit.tpm is not None:
                out.append((f"{name}:t", limit.tpm, True))
        if len(self._templates) > 100_000:
            self._templates = {}
        self._templates[cache_key] = out
        return out

    async def _check(self, specs: list[BucketSpec]) -> tuple[float, str] | None:
        if self._redis is not None and not self._redis_down():
            try:
                return await self._redis.check(specs)
            except Exception as exc:  # redis errors of every kind: fall back to memory
                self._redis_error(exc)
        return self._memory.check(specs)

    def _redis_down(self) -> bool:
        return self._redis_failed_at > 0 and time.monotonic() - self._redis_failed_at < 5.0

    def _redis_error(self, exc: BaseException) -> None:
        # Fail open to per-process limits for 5 s rather than refusing every request.
        self._redis_failed_at = time.monotonic()
        log.warning("redis rate limiter unavailable, using in-process limits: %s", exc)

    # ------------------------------------------------------------------ control plane

    def apply_verdict(
        self,
        account_id: str,
        verdict: Verdict,
        *,
        score: float,
        cluster_id: str | None,
        reasons: list[str],
        source: str,
    ) -> None:
        """Record a detector verdict for an account; it applies to the next request.

        The in-memory table changes at once (unless an override pins the account); the
        row is written to the state file by the reload thread, so other gateways see it
        within a second and it survives restarts.
        """
        if not isinstance(verdict, Verdict):
            try:
                verdict = Verdict.parse(str(verdict))
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        row = VerdictRow(
            account_id=account_id,
            verdict=verdict,
            score=float(score),
            cluster_id=cluster_id or None,
            reasons=list(reasons),
            source=source,
            updated_at=now_ts(),
        )
        with self._unflushed_lock:
            self._unflushed[account_id] = row
            self._apply_locked(self._effective, row)

    def _apply_locked(
        self, effective: dict[str, tuple[Verdict, str | None]], row: VerdictRow
    ) -> None:
        """Put a detector verdict into ``effective``; an override keeps its verdict."""
        current = effective.get(row.account_id)
        if row.account_id in self._pinned and current is not None:
            effective[row.account_id] = (current[0], row.cluster_id)
        else:
            effective[row.account_id] = (row.verdict, row.cluster_id)

    def known_models(self) -> set[str] | None:
        """The models clients may ask for, or ``None`` to allow any."""
        return self._models

    def reload(self, *, force: bool = False) -> bool:
        """Flush pending verdicts, then re-read the state file if it changed.

        Runs in the background thread (or directly in tests and tools). Returns whether the
        in-memory tables were rebuilt.
        """
        with self._reload_lock:
            if self._db is None:
                self._db = StateDB(self.state_path)
            db = self._db
            with self._unflushed_lock:
                flushing = dict(self._unflushed)
            if flushing:
                db.set_verdicts(flushing.values())
            version = db.data_version()
            if not force and version == self._data_version:
                # Nothing changed elsewhere; our own flushed rows are already in memory.
                if flushing:
                    with self._unflushed_lock:
                        for account_id, row in flushing.items():
                            if self._unflushed.get(account_id) is row:
                                del self._unflushed[account_id]
                return False
            snap = db.snapshot(None if force else self._generations)
            keys = self._keys
            if snap.keys is not None:
                keys = KeyIndex(
                    (digest, Principal(key_id, account_id, org_id))
                    for digest, key_id, account_id, org_id in snap.keys
                )
            tiers = snap.tiers if snap.tiers is not None else self._tiers
            if snap.verdicts is not None:
                if snap.verdicts_delta:
                    self._detector.update(snap.verdicts)
                else:
                    self._detector = snap.verdicts
            if snap.overrides is not None:
                self._overrides = snap.overrides
            if snap.overrides is not None or (
                snap.verdicts is not None and not snap.verdicts_delta
            ):
                effective = effective_verdicts(self._detector, self._overrides)
            else:
                effective = dict(self._effective)
                for account_id, (verdict, cluster) in (snap.verdicts or {}).items():
                    pinned_verdict = self._overrides.get(account_id)
                    effective[account_id] = (pinned_verdict or verdict, cluster)
            pinned = frozenset(self._overrides)
            # Held only for the overlay and the swap (O(verdicts not yet flushed)): the
            # event loop takes this lock in apply_verdict and must never wait long.
            with self._unflushed_lock:
                for account_id, row in flushing.items():
                    if self._unflushed.get(account_id) is row:
                        del self._unflushed[account_id]
                self._keys = keys
                self._tiers = tiers
                self._pinned = pinned
                for row in self._unflushed.values():
                    self._apply_locked(effective, row)
                self._templates = {}
                self._effective = effective
            self._data_version = version
            self._generations = snap.generations
            self.reloads += 1
            return True

    def _run(self) -> None:
        interval = min(self.settings.reload_interval, 1.0)
        last_prune = time.monotonic()
        while not self._stop.wait(interval):
            try:
                self.reload()
            except Exception:  # keep serving with the last good state
                log.exception("control-plane reload failed; keeping the previous state")
            if time.monotonic() - last_prune >= 60.0:
                last_prune = time.monotonic()
                self._memory.prune()
                for key_id, pending in list(self._pending.items()):
                    if not pending:
                        self._pending.pop(key_id, None)

    async def start(self) -> None:
        """Load the control-plane state and start reloading it in the background."""
        await asyncio.to_thread(self.reload, force=True)
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run, name="distillguard-policy-reload", daemon=True
            )
            self._thread.start()

    async def close(self) -> None:
        """Stop the background reload, flush pending verdicts and release connections."""
        self._stop.set()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 5.0)
            self._thread = None
        await asyncio.to_thread(self._flush_and_close)
        if self._redis is not None:
            await self._redis.close()

    def _flush_and_close(self) -> None:
        with self._reload_lock:
            if self._db is None and self._unflushed:
                self._db = StateDB(self.state_path)
            if self._db is not None:
                with self._unflushed_lock:
                    rows = list(self._unflushed.values())
                    self._unflushed.clear()
                if rows:
                    self._db.set_verdicts(rows)
                self._db.close()
                self._db = None
