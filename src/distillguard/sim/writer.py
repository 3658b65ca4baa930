"""Turn the roster into time-ordered, gzipped JSON Lines, one scenario day at a time.

Each day is generated on its own: every account's sessions that start that day (plus the
tail of sessions started late the day before, replayed from their own seeds) are merged
by time with a heap. A session is a lazy generator, started only when its first exchange
is due, so memory holds the sessions in flight, never the day or the scenario. Days run
in parallel worker processes and land in separate part files that are renumbered in day
order at the end; since a day depends only on the seed, the output is byte-identical
whatever the number of workers.
"""

from __future__ import annotations

import gzip
import heapq
import time
from collections import Counter
from dataclasses import dataclass, field
from hashlib import blake2b
from pathlib import Path
from random import Random
from typing import Any

import orjson

from distillguard.sim._seeds import derive_seed
from distillguard.sim.actor import Actor
from distillguard.sim.world import DAY_MS, World

__all__ = ["DayResult", "run_day"]

#: Most records in one part file.
PART_RECORDS = 500_000
_FLUSH = 2000


@dataclass(slots=True)
class DayResult:
    """What one day wrote: its part files (in order) and its counts."""

    day: int
    parts: list[str] = field(default_factory=list)
    per_account: Counter[int] = field(default_factory=Counter)
    per_model: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    n: int = 0


class _Part:
    """A gzip JSON Lines file with a fixed header (mtime 0) so output is reproducible."""

    def __init__(self, path: Path, level: int) -> None:
        self.path = path
        self._raw = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._gz = gzip.GzipFile(
            filename="", fileobj=self._raw, mode="wb", compresslevel=level, mtime=0
        )
        self.n = 0

    def write(self, lines: list[bytes]) -> None:
        self._gz.write(b"".join(lines))

    def close(self) -> None:
        self._gz.close()
        self._raw.close()


_SECOND: list[Any] = [None, ""]


def _fmt(ms: int) -> str:
    sec, milli = divmod(ms, 1000)
    if _SECOND[0] != sec:
        _SECOND[0] = sec
        _SECOND[1] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
    return f"{_SECOND[1]}.{milli:03d}Z"


def _group(actor: Actor) -> str:
    return actor.campaign or actor.persona


def run_day(
    world: World,
    actors: list[Actor],
    day: int,
    out_dir: Path,
    *,
    level: int = 1,
    tick: Any = None,
) -> DayResult:
    """Write day ``day`` of the scenario into temporary part files under ``out_dir``.

    ``tick(n)`` is called now and then with the number of records written since the last
    call (for a progress bar).
    """
    day_start = world.day_start(day)
    day_end = day_start + DAY_MS
    seed = world.seed
    heap: list[tuple[Any, ...]] = []
    for actor in actors:
        replay_from = day_start - actor.behaviour.max_session_ms
        if actor.created_ms >= day_end or actor.end_ms <= replay_from:
            continue
        for sd in (day - 1, day):
            if sd < 0:
                continue
            rng = Random(derive_seed(seed, "schedule", actor.index, sd))
            starts = actor.behaviour.sessions(actor, world, sd, rng)
            for k, start in enumerate(starts):
                if start < actor.created_ms or start >= actor.end_ms or start >= day_end:
                    continue
                if sd < day and start < replay_from:
                    continue
                heap.append((start, actor.index, sd, k, -1, None))
    heapq.heapify(heap)

    result = DayResult(day)
    part: _Part | None = None
    lines: list[bytes] = []
    release = world.release_ms
    since = 0
    dumps = orjson.dumps
    while heap:
        ts, idx, sd, k, n, item = heapq.heappop(heap)
        actor = actors[idx]
        if item is None:
            # A session is due: start it and skip what it did before this day.
            rng = Random(derive_seed(seed, "session", idx, sd, k))
            gen = actor.behaviour.run(actor, world, ts, rng)
            for skipped, step in enumerate(gen):
                if step.ts_ms >= day_start:
                    entry = (max(step.ts_ms, ts), idx, sd, k, skipped, (gen, step))
                    heapq.heappush(heap, entry)
                    break
            continue
        gen, step = item
        if ts >= day_end or ts >= actor.end_ms:
            continue
        r = step.rendered
        ex_id = blake2b(f"{seed}:{idx}:{sd}:{k}:{n}".encode(), digest_size=10).hexdigest()
        record = {
            "id": "ex_" + ex_id,
            "ts": _fmt(ts),
            "account_id": actor.account_id,
            "request": r.request,
            "response": r.response,
            "endpoint": r.endpoint,
            "key_id": step.key_id,
            "ip": step.ip,
            "user_agent": actor.client.user_agent,
            "client_fingerprint": actor.client.fingerprint,
            "status": r.status,
            "latency_ms": r.latency_ms,
        }
        lines.append(dumps(record) + b"\n")
        result.per_account[idx] += 1
        model = r.request.get("model", "")
        phase = "before" if ts < release else ("first_24h" if ts < release + DAY_MS else "later")
        result.per_model[(_group(actor), phase, model)] += 1
        if part is None:
            part = _Part(out_dir / f".day-{day:04d}-{len(result.parts):03d}.jsonl.gz.tmp", level)
            result.parts.append(part.path.name)
        part.n += 1
        result.n += 1
        since += 1
        if len(lines) >= _FLUSH or part.n >= PART_RECORDS:
            part.write(lines)
            lines.clear()
            if tick is not None and since >= 10_000:
                tick(since)
                since = 0
            if part.n >= PART_RECORDS:
                part.close()
                part = None
        nxt = next(gen, None)
        if nxt is not None:
            heapq.heappush(heap, (max(nxt.ts_ms, ts), idx, sd, k, n + 1, (gen, nxt)))
    if part is not None:
        if lines:
            part.write(lines)
        part.close()
    if tick is not None and since:
        tick(since)
    return result
