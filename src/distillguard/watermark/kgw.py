"""KGW green-list watermark (Kirchenbauer et al. 2023): scheme, NumPy bias and detector.

For each (context, candidate token) the keyed hash decides whether the token is *green*
(probability ``gamma``); generation adds ``delta`` to green logits; detection counts green
units and takes the exact binomial tail ``P(Binomial(n, gamma) >= greens)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from distillguard.errors import WatermarkError
from distillguard.watermark._stats import binom_logsf
from distillguard.watermark.keys import AccountKey
from distillguard.watermark.scheme import TokenScheme, Units

__all__ = ["KGWBias", "KGWScheme"]


class KGWScheme(TokenScheme):
    """Green-list scheme: ``gamma`` green fraction, ``delta`` logit boost."""

    name = "kgw"

    def __init__(
        self,
        gamma: float = 0.25,
        delta: float = 2.0,
        context_width: int = 1,
        self_hash: bool = False,
    ) -> None:
        super().__init__(context_width, self_hash)
        if not 0.0 < gamma < 1.0:
            raise WatermarkError("gamma must be in (0, 1)")
        if not delta >= 0.0:
            raise WatermarkError("delta must be >= 0")
        self.gamma = float(gamma)
        self.delta = float(delta)
        self._threshold = np.uint64(min(int(self.gamma * 2.0**64), 2**64 - 1))

    def __repr__(self) -> str:
        return (
            f"KGWScheme(gamma={self.gamma}, delta={self.delta}, "
            f"context_width={self.context_width}, self_hash={self.self_hash})"
        )

    def green_mask(self, key: AccountKey, context: Sequence[int], vocab_size: int) -> np.ndarray:
        """Boolean green list over the vocabulary after ``context``."""
        hashes = self.candidate_hashes(context, vocab_size)
        seeds = np.array([key.seed], dtype=np.uint64)
        return self.keyed(seeds, hashes)[0] < self._threshold

    def is_green(self, key: AccountKey, ids: Sequence[int]) -> np.ndarray:
        """Green flag of every position of ``ids`` with a full context (no de-duplication)."""
        hashes = self.unit_hashes(ids)
        return self.keyed(np.array([key.seed], dtype=np.uint64), hashes)[0] < self._threshold

    def bias(self, logits: np.ndarray, context: Sequence[int], key: AccountKey) -> np.ndarray:
        """A copy of one logits row with ``delta`` added to the green tokens (any engine)."""
        row = np.asarray(logits, dtype=np.float64)
        if row.ndim != 1:
            raise WatermarkError("bias expects one logits row (1-D)")
        return row + self.delta * self.green_mask(key, context, row.size)

    def key_scores(self, seeds: np.ndarray, units: Units) -> np.ndarray:
        greens = self.keyed(seeds, units.hashes) < self._threshold
        return greens.sum(axis=1).astype(np.float64)

    def null_logsf(self, scores: np.ndarray, n: int) -> np.ndarray:
        return binom_logsf(np.rint(scores).astype(np.int64), n, self.gamma)

    def expected_score(self, n: int) -> float:
        return self.gamma * n


class KGWBias:
    """Generation side of KGW for one key: ``bias(context, logits) -> logits``.

    Holds the scheme and the key and caches the boost vectors of recent contexts (a model
    revisits the same contexts constantly; the cache is emptied when it reaches
    ``cache_size``), so the per-token cost is one dictionary lookup and one vector addition.
    """

    def __init__(self, scheme: KGWScheme, key: AccountKey, cache_size: int = 4096) -> None:
        if key.scheme != scheme.name:
            raise WatermarkError(f"key for scheme {key.scheme!r} used with {scheme.name!r}")
        self.scheme = scheme
        self.key = key
        self._h = scheme.context_width
        self._cache: dict[object, np.ndarray] = {}
        self._cache_size = cache_size

    def boost(self, context: Sequence[int], vocab_size: int) -> np.ndarray:
        """The additive ``delta * green`` vector after ``context`` (cached per context)."""
        h = self._h
        ctx: object = context[-1] if h == 1 else tuple(context[-h:])
        hit = self._cache.get(ctx)
        if hit is not None and hit.shape[0] == vocab_size:
            return hit
        window = [context[-1]] if h == 1 else list(context[-h:])
        vec = self.scheme.green_mask(self.key, window, vocab_size) * self.scheme.delta
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[ctx] = vec
        return vec

    def __call__(self, context: Sequence[int], logits: np.ndarray) -> np.ndarray:
        h = self._h
        if len(context) < h:
            return logits
        vec = self._cache.get(context[-1] if h == 1 else tuple(context[-h:]))
        if vec is None or vec.shape[0] != logits.shape[-1]:
            vec = self.boost(context, logits.shape[-1])
        return logits + vec
