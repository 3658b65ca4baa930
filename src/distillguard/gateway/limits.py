"""Token-bucket rate limits, in one process's memory or shared through Redis.

Every request is counted against several buckets at once (requests and tokens per minute
for its key, account, organisation, detected cluster and, for throttled accounts, a tight
per-account bucket). A bucket holds at most ``capacity`` units (its per-minute limit) and
refills at ``capacity / 60`` units per second, so a client may burst up to one minute's
allowance and then sustains the limit.

:meth:`check` is all-or-nothing: either every bucket can pay and all are charged, or none
is charged and the caller learns how long to wait. A cost larger than a bucket's capacity
is clamped to the capacity (one huge request may pass when the bucket is full, otherwise it
could never pass). :meth:`charge` adjusts buckets after the fact (the real token count
replaces the estimate); it may drive a bucket negative, which delays later requests.

The Redis back end runs the same algorithm as one Lua script per call (one round trip,
atomic across gateway processes).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

__all__ = ["BucketSpec", "MemoryLimiter", "RedisLimiter"]

#: (bucket name, capacity per minute, cost)
BucketSpec = tuple[str, float, float]


class MemoryLimiter:
    """Token buckets in a dict: arithmetic only, no I/O, no locks (one event loop)."""

    __slots__ = ("_buckets", "_clock")

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, list[float]] = {}

    def _level(self, name: str, capacity: float, now: float) -> list[float]:
        bucket = self._buckets.get(name)
        if bucket is None:
            bucket = self._buckets[name] = [capacity, now]
            return bucket
        elapsed = now - bucket[1]
        if elapsed > 0:
            bucket[0] = min(capacity, bucket[0] + elapsed * capacity / 60.0)
            bucket[1] = now
        elif bucket[0] > capacity:
            bucket[0] = capacity
        return bucket

    def check(self, specs: Sequence[BucketSpec]) -> tuple[float, str] | None:
        """Charge every bucket, or none: returns ``None`` or ``(seconds to wait, bucket)``."""
        # The refill is inlined (no helper calls): this runs on every request.
        now = self._clock()
        buckets = self._buckets
        wait = 0.0
        worst = ""
        levels = []
        for name, capacity, cost in specs:
            bucket = buckets.get(name)
            if bucket is None:
                bucket = buckets[name] = [capacity, now]
            else:
                elapsed = now - bucket[1]
                if elapsed > 0:
                    level = bucket[0] + elapsed * capacity / 60.0
                    bucket[0] = capacity if level > capacity else level
                    bucket[1] = now
                elif bucket[0] > capacity:
                    bucket[0] = capacity
            levels.append(bucket)
            need = cost if cost < capacity else capacity
            if bucket[0] < need:
                w = (need - bucket[0]) * 60.0 / capacity
                if w > wait:
                    wait, worst = w, name
        if wait > 0.0:
            return wait, worst
        for bucket, (_, capacity, cost) in zip(levels, specs, strict=True):
            bucket[0] -= cost if cost < capacity else capacity
        return None

    def charge(self, specs: Sequence[BucketSpec]) -> None:
        """Add ``cost`` (negative: refund, capped at capacity) to each bucket's usage."""
        now = self._clock()
        for name, capacity, cost in specs:
            bucket = self._level(name, capacity, now)
            bucket[0] = min(capacity, bucket[0] - cost)

    def prune(self, idle_seconds: float = 300.0) -> int:
        """Forget buckets idle for ``idle_seconds`` (>= 60) that are not in debt: they have
        refilled completely, so a fresh bucket is identical. Safe to call from another
        thread: it snapshots the dict and pops single keys. Returns how many were dropped."""
        idle = max(idle_seconds, 60.0)
        now = self._clock()
        dropped = 0
        for name, bucket in list(self._buckets.items()):
            if now - bucket[1] >= idle and bucket[0] >= 0:
                self._buckets.pop(name, None)
                dropped += 1
        return dropped

    def level(self, name: str) -> float | None:
        """The stored level of a bucket (for tests and diagnostics), refilled to now."""
        bucket = self._buckets.get(name)
        return None if bucket is None else bucket[0]

    def __len__(self) -> int:
        return len(self._buckets)


# KEYS: first the buckets to check, then the buckets to charge. ARGV: now (seconds), the
# number of buckets to check, then per bucket (checked, then charged) capacity and cost.
# Charges (settled token counts) are applied first and always; then the checked buckets
# are charged all-or-nothing. Returns "0" when charged, else "<wait seconds> <index>".
# Values are returned as strings: Redis truncates Lua numbers to integers.
_LUA = """
local now = tonumber(ARGV[1])
local nc = tonumber(ARGV[2])
local n = #KEYS
local function level(i, cap)
  local v = redis.call('HMGET', KEYS[i], 't', 'ts')
  local t = tonumber(v[1])
  local ts = tonumber(v[2])
  if t == nil or ts == nil then return cap end
  if now > ts then t = t + (now - ts) * cap / 60.0 end
  if t > cap then t = cap end
  return t
end
local function store(i, cap, t)
  if t > cap then t = cap end
  redis.call('HSET', KEYS[i], 't', string.format('%.17g', t), 'ts', string.format('%.17g', now))
  redis.call('PEXPIRE', KEYS[i], math.ceil((cap - t) * 60000.0 / cap) + 1000)
end
for i = nc + 1, n do
  local cap = tonumber(ARGV[1 + 2 * i])
  store(i, cap, level(i, cap) - tonumber(ARGV[2 + 2 * i]))
end
local levels = {}
local wait = 0
local worst = 0
for i = 1, nc do
  local cap = tonumber(ARGV[1 + 2 * i])
  local need = tonumber(ARGV[2 + 2 * i])
  if need > cap then need = cap end
  local t = level(i, cap)
  levels[i] = t
  if t < need then
    local w = (need - t) * 60.0 / cap
    if w > wait then
      wait = w
      worst = i
    end
  end
end
if wait > 0 then
  return string.format('%.6f %d', wait, worst - 1)
end
for i = 1, nc do
  local cap = tonumber(ARGV[1 + 2 * i])
  local need = tonumber(ARGV[2 + 2 * i])
  if need > cap then need = cap end
  store(i, cap, levels[i] - need)
end
return '0'
"""


class RedisLimiter:
    """The same buckets in Redis, shared by every gateway process using ``url``.

    To keep one round trip per request, :meth:`charge` (the settle after a response) only
    records the adjustment locally; it travels to Redis with the next :meth:`check` of any
    principal in this process (or :meth:`flush`). Uses wall-clock time (``time.time``) so
    processes agree; the clock can be injected for tests. Names get ``prefix``.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "dg:rl:",
        clock: Callable[[], float] = time.time,
    ) -> None:
        import redis.asyncio as aioredis

        self._client = aioredis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self._script = self._client.register_script(_LUA)
        self._prefix = prefix
        self._clock = clock
        self._owed: dict[str, list[float]] = {}  # bucket -> [capacity, cost]

    async def _run(self, checks: Sequence[BucketSpec]) -> tuple[float, str] | None:
        owed, self._owed = self._owed, {}
        keys = [self._prefix + name for name, _, _ in checks]
        args: list[str] = [repr(self._clock()), str(len(checks))]
        for _, capacity, cost in checks:
            args.append(repr(float(capacity)))
            args.append(repr(float(cost)))
        for name, (capacity, cost) in owed.items():
            keys.append(self._prefix + name)
            args.append(repr(float(capacity)))
            args.append(repr(float(cost)))
        try:
            out = await self._script(keys=keys, args=args)
        except BaseException:
            for name, (capacity, cost) in owed.items():  # not applied: keep owing
                self._owe(name, capacity, cost)
            raise
        text = out.decode() if isinstance(out, bytes) else str(out)
        if text == "0":
            return None
        wait, index = text.split()
        return float(wait), checks[int(index)][0]

    def _owe(self, name: str, capacity: float, cost: float) -> None:
        entry = self._owed.get(name)
        if entry is None:
            self._owed[name] = [capacity, cost]
        else:
            entry[0] = capacity
            entry[1] += cost

    async def check(self, specs: Sequence[BucketSpec]) -> tuple[float, str] | None:
        """Like :meth:`MemoryLimiter.check`, atomically in Redis (one round trip)."""
        return await self._run(specs)

    async def charge(self, specs: Sequence[BucketSpec]) -> None:
        """Like :meth:`MemoryLimiter.charge`; sent with the next check (no round trip)."""
        for name, capacity, cost in specs:
            self._owe(name, capacity, cost)

    def owed(self) -> dict[str, float]:
        """Adjustments not yet sent to Redis (bucket -> cost)."""
        return {name: cost for name, (_, cost) in self._owed.items()}

    async def flush(self) -> None:
        """Send owed adjustments now."""
        if self._owed:
            await self._run(())

    async def close(self) -> None:
        try:
            await self.flush()
        finally:
            await self._client.aclose()
