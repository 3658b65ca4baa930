"""Attribution across many account keys with Holm correction."""

from __future__ import annotations

import numpy as np
import pytest

from distillguard.errors import WatermarkError
from distillguard.watermark._grammar import WORD_CLASSES
from distillguard.watermark.attribution import attribute
from distillguard.watermark.kgw import KGWBias, KGWScheme
from distillguard.watermark.textmark import TextWatermarker

ACCOUNTS = [f"acct-{i:05d}" for i in range(3000)]


def test_text_corpus_attributed_to_the_right_account(keyring) -> None:
    tw = TextWatermarker(keyring)
    nouns = WORD_CLASSES["noun"][:60]
    texts = [
        f"The {w} color and the {w} center moved {w} toward the {w} behavior, often big."
        for w in nouns
    ]
    marked = [tw.apply(t, "acct-01234", strength=2.0).text for t in texts]
    units = tw.units(marked, strength=2.0)
    result = attribute(tw.scheme, units, keyring, ACCOUNTS)
    assert result.n_keys == len(ACCOUNTS)
    assert result.best is not None and result.best.account_id == "acct-01234"
    assert [k.account_id for k in result.significant(1e-3)] == ["acct-01234"]
    assert result.best.p_corrected >= result.best.p_value


def test_kgw_attribution_and_rotation(keyring, teacher) -> None:
    ring = type(keyring)({"old": b"o" * 32, "new": b"n" * 32}, active="old")
    scheme = KGWScheme()
    key = ring.account_key("acct-00077", "kgw")
    ids = teacher.generate([300], 150, np.random.default_rng(2), bias=KGWBias(scheme, key))
    units = scheme.units(ids)
    result = attribute(scheme, units, ring, ACCOUNTS[:500])
    assert result.n_keys == 1000
    top = result.best
    assert (top.account_id, top.key_id) == ("acct-00077", "old")
    assert len(result.significant(1e-6)) == 1


def test_no_false_attribution_over_many_other_corpora(keyring, teacher) -> None:
    scheme = KGWScheme()
    outsider = type(keyring)({"x": b"x" * 32})
    seeds = keyring.seeds(ACCOUNTS[:1000], "kgw")
    false_hits = 0
    for i in range(40):
        key = outsider.account_key(f"other-{i}", "kgw")
        bias = KGWBias(scheme, key) if i % 2 else None
        ids = teacher.generate([300 + i], 120, np.random.default_rng(i), bias=bias)
        result = attribute(scheme, scheme.units(ids), keyring, ACCOUNTS[:1000], seeds=seeds)
        false_hits += len(result.significant(0.01))
    assert false_hits <= 1


def test_attribution_argument_errors(keyring) -> None:
    tw = TextWatermarker(keyring)
    units = tw.units("toward the center")
    with pytest.raises(WatermarkError):
        attribute(tw.scheme, units, keyring, [])
    with pytest.raises(WatermarkError):
        attribute(tw.scheme, units, keyring, ["a"], correction="none")
    empty = attribute(tw.scheme, tw.units("no sites here"), keyring, ["a", "b"])
    assert empty.n_scored == 0 and empty.significant(0.5) == []
