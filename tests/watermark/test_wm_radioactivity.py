"""Radioactivity on the reference model: students trained with and without our text."""

from __future__ import annotations

import numpy as np
import pytest

from distillguard.watermark._grammar import procedural_corpus
from distillguard.watermark.keys import GLOBAL_ACCOUNT
from distillguard.watermark.kgw import KGWBias, KGWScheme
from distillguard.watermark.radioactivity import (
    closed_units,
    reading_units,
)
from distillguard.watermark.radioactivity import (
    test_radioactivity as run_test,
)
from distillguard.watermark.refmodel import NGramModel


@pytest.fixture(scope="module")
def setup(teacher, keyring):
    scheme = KGWScheme()
    key = keyring.account_key(GLOBAL_ACCOUNT, "kgw")
    control = keyring.account_key("__control__", "kgw")
    rng = np.random.default_rng(11)
    bias = KGWBias(scheme, key)
    start = teacher.tokenizer.encode("the")
    marked = [teacher.generate(start, 100, rng, bias=bias) for _ in range(150)]
    tok = teacher.tokenizer
    human = [np.asarray(tok.encode(d)) for d in procedural_corpus(8_000, seed=21)]
    probe = [np.asarray(tok.encode(d)) for d in procedural_corpus(400, seed=99)]
    return scheme, key, control, marked, human, probe


def _student(tok, human, marked, share: float) -> NGramModel:
    n_h = sum(len(x) for x in human)
    want = int(share * n_h / (1 - share))
    chosen, total = [], 0
    for seq in marked:
        if total >= want:
            break
        chosen.append(seq)
        total += len(seq)
    return NGramModel(tok).fit(ids=[*human, *chosen])


def test_open_mode_finds_student_trained_on_watermarked_text(setup, teacher) -> None:
    scheme, key, control, marked, human, probe = setup
    student = _student(teacher.tokenizer, human, marked, 0.15)
    units = reading_units(scheme, student.predict_top, probe, k=32, exclude_probe=False)
    result = run_test(scheme, units, key, control, "open", len(probe))
    assert result.radioactive(1e-5), result
    assert result.control.log10_p > -3


def test_clean_student_is_not_radioactive(setup, teacher) -> None:
    scheme, key, control, marked, human, probe = setup
    student = _student(teacher.tokenizer, human, marked, 0.0)
    units = reading_units(scheme, student.predict_top, probe, k=32, exclude_probe=False)
    result = run_test(scheme, units, key, control, "open", len(probe))
    assert result.test.log10_p > -2
    # a watermarked probe is usable too: its own units are dropped, so no false alarm
    units_w = reading_units(scheme, student.predict_top, marked[:30], k=16)
    assert run_test(scheme, units_w, key, control, "open", 30).test.log10_p > -2


def test_closed_mode_excludes_prompt_units(setup, teacher) -> None:
    scheme, key, control, marked, human, _ = setup
    student = _student(teacher.tokenizer, human, marked, 0.3)
    prompts = [m[:20] for m in marked[:20]]
    outs = [student.generate(p, 80, np.random.default_rng(i)) for i, p in enumerate(prompts)]
    units = closed_units(scheme, [p + o for p, o in zip(prompts, outs, strict=True)], prompts)
    for p in prompts:
        assert not np.isin(scheme.units(p).hashes, units.hashes).any()
    result = run_test(scheme, units, key, control, "closed", len(outs))
    assert result.test.score > result.test.expected
