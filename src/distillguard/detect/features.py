"""Behaviour features: ONE definition, fed one enriched exchange at a time.

:class:`Stats` holds additive counters (and bounded heavy-hitter summaries) over a stream
of enriched exchanges. The same object describes an account and, merged, a cluster; the
batch pass and the live executor both call :meth:`Stats.add`, so the features they see are
identical. Every counter is a plain window aggregate (count / sum / histogram / top-k over
the rows with ``ts <= t``), which is what lets a later executor compute them with SQL window
functions instead (see ``docs/detection.md``).

:func:`profile` turns counters into named shares in [0, 1] -- the features the policy
scores.
"""

from __future__ import annotations

import math
from operator import add
from typing import Any

from distillguard.detect.enrich import (
    CHAT,
    COT,
    DATAGEN,
    GRADE,
    REWRITE,
    SYSX,
    TAGS,
    TOOL,
    Enriched,
)

__all__ = ["EARLY_S", "N_KINDS", "Stats", "TopK", "profile"]

# An exchange's kind: bits 0-2 its coding / tool-use / reasoning tags, bit 3 its chat tag,
# bit 4 single-turn (see Stats.add); the tag bit layout is enrich.TAGS'
N_KINDS = 32

_HARVEST_TAGS = tuple(i for i, n in enumerate(TAGS) if n in ("coding", "tool_use", "reasoning"))
_HARVEST_MASK = sum(1 << i for i in _HARVEST_TAGS)
_DATAGEN = TAGS.index("datagen")
_STANDING_MASK = COT | GRADE | DATAGEN
# the indices of the bits set in each possible tag mask (Stats.add runs twice per exchange)
_BITS = tuple(tuple(i for i in range(len(TAGS)) if m >> i & 1) for m in range(1 << len(TAGS)))
_DAY = 86400.0
_GAP_CAP = 6 * 3600.0
#: an account's early life: sessions started within this long of its first request are
#: counted apart (a pace compared like with like: every account's first day)
EARLY_S = 86400.0


def _bits(mask: int, width: int) -> tuple[int, ...]:
    return tuple(i for i in range(width) if mask >> i & 1)


class TopK:
    """Heavy-hitter counts with a bounded dictionary.

    Keys are counted exactly while tracked; when more than ``cap`` keys are tracked, the
    rarest are dropped (a dropped key that comes back starts again from one). Every count
    is therefore a guaranteed LOWER bound of the key's true count, which is what the
    detector needs: a diverse stream never looks templated, a templated one keeps its
    template counted exactly. Amortised O(1) per key.
    """

    __slots__ = ("cap", "counts")

    def __init__(self, cap: int = 32) -> None:
        self.cap = cap
        self.counts: dict[int, int] = {}

    def add(self, key: int, weight: int = 1) -> None:
        counts = self.counts
        counts[key] = counts.get(key, 0) + weight
        if len(counts) > self.cap:
            self._prune()

    def _prune(self) -> None:
        counts = self.counts
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        self.counts = dict(ordered[: self.cap // 2])

    def merge(self, other: TopK) -> None:
        counts = self.counts
        for key, count in other.counts.items():
            counts[key] = counts.get(key, 0) + count
        if len(counts) > self.cap:
            self._prune()

    def low(self, key: int) -> int:
        """Guaranteed lower bound of ``key``'s count (0 when not tracked)."""
        return self.counts.get(key, 0)

    def top(self) -> tuple[int, int]:
        """(key, lower-bound count) of the heaviest key, (0, 0) when empty."""
        if not self.counts:
            return 0, 0
        key = max(self.counts, key=lambda x: (self.counts[x], -x))
        return key, self.counts[key]

    def top_count(self) -> int:
        """Lower-bound count of the heaviest key (0 when empty)."""
        return max(self.counts.values()) if self.counts else 0

    def heavy(self, total: int, share: float) -> set[int]:
        """Keys certain to cover at least ``share`` of ``total``."""
        need = share * total
        return {k for k, c in self.counts.items() if k and c >= need}


class KeyCounts:
    """How often each key occurred over a whole stream, in bounded memory.

    Exact while at most ``cap`` distinct keys are held; past that the rarest keys are
    forgotten (lossy counting), so every count is a lower bound and only keys that were
    rare when forgotten are undercounted. Amortised O(1) per key.
    """

    __slots__ = ("cap", "counts", "floor")

    def __init__(self, cap: int = 1 << 18) -> None:
        self.cap = cap
        self.counts: dict[int, int] = {}
        self.floor = 0  # keys with at most this count may have been forgotten

    def add(self, key: int) -> None:
        counts = self.counts
        counts[key] = counts.get(key, 0) + 1
        if len(counts) > self.cap:
            while len(counts) > self.cap // 2:
                self.floor += 1
                floor = self.floor
                counts = {k: c for k, c in counts.items() if c > floor}
            self.counts = counts

    def get(self, key: int) -> int:
        """Lower bound of ``key``'s count."""
        return self.counts.get(key, 0)


class Stats:
    """Additive behaviour counters of one account or one cluster."""

    __slots__ = (
        "bias",
        "days",
        "early_starts",
        "first_ts",
        "gap_n",
        "gap_s",
        "gap_ss",
        "hours",
        "last_ts",
        "n",
        "n_avail",
        "n_cot",
        "n_grade",
        "n_harvest",
        "n_kind",
        "n_new",
        "n_probe",
        "n_rewrite",
        "n_sat",
        "n_single",
        "n_standing",
        "n_sysx",
        "n_tag",
        "prefix",
        "starts",
        "suffix",
    )

    def __init__(self) -> None:
        self.n = 0
        self.first_ts = math.inf
        self.last_ts = -math.inf
        self.n_cot = self.n_grade = self.n_probe = self.n_rewrite = 0
        self.n_sat = self.n_single = self.n_sysx = self.n_harvest = 0
        # exchanges whose payload (reasoning trace, grading, training data) a SYSTEM prompt
        # asks for: a standing instruction of the product the requests come through
        self.n_standing = 0
        # sent while a newly released model was in its first days / sent to that model
        self.n_avail = self.n_new = 0
        self.n_tag = [0] * len(TAGS)
        # exchanges per KIND: the joint of the capability tags (coding, tool use, reasoning,
        # chat) and single-turn, which are strongly dependent (see :func:`kind`)
        self.n_kind = [0] * N_KINDS
        self.hours = [0] * 24
        # session starts per 4-hour block of the UTC day: when someone sits down to work is
        # one observation per session, not one per exchange (a session's exchanges share it)
        self.starts = [0] * 6
        self.early_starts = 0
        self.days: set[int] = set()
        self.gap_n = 0
        self.gap_s = 0.0
        self.gap_ss = 0.0
        self.prefix = TopK()
        self.suffix = TopK()
        self.bias = TopK()

    def add(
        self, ts: float, e: Enriched, sat_tokens: int, start: bool = False, fresh: int = 0
    ) -> None:
        """Fold one enriched exchange (time ``ts`` in epoch seconds) into the counters.

        ``start`` marks the first exchange of one of the account's sessions (the caller
        knows the account's own previous exchange; a cluster's counters are the sum of its
        accounts', so they are passed the account's flag). ``fresh`` is 1 when a newly
        released model was available at ``ts`` and 2 when the exchange went to it.
        """
        self.n += 1
        if self.n > 1:
            gap = min(max(ts - self.last_ts, 0.0), _GAP_CAP)
            self.gap_n += 1
            self.gap_s += gap
            self.gap_ss += gap * gap
        else:
            self.first_ts = ts
        self.last_ts = ts
        tags = e.tags
        n_tag = self.n_tag
        for i in _BITS[tags] if tags < len(_BITS) else _bits(tags, len(n_tag)):
            n_tag[i] += 1
        if tags & COT:
            self.n_cot += 1
        if tags & GRADE:
            self.n_grade += 1
        if tags & (REWRITE | SYSX):
            self.n_rewrite += 1 if tags & REWRITE else 0
            self.n_sysx += 1 if tags & SYSX else 0
        if tags & _HARVEST_MASK:
            self.n_harvest += 1
        if e.sys_tags & _STANDING_MASK:
            self.n_standing += 1
        if e.probe:
            self.n_probe += 1
        if e.truncated or (sat_tokens and e.max_tokens >= sat_tokens):
            self.n_sat += 1
        single = e.depth <= 2 and not tags & TOOL
        if single:
            self.n_single += 1
        self.n_kind[(tags & 7) | (8 if tags & CHAT else 0) | (16 if single else 0)] += 1
        if fresh:
            self.n_avail += 1
            if fresh == 2:
                self.n_new += 1
        hour = int(ts // 3600) % 24
        self.hours[hour] += 1
        if start:
            self.starts[hour >> 2] += 1
            if ts - self.first_ts <= EARLY_S:
                self.early_starts += 1
        if len(self.days) < 64:
            self.days.add(int(ts // _DAY))
        self.prefix.add(e.prefix_key)
        self.suffix.add(e.suffix_key)
        if e.bias_key:
            self.bias.add(e.bias_key)

    def merge(self, other: Stats) -> None:
        """Add another stream's counters (cluster = sum of its accounts)."""
        self.merge_scalars(other)
        self.prefix.merge(other.prefix)
        self.suffix.merge(other.suffix)
        self.bias.merge(other.bias)

    def merge_scalars(self, other: Stats) -> None:
        """Add another stream's counters except the template summaries."""
        if len(self.days) < 64:
            self.days |= other.days
        self.n += other.n
        if other.first_ts < self.first_ts:
            self.first_ts = other.first_ts
        if other.last_ts > self.last_ts:
            self.last_ts = other.last_ts
        # spelled out (not a getattr / setattr loop): a cluster re-score merges every core
        # member's counters
        self.n_cot += other.n_cot
        self.n_grade += other.n_grade
        self.n_probe += other.n_probe
        self.n_rewrite += other.n_rewrite
        self.n_sat += other.n_sat
        self.n_single += other.n_single
        self.n_sysx += other.n_sysx
        self.n_harvest += other.n_harvest
        self.n_standing += other.n_standing
        self.n_avail += other.n_avail
        self.n_new += other.n_new
        self.early_starts += other.early_starts
        self.gap_n += other.gap_n
        self.gap_s += other.gap_s
        self.gap_ss += other.gap_ss
        self.n_tag = list(map(add, self.n_tag, other.n_tag))
        self.n_kind = list(map(add, self.n_kind, other.n_kind))
        self.hours = list(map(add, self.hours, other.hours))
        self.starts = list(map(add, self.starts, other.starts))


def profile(s: Stats) -> dict[str, Any]:
    """Named feature shares in [0, 1] (plus raw sizes) of a counter set."""
    n = max(s.n, 1)
    harvest_top = max(s.n_tag[i] for i in _HARVEST_TAGS) / n
    template = max(s.prefix.top_count(), s.suffix.top_count()) / n
    # an hour counts as active when it holds a quarter of an even share of the traffic: a
    # script runs flat round the clock; many people together touch every hour too, but
    # their night hours stay far below their evenings
    floor = 0.25 * s.n / 24.0
    active_hours = sum(1 for h in s.hours if h and h >= floor)
    span_days = max(0.0, s.last_ts - s.first_ts) / _DAY if s.n > 1 else 0.0
    if s.gap_n >= 2:
        mean = s.gap_s / s.gap_n
        var = max(s.gap_ss / s.gap_n - mean * mean, 0.0)
        cv = math.sqrt(var) / mean if mean > 0 else 0.0
    else:
        cv = 1.0
    return {
        "n": float(s.n),
        "cot": s.n_cot / n,
        "grading": s.n_grade / n,
        "rewrite_probe": s.n_rewrite / n,
        "sys_extract": s.n_sysx / n,
        "datagen": s.n_tag[_DATAGEN] / n,
        "harvest": s.n_harvest / n,
        "harvest_top": harvest_top,
        "template": template,
        "single_turn": s.n_single / n,
        "saturation": s.n_sat / n,
        "probe": s.n_probe / n,
        "active_hours": active_hours / 24.0,
        "span_days": span_days,
        "n_days": float(len(s.days)),
        "gap_cv": cv,
        "bias_repeat": s.bias.top_count() / max(s.n_probe, 1),
        # share of the requests sent in a new model's first days that went to it
        "new_model": s.n_new / s.n_avail if s.n_avail >= 5 else 0.0,
        "tags": [c / n for c in s.n_tag],
    }
