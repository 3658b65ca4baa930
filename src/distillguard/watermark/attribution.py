"""Attribution: which account keys does a corpus carry, corrected for testing many keys.

Scoring is one vectorised pass of the scheme's keyed hash over (keys x unique units), in
blocks that bound memory, so 24,000 keys cost a few hundred milliseconds for a typical
corpus. Every (account, key id) pair is one hypothesis; the p-values are adjusted with
Holm's step-down method (or Bonferroni), which controls the chance of *any* false
attribution across the whole key set.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from distillguard.errors import WatermarkError
from distillguard.watermark._stats import holm_log, log_to_p
from distillguard.watermark.keys import Keyring
from distillguard.watermark.scheme import Scheme, Units

__all__ = ["Attribution", "KeyScore", "attribute"]

_LN10 = math.log(10.0)


@dataclass(frozen=True, slots=True)
class KeyScore:
    """One tested key: its raw and corrected one-sided p-values."""

    account_id: str
    key_id: str
    score: float
    expected: float
    p_value: float
    log10_p: float
    p_corrected: float
    log10_p_corrected: float

    def to_dict(self) -> dict[str, object]:
        return {
            "account_id": self.account_id,
            "key_id": self.key_id,
            "score": self.score,
            "expected": self.expected,
            "p_value": self.p_value,
            "log10_p": _finite(self.log10_p),
            "p_corrected": self.p_corrected,
            "log10_p_corrected": _finite(self.log10_p_corrected),
        }


def _finite(x: float) -> float | None:
    return None if math.isinf(x) else round(x, 4)


@dataclass(frozen=True, slots=True)
class Attribution:
    """Result of testing a corpus against many keys, best match first."""

    scheme: str
    n_keys: int
    n_scored: int
    n_seen: int
    correction: str
    ranked: list[KeyScore]

    def significant(self, alpha: float = 1e-6) -> list[KeyScore]:
        """Keys whose corrected p-value is below ``alpha``."""
        bound = math.log10(alpha)
        return [k for k in self.ranked if k.log10_p_corrected < bound]

    @property
    def best(self) -> KeyScore | None:
        return self.ranked[0] if self.ranked else None


def attribute(
    scheme: Scheme,
    units: Units,
    keyring: Keyring,
    account_ids: Sequence[str],
    key_ids: Sequence[str] | None = None,
    correction: str = "holm",
    top: int | None = 50,
    seeds: np.ndarray | None = None,
) -> Attribution:
    """Test ``units`` against every account's key under every ``key_ids`` (default: all).

    ``seeds`` may pass precomputed seeds (``len(key_ids) * len(account_ids)``, key-id
    major) to skip key derivation when one key set is tested against many corpora.
    Only the ``top`` best keys are returned (``None``: all).
    """
    if correction not in ("holm", "bonferroni"):
        raise WatermarkError("correction must be 'holm' or 'bonferroni'")
    accounts = list(account_ids)
    if not accounts:
        raise WatermarkError("attribution needs at least one account")
    kids = list(key_ids) if key_ids is not None else keyring.key_ids
    if seeds is None:
        seeds = np.concatenate([keyring.seeds(accounts, scheme.name, k) for k in kids])
    m = seeds.size
    if m != len(accounts) * len(kids):
        raise WatermarkError("seeds do not match the accounts and key ids")
    scores = scheme.scores_blocked(seeds, units)
    log_p = scheme.null_logsf(scores, units.n) if units.n else np.zeros(m)
    log_adj = holm_log(log_p) if correction == "holm" else np.minimum(log_p + math.log(m), 0.0)
    order = np.lexsort((np.arange(m), log_p))
    if top is not None:
        order = order[:top]
    expected = scheme.expected_score(units.n)
    ranked: list[KeyScore] = []
    for i in order:
        p, l10 = log_to_p(float(log_p[i]))
        pc, l10c = log_to_p(float(log_adj[i]))
        ranked.append(
            KeyScore(
                account_id=accounts[i % len(accounts)],
                key_id=kids[i // len(accounts)],
                score=float(scores[i]),
                expected=expected,
                p_value=p,
                log10_p=l10,
                p_corrected=pc,
                log10_p_corrected=l10c,
            )
        )
    return Attribution(scheme.name, m, units.n, units.n_seen, correction, ranked)
