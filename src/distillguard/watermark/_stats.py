"""Exact one-sided tail probabilities and multiple-testing corrections, in log space.

Watermark p-values of long texts are far below what a float can hold (1e-400 is common),
so every function here returns natural-log probabilities; callers convert to ``p`` and
``log10 p`` for display. Binomial tails are computed exactly by summing the log
probability mass from ``k`` to ``n`` (one ``logaddexp`` pass serves every ``k`` at once,
which is what scoring thousands of keys with the same ``n`` needs).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats

__all__ = [
    "binom_logsf",
    "gamma_logsf",
    "holm_log",
    "log_to_p",
]

_LN10 = math.log(10.0)


def binom_logsf(k: np.ndarray | int, n: int, p: float) -> np.ndarray:
    """``log P(X >= k)`` for ``X ~ Binomial(n, p)``, exact, elementwise over ``k``."""
    k_arr = np.asarray(k, dtype=np.int64)
    if n <= 0:
        return np.where(k_arr <= 0, 0.0, -np.inf)
    j = np.arange(n + 1, dtype=np.float64)
    logpmf = (
        special.gammaln(n + 1.0)
        - special.gammaln(j + 1.0)
        - special.gammaln(n - j + 1.0)
        + j * math.log(p)
        + (n - j) * math.log1p(-p)
    )
    tail = np.logaddexp.accumulate(logpmf[::-1])[::-1]
    tail = np.minimum(tail, 0.0)
    out = np.empty(k_arr.shape, dtype=np.float64)
    clipped = np.clip(k_arr, 0, n)
    out[...] = tail[clipped]
    out[k_arr <= 0] = 0.0
    out[k_arr > n] = -np.inf
    return out


def gamma_logsf(score: np.ndarray | float, n: int) -> np.ndarray:
    """``log P(S >= score)`` for ``S ~ Gamma(n, 1)`` (a sum of ``n`` unit exponentials)."""
    s = np.asarray(score, dtype=np.float64)
    if n <= 0:
        return np.where(s <= 0, 0.0, -np.inf)
    return np.minimum(stats.gamma.logsf(s, a=n), 0.0)


def holm_log(log_p: np.ndarray) -> np.ndarray:
    """Holm step-down adjusted log p-values (family-wise error), same order as the input."""
    lp = np.asarray(log_p, dtype=np.float64)
    m = lp.size
    if m == 0:
        return lp.copy()
    order = np.argsort(lp, kind="stable")
    factors = np.log(np.arange(m, 0, -1, dtype=np.float64))
    adjusted = np.maximum.accumulate(lp[order] + factors)
    adjusted = np.minimum(adjusted, 0.0)
    out = np.empty_like(lp)
    out[order] = adjusted
    return out


def log_to_p(log_p: float) -> tuple[float, float]:
    """``(p, log10 p)`` from a natural-log probability (``p`` may underflow to 0.0)."""
    if log_p == -math.inf:
        return 0.0, -math.inf
    return math.exp(log_p), log_p / _LN10
