"""Exact tails and corrections against independent references."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from distillguard.watermark._stats import binom_logsf, gamma_logsf, holm_log


def test_binomial_tail_matches_scipy_where_scipy_is_accurate() -> None:
    n, p = 200, 0.25
    k = np.arange(0, 201, 7)
    ours = binom_logsf(k, n, p)
    ref = stats.binom.logsf(k - 1, n, p)
    assert np.allclose(ours, ref, rtol=1e-9, atol=1e-12)


def test_binomial_tail_far_below_float_range() -> None:
    # P(X >= n) = p ** n exactly
    assert math.isclose(float(binom_logsf(5000, 5000, 0.25)), 5000 * math.log(0.25), rel_tol=1e-12)
    assert float(binom_logsf(0, 10, 0.5)) == 0.0
    assert float(binom_logsf(11, 10, 0.5)) == -math.inf


def test_gamma_tail() -> None:
    assert math.isclose(float(gamma_logsf(3.0, 1)), -3.0, rel_tol=1e-12)


def test_holm_matches_definition() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.5])
    adj = np.exp(holm_log(np.log(p)))
    # sorted: .01*4=.04, .03*3=.09, .04*2=.08->max .09, .5*1=.5
    assert np.allclose(adj, [0.04, 0.09, 0.09, 0.5])
