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

import asyncio
import contextlib
import hashlib
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["BucketSpec", "MemoryLimiter", "RedisLimiter", "RedisReplyError"]

log = logging.getLogger(__name__)

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

    def check_templates(
        self, templates: Sequence[tuple[str, float, bool]], tokens: float
    ) -> tuple[float, str] | None:
        """:meth:`check` for one request given its buckets as ``(name, capacity, is_token
        bucket)``: a request bucket costs 1, a token bucket ``tokens``. Same result as
        :meth:`check` on the equivalent specs, without building them (the hot path)."""
        now = self._clock()
        buckets = self._buckets
        wait = 0.0
        worst = ""
        levels = []
        for name, capacity, is_tokens in templates:
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
            cost = tokens if is_tokens else 1.0
            need = cost if cost < capacity else capacity
            levels.append((bucket, need))
            if bucket[0] < need:
                w = (need - bucket[0]) * 60.0 / capacity
                if w > wait:
                    wait, worst = w, name
        if wait > 0.0:
            return wait, worst
        for bucket, need in levels:
            bucket[0] -= need
        return None

    def charge_tokens(self, templates: Sequence[tuple[str, float, bool]], delta: float) -> None:
        """:meth:`charge` of ``delta`` tokens to the token buckets among ``templates``."""
        now = self._clock()
        buckets = self._buckets
        for name, capacity, is_tokens in templates:
            if not is_tokens:
                continue
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
            level = bucket[0] - delta
            bucket[0] = capacity if level > capacity else level

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


class RedisReplyError(Exception):
    """Redis answered a command with an error reply."""


def _resp_encode(args: Sequence[str | bytes]) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else arg.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class _RespClient:
    """A minimal pipelined Redis (RESP2) client: one connection, replies in request order.

    redis-py's asyncio client costs 150-300 µs of CPU per command here; this one costs a
    few tens (see ``docs/benchmarks.md``), which matters on a per-request path. It knows
    just enough for this module: AUTH, SELECT, EVALSHA/EVAL. Any connection error or
    timeout fails every waiting call and the next call reconnects.
    """

    def __init__(self, url: str, timeout: float = 2.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss", "unix"):
            raise ValueError(f"unsupported Redis URL scheme {parts.scheme!r}")
        self._scheme = parts.scheme
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 6379
        self._path = unquote(parts.path) if parts.scheme == "unix" else ""
        query = parse_qs(parts.query)
        db_text = (
            query.get("db", ["0"])[0]
            if parts.scheme == "unix"
            else (parts.path.strip("/") or query.get("db", ["0"])[0])
        )
        self._db = int(db_text)
        self._username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: deque[asyncio.Future[Any]] = deque()
        self._task: asyncio.Task[None] | None = None
        self._lock: asyncio.Lock | None = None
        self._failed_at = -1e9

    def _connected(self) -> bool:
        return (
            self._writer is not None
            and not self._writer.is_closing()
            and self._loop is asyncio.get_running_loop()
        )

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._drop(ConnectionError("event loop changed"))
            self._lock = asyncio.Lock()
            self._loop = loop
        async with self._lock:
            if self._connected():
                return
            if time.monotonic() - self._failed_at < 1.0:
                # callers queued behind a failed attempt fail fast instead of each waiting
                raise ConnectionError("Redis connection failed less than 1 s ago")
            try:
                await self._open(loop)
            except BaseException:
                self._failed_at = time.monotonic()
                self._drop(ConnectionError("Redis connection failed"))
                raise

    async def _open(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._scheme == "unix":
            conn = asyncio.open_unix_connection(self._path)
        else:
            ssl = self._scheme == "rediss" or None
            conn = asyncio.open_connection(self._host, self._port, ssl=ssl)
        reader, writer = await asyncio.wait_for(conn, self._timeout)
        self._reader, self._writer = reader, writer
        self._task = loop.create_task(self._read_replies(reader))
        if self._password is not None:
            auth = [self._username, self._password] if self._username else [self._password]
            await self._send(["AUTH", *auth])
        if self._db:
            await self._send(["SELECT", str(self._db)])

    def _drop(self, exc: BaseException) -> None:
        waiters, self._waiters = self._waiters, deque()
        # (the futures, writer and task may belong to a loop that is already closed)
        for fut in waiters:
            if not fut.done():
                with contextlib.suppress(RuntimeError):
                    fut.set_exception(exc)
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()
        if self._task is not None and self._task is not _current_task():
            with contextlib.suppress(RuntimeError):
                self._task.cancel()
        self._reader = self._writer = self._task = None

    async def _read_reply(self, reader: asyncio.StreamReader) -> Any:
        line = await reader.readuntil(b"\r\n")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest
        if kind == b"-":
            return RedisReplyError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            return (await reader.readexactly(n + 2))[:-2]
        if kind == b"*":
            n = int(rest)
            if n < 0:
                return None
            return [await self._read_reply(reader) for _ in range(n)]
        raise ConnectionError(f"unexpected Redis reply {line[:40]!r}")

    async def _read_replies(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                reply = await self._read_reply(reader)
                if not self._waiters:
                    raise ConnectionError("Redis sent a reply nobody asked for")
                fut = self._waiters.popleft()
                if not fut.done():
                    fut.set_result(reply)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # EOF, reset, protocol error: fail everyone waiting
            if self._reader is reader:
                self._drop(ConnectionError(f"Redis connection lost: {exc!r}"))

    async def _send(self, args: Sequence[str | bytes]) -> Any:
        if self._writer is None or self._loop is None:
            raise ConnectionError("Redis connection lost")
        fut = self._loop.create_future()
        self._waiters.append(fut)
        self._writer.write(_resp_encode(args))
        timer = self._loop.call_later(self._timeout, self._expire, fut)
        try:
            reply = await fut
        finally:
            timer.cancel()
        if isinstance(reply, RedisReplyError):
            raise reply
        return reply

    def _expire(self, fut: asyncio.Future[Any]) -> None:
        if not fut.done():
            # replies are matched by order, so a lost one poisons the connection: reset it
            self._drop(TimeoutError(f"Redis did not answer within {self._timeout} s"))

    async def call(self, *args: str | bytes) -> Any:
        if not self._connected():
            await self._connect()
        return await self._send(args)

    async def close(self) -> None:
        self._drop(ConnectionError("client closed"))


def _current_task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:
        return None


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
        self._client = _RespClient(url)
        self._sha = hashlib.sha1(_LUA.encode()).hexdigest()
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
            try:
                out = await self._client.call("EVALSHA", self._sha, str(len(keys)), *keys, *args)
            except RedisReplyError as exc:
                if not str(exc).startswith("NOSCRIPT"):
                    raise
                out = await self._client.call("EVAL", _LUA, str(len(keys)), *keys, *args)
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
        except Exception as exc:  # closing must not fail because Redis is gone
            log.warning(
                "could not send %d rate-limit adjustments to Redis: %s", len(self._owed), exc
            )
        finally:
            await self._client.close()
