"""KGW green-list banks: the generator's precomputed lists are the detector's decisions.

The bank is a speed device, so these tests pin what must not change with it: every boost
row equals the keyed decision the detector takes for the same (list, token) units, units
sharing a list and a token count once, and under a random key the green count of a fixed
text stays Binomial(n, gamma) (mean and variance; dependent units would inflate it).
"""

from __future__ import annotations

import numpy as np
import pytest

from distillguard.cli import main
from distillguard.errors import WatermarkError
from distillguard.watermark.kgw import KGWBias, KGWScheme

BANKED = [
    KGWScheme(),
    KGWScheme(0.25, 2.0, 2),
    KGWScheme(0.25, 2.0, 2, self_hash=True),
    KGWScheme(0.5, 1.0, 3, n_lists=7),
    KGWScheme(0.25, 2.0, 1, n_lists=1),
    KGWScheme(0.25, 2.0, 2, self_hash=True, n_lists=None),
    KGWScheme(n_lists=None),
]


def _contexts(width: int, vocab: int, n: int, seed: int) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, vocab, width + int(rng.integers(0, 3))).tolist() for _ in range(n)]


@pytest.mark.parametrize("scheme", BANKED, ids=repr)
def test_bank_rows_are_the_detectors_decisions(scheme, keyring) -> None:
    key = keyring.account_key("acct-1", "kgw")
    vocab = 700
    seed = np.array([key.seed], dtype=np.uint64)
    bias = KGWBias(scheme, key)
    for context in _contexts(scheme.context_width, vocab, 40, seed=1):
        expected = scheme.green(seed, scheme.candidate_hashes(context, vocab))[0]
        assert np.array_equal(scheme.green_mask(key, context, vocab), expected)
        assert np.array_equal(bias.boost(context, vocab), scheme.delta * expected)
        logits = np.linspace(-3.0, 3.0, vocab)
        assert np.array_equal(bias(context, logits), logits + scheme.delta * expected)


@pytest.mark.parametrize("scheme", BANKED[:4], ids=repr)
def test_generated_tokens_green_as_the_detector_sees_them(scheme, teacher, keyring) -> None:
    key = keyring.account_key("acct-2", "kgw")
    ids = [300, *teacher.generate([300], 150, np.random.default_rng(4), bias=KGWBias(scheme, key))]
    v = teacher.tokenizer.vocab_size
    h = scheme.context_width
    seen = [scheme.green_mask(key, ids[:i], v)[ids[i]] for i in range(h, len(ids))]
    assert np.array_equal(np.array(seen), scheme.is_green(key, ids))
    assert scheme.detect(ids, key).detected(1e-4)


def test_units_sharing_a_list_and_token_count_once() -> None:
    scheme = KGWScheme(n_lists=8)
    lists = scheme.token_lists(100)
    a = 3
    b = next(t for t in range(4, 100) if lists[t] == lists[a])
    x = next(t for t in range(4, 100) if lists[t] not in (lists[a], lists[b]) and t != b)
    # units: (list a, x), (list x, b), (list b, x) == (list a, x)
    assert scheme.units([a, x, b, x]).n == 2
    assert KGWScheme(n_lists=None).units([a, x, b, x]).n == 3


@pytest.mark.parametrize("n_lists", [256, 1, None])
def test_null_green_count_is_binomial_over_random_keys(n_lists, teacher) -> None:
    scheme = KGWScheme(n_lists=n_lists)
    ids = teacher.generate([300], 400, np.random.default_rng(11))
    units = scheme.units(ids)
    seeds = np.random.default_rng(5).integers(0, 2**63, 4000, dtype=np.uint64)
    counts = scheme.key_scores(seeds, units)
    n, g = units.n, scheme.gamma
    assert n > 100
    assert abs(counts.mean() - g * n) < 4 * np.sqrt(g * (1 - g) * n / seeds.size)
    assert 0.88 < counts.var() / (g * (1 - g) * n) < 1.12


def test_bank_cache_is_bounded_and_rebuilds_identically(keyring) -> None:
    scheme = KGWScheme()
    scheme.bank_bytes = 3 * 256 * 500
    keys = [keyring.account_key(f"acct-{i}", "kgw") for i in range(6)]
    first = [scheme.green_mask(k, [7], 500) for k in keys]
    assert len(scheme._banks) <= 3
    again = [scheme.green_mask(k, [7], 500) for k in keys]
    assert all(np.array_equal(x, y) for x, y in zip(first, again, strict=True))
    assert not all(np.array_equal(first[0], x) for x in first[1:])


@pytest.mark.parametrize("n_lists", [256, None])
def test_processor_follows_the_vocabulary_and_bounds_its_cache(n_lists, keyring) -> None:
    scheme = KGWScheme(0.25, 2.0, 2, n_lists=n_lists)
    key = keyring.account_key("acct-3", "kgw")
    bias = KGWBias(scheme, key, cache_size=5)
    seed = np.array([key.seed], dtype=np.uint64)
    for vocab in (400, 300, 400):
        for context in _contexts(2, vocab, 60, seed=vocab):
            out = bias(context, np.zeros(vocab))
            expected = scheme.green(seed, scheme.candidate_hashes(context, vocab))[0]
            assert np.array_equal(out, 2.0 * expected)
            if n_lists is None:
                assert len(bias._cache) <= 5
    assert bias([], np.zeros(3)).shape == (3,)
    assert bias([5], np.ones(400))[0] == 1.0  # shorter than the context: unchanged


def test_processors_of_one_key_share_read_only_rows(keyring) -> None:
    scheme = KGWScheme()
    key = keyring.account_key("acct-4", "kgw")
    row = KGWBias(scheme, key).boost([9], 500)
    assert KGWBias(scheme, key).boost([9], 500) is row  # a new request starts warm
    with pytest.raises(ValueError):
        row[0] = 1.0
    other = KGWBias(scheme, keyring.account_key("acct-5", "kgw")).boost([9], 500)
    assert not np.array_equal(other, row)


def test_invalid_list_counts_are_refused(tmp_path, keyring, capsys) -> None:
    for bad in (0, -1, True, 1.5, 2**21):
        with pytest.raises(WatermarkError):
            KGWScheme(n_lists=bad)
    with pytest.raises(WatermarkError):
        KGWScheme(n_lists=None).bank(keyring.account_key("a", "kgw"), 10)
    ring = tmp_path / "ring.json"
    keyring.save(ring)
    text = tmp_path / "t.txt"
    text.write_text("the river ran.")
    args = ["trace", str(text), "--keys", str(ring), "--scheme", "kgw", "--account", "a"]
    assert main([*args, "--green-lists", "-2"]) != 0
    assert "--green-lists" in capsys.readouterr().err
    assert main([*args, "--green-lists", "0", "--json"]) == 0


def test_large_vocabulary_path_builds_rows_per_list(monkeypatch, keyring) -> None:
    from distillguard.watermark import kgw

    monkeypatch.setattr(kgw, "_BOOST_BYTES", 8 * 300 * 4)  # no dense boost matrix
    scheme = KGWScheme()
    key = keyring.account_key("acct-6", "kgw")
    bias = KGWBias(scheme, key)
    seed = np.array([key.seed], dtype=np.uint64)
    for context in _contexts(1, 300, 80, seed=3):
        expected = scheme.green(seed, scheme.candidate_hashes(context, 300))[0]
        assert np.array_equal(bias(context, np.zeros(300)), 2.0 * expected)
    assert len(scheme.bank(key, 300)._lists) <= 16
