"""Distortion-free Gumbel-max watermark (Aaronson 2022): sampler and detector.

For each (context, candidate token) the keyed hash gives ``r`` uniform on (0, 1); the
sampler emits ``argmax r_i ** (1 / p_i)``, which is an exact sample from ``p`` over the
randomness of the key, so the text distribution is unchanged. Detection sums
``-log(1 - r)`` over unique units: ``Gamma(n, 1)`` without the watermark, larger with it.
A context already seen in the same generation is sampled with ordinary randomness
instead, so a repeated context cannot lock the model into a loop.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from distillguard.errors import WatermarkError
from distillguard.watermark._prf import to_unit
from distillguard.watermark._stats import gamma_logsf
from distillguard.watermark.keys import AccountKey
from distillguard.watermark.scheme import TokenScheme, Units

__all__ = ["GumbelSampler", "GumbelScheme"]

_TINY = 1e-300


class GumbelScheme(TokenScheme):
    """Gumbel-max scheme keyed on the previous ``context_width`` tokens."""

    name = "gumbel"

    def __init__(self, context_width: int = 3, self_hash: bool = False) -> None:
        super().__init__(context_width, self_hash)

    def __repr__(self) -> str:
        return f"GumbelScheme(context_width={self.context_width}, self_hash={self.self_hash})"

    def uniforms(self, key: AccountKey, context: Sequence[int], vocab_size: int) -> np.ndarray:
        """Keyed uniforms ``r`` of every candidate token after ``context``."""
        hashes = self.candidate_hashes(context, vocab_size)
        return to_unit(self.keyed(np.array([key.seed], dtype=np.uint64), hashes)[0])

    def key_scores(self, seeds: np.ndarray, units: Units) -> np.ndarray:
        r = to_unit(self.keyed(seeds, units.hashes))
        return (-np.log1p(-r)).sum(axis=1)

    def null_logsf(self, scores: np.ndarray, n: int) -> np.ndarray:
        return gamma_logsf(scores, n)

    def expected_score(self, n: int) -> float:
        return float(n)


class GumbelSampler:
    """Generation side for one key: ``sample(context, probs) -> token id``.

    Call :meth:`reset` between generations; it forgets which contexts were used.
    """

    def __init__(self, scheme: GumbelScheme, key: AccountKey, seed: int = 0) -> None:
        if key.scheme != scheme.name:
            raise WatermarkError(f"key for scheme {key.scheme!r} used with {scheme.name!r}")
        self.scheme = scheme
        self.key = key
        self._rng = np.random.default_rng(seed)
        self._seen: set[tuple[int, ...]] = set()

    def reset(self) -> None:
        self._seen.clear()

    def sample(self, context: Sequence[int], probs: np.ndarray) -> int:
        p = np.asarray(probs, dtype=np.float64)
        h = self.scheme.context_width
        ctx = tuple(int(t) for t in context[-h:])
        if len(context) < h or ctx in self._seen:
            return int(self._rng.choice(p.size, p=p / p.sum()))
        self._seen.add(ctx)
        r = self.scheme.uniforms(self.key, ctx, p.size)
        with np.errstate(divide="ignore"):
            score = np.log(np.maximum(r, _TINY)) / np.where(p > 0, p, np.nan)
        score = np.where(p > 0, score, -np.inf)
        return int(np.argmax(score))
