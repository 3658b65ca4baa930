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

    def level(self, name: str) -> float | None:
        """The stored level of a bucket (for tests and diagnostics), refilled to now."""
        bucket = self._buckets.get(name)
        return None if bucket is None else bucket[0]

    def __len__(self) -> int:
        return len(self._buckets)


# KEYS: bucket names. ARGV: now (seconds), mode ("check" | "charge"), then per bucket
# capacity and cost. Returns "0" when charged, else "<wait seconds> <bucket index>".
# Values are returned as strings: Redis truncates Lua numbers to integers.
_LUA = """
local now = tonumber(ARGV[1])
local mode = ARGV[2]
local n = #KEYS
local levels = {}
local wait = 0
local worst = 0
for i = 1, n do
  local cap = tonumber(ARGV[1 + 2 * i])
  local cost = tonumber(ARGV[2 + 2 * i])
  local v = redis.call('HMGET', KEYS[i], 't', 'ts')
  local t = tonumber(v[1])
  local ts = tonumber(v[2])
  if t == nil or ts == nil then
    t = cap
    ts = now
  end
  if now > ts then
    t = t + (now - ts) * cap / 60.0
  end
  if t > cap then t = cap end
  levels[i] = t
  if mode == 'check' then
    local need = cost
    if need > cap then need = cap end
    if t < need then
      local w = (need - t) * 60.0 / cap
      if w > wait then
        wait = w
        worst = i
      end
    end
  end
end
if wait > 0 then
  return string.format('%.6f %d', wait, worst - 1)
end
for i = 1, n do
  local cap = tonumber(ARGV[1 + 2 * i])
  local cost = tonumber(ARGV[2 + 2 * i])
  if mode == 'check' and cost > cap then cost = cap end
  local t = levels[i] - cost
  if t > cap then t = cap end
  redis.call('HSET', KEYS[i], 't', string.format('%.17g', t), 'ts', string.format('%.17g', now))
  local ttl = math.ceil((cap - t) * 60000.0 / cap) + 1000
  redis.call('PEXPIRE', KEYS[i], ttl)
end
return '0'
"""


class RedisLimiter:
    """The same buckets in Redis, shared by every gateway process using ``url``.

    Uses wall-clock time (``time.time``) so processes on different hosts agree; the clock
    can be injected for tests. Bucket names are prefixed with ``prefix``.
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

    async def _run(self, mode: str, specs: Sequence[BucketSpec]) -> tuple[float, str] | None:
        keys = [self._prefix + name for name, _, _ in specs]
        args: list[str] = [repr(self._clock()), mode]
        for _, capacity, cost in specs:
            args.append(repr(float(capacity)))
            args.append(repr(float(cost)))
        out = await self._script(keys=keys, args=args)
        text = out.decode() if isinstance(out, bytes) else str(out)
        if text == "0":
            return None
        wait, index = text.split()
        return float(wait), specs[int(index)][0]

    async def check(self, specs: Sequence[BucketSpec]) -> tuple[float, str] | None:
        """Like :meth:`MemoryLimiter.check`, atomically in Redis (one round trip)."""
        return await self._run("check", specs)

    async def charge(self, specs: Sequence[BucketSpec]) -> None:
        """Like :meth:`MemoryLimiter.charge`, atomically in Redis."""
        await self._run("charge", specs)

    async def close(self) -> None:
        await self._client.aclose()
