"""What every watermark scheme shares: scored units, typed results and the detector core.

A scheme turns a text into *units*: key-independent 64-bit hashes of what it scores (a
context window plus a token for token-level schemes, a context word plus a substitution
class for the text-level scheme), each unit kept ONCE, so repeated n-grams, loops and
echoed prompts cannot inflate a score. The keyed part is a single broadcast over the
units, ``score_keys(seeds, units)``, used alike to test one account's key and to attribute
a corpus across 24,000 account keys. The same scheme object drives generation (its
processor or sampler holds it) and detection, so the two can never disagree.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from distillguard.errors import WatermarkError
from distillguard.watermark._prf import (
    combine,
    combine_int,
    list_labels,
    mix64,
    token_hash,
    token_hash_int,
    unique_u64,
)
from distillguard.watermark._stats import log_to_p
from distillguard.watermark.keys import AccountKey

__all__ = ["MAX_LISTS", "Detection", "Scheme", "TokenScheme", "Units"]

#: Largest bank of keyed green lists a token scheme accepts (``n_lists``).
MAX_LISTS = 1 << 20

#: Cells (keys x units) per broadcast block: ~2 MB arrays stay in cache, 3x faster than 32 MB.
_BLOCK_CELLS = 262_144


@dataclass(frozen=True, slots=True)
class Units:
    """Unique scored units of a text or corpus.

    ``hashes`` are distinct key-independent unit hashes; ``aux`` is a per-unit observation
    the score needs (the variant index seen, for the text scheme), or ``None``.
    ``n_seen`` counts candidate units before de-duplication and exclusion.
    """

    hashes: np.ndarray
    aux: np.ndarray | None = None
    n_seen: int = 0

    @property
    def n(self) -> int:
        return int(self.hashes.size)

    def minus(self, other: Units | np.ndarray | None) -> Units:
        """These units without those of ``other`` (e.g. units already present in a prompt)."""
        if other is None:
            return self
        drop = other.hashes if isinstance(other, Units) else np.asarray(other, dtype=np.uint64)
        if drop.size == 0 or self.n == 0:
            return self
        keep = ~np.isin(self.hashes, drop)
        aux = None if self.aux is None else self.aux[keep]
        return Units(self.hashes[keep], aux, self.n_seen)

    @staticmethod
    def merge(parts: Sequence[Units]) -> Units:
        """Union of several unit sets; a unit seen twice keeps its first observation."""
        if not parts:
            return Units(np.empty(0, dtype=np.uint64), None, 0)
        hashes = np.concatenate([p.hashes for p in parts])
        has_aux = parts[0].aux is not None
        aux = np.concatenate([p.aux for p in parts]) if has_aux else None  # type: ignore[misc]
        n_seen = sum(p.n_seen for p in parts)
        if aux is None:
            return Units(unique_u64(hashes), None, n_seen)
        uniq, first = np.unique(hashes, return_index=True)
        return Units(uniq, aux[first], n_seen)


@dataclass(frozen=True, slots=True)
class Detection:
    """Outcome of testing one key against a text: higher ``score`` = more watermark."""

    scheme: str
    account_id: str
    key_id: str
    n_scored: int
    n_seen: int
    score: float
    expected: float
    p_value: float
    log10_p: float

    def detected(self, alpha: float = 1e-6) -> bool:
        """True when the one-sided p-value is below ``alpha``."""
        return self.n_scored > 0 and self.log10_p < math.log10(alpha)


class Scheme(ABC):
    """A keyed watermark scheme: units from text, per-key scores, and their null tail."""

    #: Name used in key derivation (keys of different schemes are independent).
    name: str = "scheme"

    @abstractmethod
    def key_scores(self, seeds: np.ndarray, units: Units) -> np.ndarray:
        """Score of each key (``seeds``: uint64 array) over ``units``; float array."""

    @abstractmethod
    def null_logsf(self, scores: np.ndarray, n: int) -> np.ndarray:
        """Natural-log one-sided p-values of ``scores`` over ``n`` units under no watermark."""

    @abstractmethod
    def expected_score(self, n: int) -> float:
        """Mean score over ``n`` units without the watermark."""

    def scores_blocked(self, seeds: np.ndarray, units: Units) -> np.ndarray:
        """:meth:`key_scores` over many keys in blocks that bound memory."""
        seeds = np.asarray(seeds, dtype=np.uint64)
        if units.n == 0:
            return np.zeros(seeds.size, dtype=np.float64)
        block = max(1, _BLOCK_CELLS // max(units.n, 1))
        out = np.empty(seeds.size, dtype=np.float64)
        for start in range(0, seeds.size, block):
            out[start : start + block] = self.key_scores(seeds[start : start + block], units)
        return out

    def detect_units(self, units: Units, key: AccountKey) -> Detection:
        """Test one key against already extracted units."""
        if key.scheme != self.name:
            raise WatermarkError(f"key for scheme {key.scheme!r} used with {self.name!r}")
        score = float(self.key_scores(np.array([key.seed], dtype=np.uint64), units)[0])
        log_p = float(self.null_logsf(np.array([score]), units.n)[0]) if units.n else 0.0
        p, log10_p = log_to_p(log_p)
        return Detection(
            scheme=self.name,
            account_id=key.account_id,
            key_id=key.key_id,
            n_scored=units.n,
            n_seen=units.n_seen,
            score=score,
            expected=self.expected_score(units.n),
            p_value=p,
            log10_p=log10_p,
        )


class TokenScheme(Scheme):
    """Base of schemes keyed on (context window, token): KGW and Gumbel-max.

    ``context_width`` previous tokens seed each decision. With ``self_hash`` the context
    is reduced to the minimum token hash over the window *and the candidate token*
    (Kirchenbauer et al.'s self-hash/min-hash), which survives more local edits.
    With ``n_lists`` the context hash only selects one of ``n_lists`` keyed lists
    (``hash mod n_lists``): the unit becomes (list, token), so a key's decisions form a
    finite bank a generator can precompute, and units that share a list and a token are
    one unit (scored once, as the exact test requires). ``None`` keys every context
    separately.
    """

    def __init__(
        self, context_width: int = 1, self_hash: bool = False, n_lists: int | None = None
    ) -> None:
        if not isinstance(context_width, int) or not 1 <= context_width <= 16:
            raise WatermarkError("context_width must be an integer from 1 to 16")
        if n_lists is not None and (
            isinstance(n_lists, bool)
            or not isinstance(n_lists, int)
            or not 1 <= n_lists <= MAX_LISTS
        ):
            raise WatermarkError(f"n_lists must be None or an integer from 1 to {MAX_LISTS}")
        self.context_width = context_width
        self.self_hash = bool(self_hash)
        self.n_lists = n_lists
        self._cand_hashes = np.empty(0, dtype=np.uint64)
        self._labels = None if n_lists is None else list_labels(n_lists)
        self._n_lists_u64 = np.uint64(n_lists or 1)

    def _label(self, ctx: np.ndarray) -> np.ndarray:
        """Context hashes as the scheme keys them: the hash itself, or its list's label."""
        if self._labels is None:
            return ctx
        return self._labels[ctx % self._n_lists_u64]

    def slot(self, context_hash: int) -> int:
        """Index of the green list a context hash selects (0 when lists are per context)."""
        return context_hash % self.n_lists if self.n_lists else 0

    def context_hash(self, context: Sequence[int]) -> int:
        """Hash of the last ``context_width`` tokens (the min-hash anchor under self-hash)."""
        h = self.context_width
        if len(context) < h:
            raise WatermarkError(f"context needs at least {h} tokens")
        window = [token_hash_int(t) for t in context[-h:]]
        if self.self_hash:
            return min(window)
        ctx = 0
        for th in window:
            ctx = combine_int(ctx, th)
        return ctx

    def _candidates(self, vocab_size: int) -> np.ndarray:
        """Token hashes of ids ``0..vocab_size-1`` (kept for the last vocabulary size)."""
        if self._cand_hashes.size != vocab_size:
            self._cand_hashes = token_hash(np.arange(vocab_size, dtype=np.int64))
        return self._cand_hashes

    def _context_hash(self, window: np.ndarray) -> np.ndarray:
        """Hash of context windows, ``window`` shaped (..., context_width) of token hashes."""
        acc = np.zeros(window.shape[:-1], dtype=np.uint64)
        for j in range(window.shape[-1]):
            acc = combine(acc, window[..., j])
        return acc

    def unit_hashes(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Hash of every (context, token) position with a full context, in order (no dedup)."""
        arr = np.asarray(ids, dtype=np.int64)
        h = self.context_width
        if arr.size <= h:
            return np.empty(0, dtype=np.uint64)
        th = token_hash(arr)
        windows = np.lib.stride_tricks.sliding_window_view(th[:-1], h)
        cur = th[h:]
        if self.self_hash:
            anchor = np.minimum(windows.min(axis=1), cur)
            return combine(self._label(anchor), cur)
        return combine(self._label(self._context_hash(windows)), cur)

    def candidate_hashes(self, context: Sequence[int], vocab_size: int) -> np.ndarray:
        """Unit hashes of every candidate token ``0..vocab_size-1`` after ``context``."""
        ctx = self.context_hash(context)
        cand = self._candidates(vocab_size)
        if self.self_hash:
            anchor = np.minimum(np.full(1, ctx, dtype=np.uint64), cand)
            return combine(self._label(anchor), cand)
        return combine(self._label(np.full(1, ctx, dtype=np.uint64)), cand)

    def pair_hashes(self, windows: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Unit hashes of candidate tokens after given contexts.

        ``windows``: (N, context_width) token ids; ``candidates``: (N, k) token ids;
        returns (N, k) hashes, the units a model predicting ``candidates`` would produce.
        """
        win = token_hash(np.asarray(windows, dtype=np.int64))
        cand = token_hash(np.asarray(candidates, dtype=np.int64))
        if self.self_hash:
            anchor = np.minimum(win.min(axis=1)[:, None], cand)
            return combine(self._label(anchor), cand)
        ctx = self._label(self._context_hash(win))
        return combine(np.broadcast_to(ctx[:, None], cand.shape), cand)

    def units(
        self, ids: Sequence[int] | np.ndarray, exclude: Sequence[int] | np.ndarray | None = None
    ) -> Units:
        """Unique units of a token sequence, minus those of ``exclude`` (e.g. the prompt)."""
        hashes = self.unit_hashes(ids)
        units = Units(unique_u64(hashes), None, int(hashes.size))
        if exclude is not None and len(exclude) > 0:
            units = units.minus(unique_u64(self.unit_hashes(exclude)))
        return units

    def detect(
        self,
        ids: Sequence[int] | np.ndarray,
        key: AccountKey,
        exclude: Sequence[int] | np.ndarray | None = None,
    ) -> Detection:
        """Test ``key`` against token ids (``exclude``: prompt ids whose units don't count)."""
        return self.detect_units(self.units(ids, exclude), key)

    @staticmethod
    def keyed(seeds: np.ndarray, hashes: np.ndarray) -> np.ndarray:
        """Keyed 64-bit words for every (key, unit): shape (len(seeds), len(hashes))."""
        return mix64(np.asarray(seeds, dtype=np.uint64)[:, None] ^ hashes[None, :])
