"""KGW and Gumbel-max on the reference model: round trips, null behaviour, de-duplication."""

from __future__ import annotations

import numpy as np
import pytest

from distillguard.errors import WatermarkError
from distillguard.watermark.engines import (
    HFGumbelLogitsProcessor,
    HFKGWLogitsProcessor,
    VLLMKGWLogitsProcessor,
)
from distillguard.watermark.gumbel import GumbelSampler, GumbelScheme
from distillguard.watermark.keys import Keyring
from distillguard.watermark.kgw import KGWBias, KGWScheme
from distillguard.watermark.refmodel import NGramModel, reference_tokenizer

SCHEMES = [
    KGWScheme(0.25, 2.0, 1),
    KGWScheme(0.25, 2.0, 2, self_hash=True),
    GumbelScheme(3),
]


def _generate(model: NGramModel, scheme, key, n: int, seed: int) -> list[int]:
    rng = np.random.default_rng(seed)
    prompt = model.tokenizer.encode("the")
    if isinstance(scheme, KGWScheme):
        return model.generate(prompt, n, rng, bias=KGWBias(scheme, key))
    return model.generate(prompt, n, rng, sampler=GumbelSampler(scheme, key, seed).sample)


@pytest.mark.parametrize("scheme", SCHEMES, ids=repr)
def test_round_trip_generate_then_detect_from_text(scheme, teacher, keyring) -> None:
    key = keyring.account_key("acct-7", scheme.name)
    ids = _generate(teacher, scheme, key, 200, seed=3)
    text = teacher.tokenizer.decode(ids)
    again = teacher.tokenizer.encode(text)
    assert again == ids
    found = scheme.detect(again, key)
    assert found.detected(1e-6), found
    other = scheme.detect(again, keyring.account_key("acct-8", scheme.name))
    assert not other.detected(1e-3)


@pytest.mark.parametrize("scheme", SCHEMES, ids=repr)
def test_unwatermarked_text_is_not_detected(scheme, teacher, keyring) -> None:
    key = keyring.account_key("acct-7", scheme.name)
    pvals = []
    for seed in range(200):
        ids = teacher.generate([teacher.tokenizer.encode("a")[0]], 60, np.random.default_rng(seed))
        pvals.append(scheme.detect(ids, key).p_value)
    pvals = np.array(pvals)
    # at most a handful below 0.05 (expected 10) and none below 1e-4
    assert (pvals < 0.05).sum() <= 22
    assert (pvals < 1e-4).sum() == 0
    # roughly uniform: not all large either (a broken test that always says 1.0 fails)
    assert (pvals < 0.5).sum() >= 60


def test_repeated_ngrams_and_echoed_prompt_do_not_inflate(teacher, keyring) -> None:
    scheme = KGWScheme()
    key = keyring.account_key("acct-7", "kgw")
    ids = _generate(teacher, scheme, key, 80, seed=5)
    once = scheme.detect(ids, key)
    many = scheme.detect(ids * 30, key)
    assert many.n_scored <= once.n_scored + 1  # only the join between copies is new
    assert many.log10_p >= once.log10_p - 1.0
    # a response that echoes a watermarked prompt gains nothing from the echo
    fresh = teacher.generate([ids[-1]], 40, np.random.default_rng(9))
    echoed = ids + fresh
    scored = scheme.detect(echoed, key, exclude=ids)
    assert scored.n_scored <= len(fresh)
    assert not scored.detected(1e-3)


def test_numpy_bias_and_cached_bias_agree(teacher, keyring) -> None:
    scheme = KGWScheme()
    key = keyring.account_key("acct-7", "kgw")
    row = teacher.logits([300])
    direct = scheme.bias(np.nan_to_num(row, neginf=-1e9), [300], key)
    cached = KGWBias(scheme, key)([300], np.nan_to_num(row, neginf=-1e9))
    assert np.allclose(direct, cached)
    mask = scheme.green_mask(key, [300], row.size)
    assert abs(mask.mean() - 0.25) < 0.08
    vllm = VLLMKGWLogitsProcessor(scheme, key)
    assert np.allclose(vllm([300], np.zeros(row.size)), 2.0 * mask)
    assert np.allclose(vllm([1], [300], np.zeros(row.size)), 2.0 * mask)


def test_invalid_parameters_raise() -> None:
    with pytest.raises(WatermarkError):
        KGWScheme(gamma=1.5)
    with pytest.raises(WatermarkError):
        GumbelScheme(context_width=0)
    with pytest.raises(WatermarkError):
        KGWScheme().bias(np.zeros((2, 3)), [1], Keyring.generate().account_key("a", "kgw"))


def test_key_of_wrong_scheme_is_refused(keyring) -> None:
    with pytest.raises(WatermarkError):
        KGWScheme().detect([1, 2, 3], keyring.account_key("a", "gumbel"))


def test_tokenizer_byte_fallback_round_trip() -> None:
    tok = reference_tokenizer()
    ids = tok.encode("the river zzyzx, found.")
    assert tok.decode(ids) == "the river zzyzx, found."


def test_hf_processors_with_torch(teacher, keyring) -> None:
    torch = pytest.importorskip("torch", reason="torch is the optional 'ml' extra")
    scheme = KGWScheme()
    key = keyring.account_key("acct-7", "kgw")
    proc = HFKGWLogitsProcessor(scheme, key)
    v = teacher.tokenizer.vocab_size
    out = proc(torch.tensor([[5, 300], [5, 301]]), torch.zeros(2, v))
    assert torch.allclose(out[0].double(), torch.from_numpy(2.0 * scheme.green_mask(key, [300], v)))
    g = HFGumbelLogitsProcessor(GumbelScheme(1), keyring.account_key("a", "gumbel"))
    one = g(torch.tensor([[300]]), torch.zeros(1, v))
    assert int(torch.isfinite(one).sum()) == 1


def test_vllm_processor_reads_only_the_context_window(keyring) -> None:
    """The vLLM adapter takes the last ``context_width`` ids across prompt and output."""
    scheme = KGWScheme(context_width=3)
    key = keyring.account_key("acct-9", "kgw")
    v = 400
    proc = VLLMKGWLogitsProcessor(scheme, key)
    zeros = np.zeros(v)
    want = 2.0 * scheme.green_mask(key, [7, 8, 9], v)
    long_prompt = [*range(50_000), 7]
    assert np.allclose(proc(long_prompt, [8, 9], zeros), want)
    assert np.allclose(proc([1, 7, 8], [9], zeros), want)
    assert np.allclose(proc([], [5, 7, 8, 9], zeros), want)
    assert np.allclose(proc([9], [], zeros), zeros)  # too short a context: unchanged
