"""Watermark benchmarks: detection power, attribution, radioactivity, robustness, speed.

Run ``.venv/bin/python bench/bench_watermark.py [--quick] [SECTION...]`` from the repository
root; it prints Markdown tables for ``docs/benchmarks.md`` ("Watermark and provenance").
Sections: ``kgw``, ``footprint``, ``attribution``, ``radioactivity``, ``robustness``,
``speed`` (the default set), ``kgw-null`` (1,000 KGW null corpora), ``processor`` (only the
logits-processor overhead, also part of ``speed``) and ``hf`` (needs torch/transformers).
Everything is seeded; only ratios taken within one run are compared for speed.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from distillguard.watermark import (
    GLOBAL_ACCOUNT,
    GumbelSampler,
    GumbelScheme,
    Keyring,
    KGWBias,
    KGWScheme,
    TextWatermarker,
    Units,
    attribute,
    reading_units,
    test_radioactivity,
)
from distillguard.watermark._grammar import WORD_CLASSES, procedural_corpus
from distillguard.watermark.refmodel import NGramModel, train_reference

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "prompts"
RING = Keyring({"wm-bench": bytes(range(100, 132))})


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _fmt(x: float) -> str:
    return "-inf" if np.isinf(x) else f"{x:.1f}"


# --------------------------------------------------------------------------------------


def bench_kgw(teacher: NGramModel, n_texts: int) -> None:
    """TPR at FPR 1e-6 against token count, for KGW (γ=0.25, δ=2) and Gumbel-max."""
    kgw, gum = KGWScheme(0.25, 2.0, 1), GumbelScheme(3)
    lengths = (25, 50, 100, 150, 200)
    start = teacher.tokenizer.encode("the")
    rows = {("kgw", n): [] for n in lengths} | {("gumbel", n): [] for n in lengths}
    null = []
    for i in range(n_texts):
        rng = np.random.default_rng(i)
        kk = RING.account_key(f"a{i}", "kgw")
        ids = teacher.generate(start, 200, rng, bias=KGWBias(kgw, kk))
        gk = RING.account_key(f"a{i}", "gumbel")
        gids = teacher.generate(start, 200, rng, sampler=GumbelSampler(gum, gk, i).sample)
        clean = teacher.generate(start, 200, rng)
        for n in lengths:
            rows[("kgw", n)].append(kgw.detect(start + ids[:n], kk).log10_p)
            rows[("gumbel", n)].append(gum.detect(start + gids[:n], gk).log10_p)
        null.append(kgw.detect(start + clean, kk).log10_p)
        null.append(gum.detect(start + clean, gk).log10_p)
    print(f"\nKGW γ=0.25 δ=2 h=1 and Gumbel-max h=3 on the reference model, {n_texts} texts each")
    print(_row("tokens", "KGW TPR@1e-6", "KGW median log10 p", "Gumbel TPR@1e-6", "Gumbel median"))
    print(_row("---", "---", "---", "---", "---"))
    for n in lengths:
        k, g = np.array(rows[("kgw", n)]), np.array(rows[("gumbel", n)])
        print(
            _row(
                n,
                f"{(k < -6).mean():.3f}",
                _fmt(np.median(k)),
                f"{(g < -6).mean():.3f}",
                _fmt(np.median(g)),
            )
        )
    nl = np.array(null)
    print(
        f"unwatermarked 200-token texts: {len(nl)} tests, {(nl < -6).sum()} below 1e-6, "
        f"{(nl < np.log10(0.01)).mean():.3f} below 0.01"
    )


# --------------------------------------------------------------------------------------


def _real_responses(limit: int = 20_000) -> list[str]:
    texts: list[str] = []
    for name in ("hh_rlhf_harmless_test.jsonl", "gsm8k_train.jsonl", "gpteacher_toolformer.jsonl"):
        path = SHARED / name
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                ref = rec.get("reference")
                if isinstance(ref, str) and ref.strip():
                    texts.append(ref)
                for m in rec.get("messages", []):
                    if m.get("role") == "assistant" and isinstance(m.get("content"), str):
                        texts.append(m["content"])
        if len(texts) >= limit:
            break
    return texts


def bench_footprint() -> None:
    """How many words the text watermark changes on real responses."""
    texts = _real_responses()
    if not texts:
        print("\n(text footprint skipped: ../shared/data/prompts is absent)")
        return
    tw = TextWatermarker(RING)
    print(f"\nText watermark footprint on {len(texts):,} real responses (public prompt sets)")
    print(
        _row(
            "strength",
            "words",
            "sites per 1,000 words",
            "changed per 1,000 words",
            "responses changed",
        )
    )
    print(_row("---", "---", "---", "---", "---"))
    for strength in (1.0, 1.5, 2.0):
        words = sites = changed = touched = 0
        for i, t in enumerate(texts):
            out = tw.apply(t, f"acct-{i % 100}", strength)
            words += out.n_words
            sites += out.n_sites
            changed += out.n_changed
            touched += out.n_changed > 0
        print(
            _row(
                strength,
                f"{words:,}",
                f"{1000 * sites / words:.2f}",
                f"{1000 * changed / words:.2f}",
                f"{touched / len(texts):.1%}",
            )
        )


def bench_attribution(teacher: NGramModel, n_keys: int, n_null: int) -> None:
    """200 responses of one account among n_keys keys; false attributions over n_null corpora."""
    accounts = [f"acct-{i:05d}" for i in range(n_keys)]
    target = accounts[n_keys // 3]
    tw = TextWatermarker(RING)
    texts = _real_responses()
    rng = np.random.default_rng(0)
    print(f"\nAttribution among {n_keys:,} account keys (Holm), 200 responses per corpus")
    print(_row("scheme", "corpus", "units", "rank of true account", "corrected log10 p", "seconds"))
    print(_row("---", "---", "---", "---", "---", "---"))
    if texts:
        t0 = time.perf_counter()
        seeds_text = RING.seeds(accounts, "text")
        t_seed = time.perf_counter() - t0
        for strength in (1.0, 2.0):
            pick = rng.choice(len(texts), 200, replace=False)
            marked = [tw.apply(texts[i], target, strength).text for i in pick]
            t0 = time.perf_counter()
            units = tw.units(marked, strength)
            res = attribute(tw.scheme, units, RING, accounts, seeds=seeds_text, top=None)
            dt = time.perf_counter() - t0
            rank = next(i for i, k in enumerate(res.ranked) if k.account_id == target) + 1
            true = res.ranked[rank - 1]
            label = f"text, strength {strength}"
            print(
                _row(
                    label,
                    "real responses",
                    units.n,
                    rank,
                    _fmt(true.log10_p_corrected),
                    f"{dt:.2f}",
                )
            )
    kgw = KGWScheme()
    seeds_kgw = RING.seeds(accounts, "kgw")
    key = RING.account_key(target, "kgw")
    bias = KGWBias(kgw, key)
    ids = [
        teacher.generate([300 + i % 50], 100, np.random.default_rng(i), bias=bias)
        for i in range(200)
    ]
    t0 = time.perf_counter()
    units = Units.merge([kgw.units(x) for x in ids])
    res = attribute(kgw, units, RING, accounts, seeds=seeds_kgw, top=None)
    dt = time.perf_counter() - t0
    rank = next(i for i, k in enumerate(res.ranked) if k.account_id == target) + 1
    print(
        _row(
            "kgw",
            "reference model, 100 tokens each",
            units.n,
            rank,
            _fmt(res.ranked[rank - 1].log10_p_corrected),
            f"{dt:.2f}",
        )
    )
    print(f"(deriving {n_keys:,} HKDF keys: {t_seed:.2f} s, once per key set)" if texts else "")
    # null corpora: unwatermarked, or watermarked with keys outside the tested set
    outsider = Keyring({"other": bytes(range(200, 232))})
    otw = TextWatermarker(outsider)
    false_text = false_kgw = 0
    min_text = min_kgw = 0.0
    t0 = time.perf_counter()
    for j in range(n_null):
        if texts:
            pick = rng.choice(len(texts), 200, replace=False)
            corpus = [texts[i] for i in pick]
            if j % 2:
                corpus = [otw.apply(t, f"o{j}", 2.0).text for t in corpus]
            res = attribute(
                tw.scheme, tw.units(corpus, 2.0), RING, accounts, seeds=seeds_text, top=1
            )
            false_text += len(res.significant(1e-6))
            min_text = min(min_text, res.ranked[0].log10_p_corrected)
        if j < n_null // 10:
            okey = outsider.account_key(f"o{j}", "kgw")
            ob = KGWBias(kgw, okey) if j % 2 else None
            cids = [
                teacher.generate(
                    [300 + i], 100, np.random.default_rng(10_000 + 50 * j + i), bias=ob
                )
                for i in range(20)
            ]
            cu = Units.merge([kgw.units(x) for x in cids])
            res = attribute(kgw, cu, RING, accounts, seeds=seeds_kgw, top=1)
            false_kgw += len(res.significant(1e-6))
            min_kgw = min(min_kgw, res.ranked[0].log10_p_corrected)
    dt = time.perf_counter() - t0
    if texts:
        print(
            f"null, text scheme: {n_null} corpora of 200 real responses "
            f"(half marked with outside keys): {false_text} false attributions at "
            f"corrected p<1e-6; smallest corrected log10 p {min_text:.2f}"
        )
    print(
        f"null, KGW: {n_null // 10} corpora of 20 reference-model texts: "
        f"{false_kgw} false attributions; smallest corrected log10 p {min_kgw:.2f} "
        f"({dt:.0f} s for all null corpora)"
    )


def bench_kgw_null(teacher: NGramModel, n_keys: int, n_null: int) -> None:
    """KGW false attributions alone: n_null corpora of 20 texts against n_keys keys."""
    accounts = [f"acct-{i:05d}" for i in range(n_keys)]
    kgw = KGWScheme()
    seeds = RING.seeds(accounts, "kgw")
    outsider = Keyring({"other": bytes(range(200, 232))})
    false, smallest = 0, 0.0
    for j in range(n_null):
        ob = KGWBias(kgw, outsider.account_key(f"o{j}", "kgw")) if j % 2 else None
        texts = [
            teacher.generate([300 + i], 100, np.random.default_rng(10_000 + 50 * j + i), bias=ob)
            for i in range(20)
        ]
        units = Units.merge([kgw.units(x) for x in texts])
        res = attribute(kgw, units, RING, accounts, seeds=seeds, top=1)
        false += len(res.significant(1e-6))
        smallest = min(smallest, res.ranked[0].log10_p_corrected)
    print(
        f"\nnull, KGW: {n_null} corpora of 20 reference-model texts (half marked with outside "
        f"keys) against {n_keys:,} keys: {false} false attributions at corrected p<1e-6; "
        f"smallest corrected log10 p {smallest:.2f}"
    )


# --------------------------------------------------------------------------------------


def _student(tok, human, marked, share, rng):
    n_h = sum(len(x) for x in human)
    want = int(share * n_h / (1 - share))
    chosen, total = [], 0
    for i in rng.permutation(len(marked)):
        if total >= want:
            break
        chosen.append(marked[i])
        total += len(marked[i])
    return NGramModel(tok).fit(ids=[*human, *chosen])


def bench_radioactivity(teacher: NGramModel, n_null_runs: int, n_sentences: int) -> None:
    """Students trained on 0/1/5/10 % watermarked text; open (reading) and closed modes."""
    scheme = KGWScheme()
    tok = teacher.tokenizer
    start = tok.encode("the")
    print(
        f"\nRadioactivity: bigram students on {n_sentences:,} human sentences "
        "+ x% watermarked teacher text"
    )
    print(
        _row(
            "watermarked share",
            "runs",
            "open: median log10 p",
            "open: runs p<1e-5",
            "closed: median log10 p",
            "control median log10 p",
        )
    )
    print(_row("---", "---", "---", "---", "---", "---"))
    shares = (0.0, 0.01, 0.05, 0.10)
    null_open = []
    for share in shares:
        runs = n_null_runs if share == 0.0 else 5
        opens, closeds, controls = [], [], []
        for r in range(runs):
            ring = Keyring({"wm": bytes((r * 7 + b) % 256 for b in range(32))})
            key = ring.account_key(GLOBAL_ACCOUNT, "kgw")
            control = ring.account_key("__control__", "kgw")
            rng = np.random.default_rng(100 + r)
            bias = KGWBias(scheme, key)
            n_marked = int(0.12 * n_sentences * 9 / 100) + 1 if share else 0
            marked = [teacher.generate(start, 100, rng, bias=bias) for _ in range(n_marked)]
            human = [
                np.asarray(tok.encode(d)) for d in procedural_corpus(n_sentences, seed=500 + r)
            ]
            st = _student(tok, human, marked, share, rng)
            probe = [np.asarray(tok.encode(d)) for d in procedural_corpus(500, seed=900 + r)]
            units = reading_units(scheme, st.predict_top, probe, k=32, exclude_probe=False)
            res = test_radioactivity(scheme, units, key, control, "open", len(probe))
            opens.append(res.test.log10_p)
            controls.append(res.control.log10_p)
            if r < 5:
                outs = [
                    st.generate(start, 100, np.random.default_rng(1000 + i)) for i in range(200)
                ]
                cu = Units.merge([scheme.units(o) for o in outs])
                closeds.append(scheme.detect_units(cu, key).log10_p)
        if share == 0.0:
            null_open = opens
        o = np.array(opens)
        print(
            _row(
                f"{share:.0%}",
                runs,
                _fmt(np.median(o)),
                f"{(o < -5).sum()}/{runs}",
                _fmt(np.median(closeds)),
                _fmt(np.median(controls)),
            )
        )
    n = np.array(null_open)
    print(f"0% students: p > 0.01 in {(n > -2).sum()}/{len(n)} seeded runs (open mode)")


# --------------------------------------------------------------------------------------


def _attack_synonym(ids, tok, rng, share=0.2):
    """Swap ``share`` of the words for another word of the same grammatical class."""
    word_class = {w: c for c, pool in WORD_CLASSES.items() for w in pool}
    out = list(ids)
    for i, t in enumerate(out):
        w = tok.decode([t])
        cls = word_class.get(w)
        if cls and rng.random() < share:
            pool = WORD_CLASSES[cls]
            out[i] = tok.encode(pool[int(rng.integers(len(pool)))])[0]
    return out


def _attack_delete(ids, rng, share):
    keep = rng.random(len(ids)) >= share
    keep[0] = True
    return [t for t, k in zip(ids, keep, strict=True) if k]


def _attack_paraphrase(ids, model, rng, share=0.5):
    """The unwatermarked reference model rewrites ``share`` of the tokens in context."""
    out = [ids[0]]
    for t in ids[1:]:
        if rng.random() < share:
            row = model.logprobs_[out[-1]]
            p = np.exp(row - row.max())
            out.append(int(rng.choice(p.size, p=p / p.sum())))
        else:
            out.append(t)
    return out


def bench_robustness(teacher: NGramModel, n_texts: int) -> None:
    scheme = KGWScheme()
    tok = teacher.tokenizer
    start = tok.encode("the")
    attacks = {
        "none": lambda x, r: x,
        "synonym substitution (20% of words)": lambda x, r: _attack_synonym(x, tok, r),
        "word deletion 10%": lambda x, r: _attack_delete(x, r, 0.1),
        "word deletion 30%": lambda x, r: _attack_delete(x, r, 0.3),
        "paraphrase by reference model (50% of tokens)": lambda x, r: _attack_paraphrase(
            x, teacher, r
        ),
    }
    res = {a: [] for a in attacks}
    for i in range(n_texts):
        key = RING.account_key(f"r{i}", "kgw")
        ids = start + teacher.generate(
            start, 200, np.random.default_rng(i), bias=KGWBias(scheme, key)
        )
        for name, fn in attacks.items():
            res[name].append(scheme.detect(fn(ids, np.random.default_rng(7 + i)), key).log10_p)
    print(f"\nRobustness, KGW γ=0.25 δ=2 h=1, 200-token reference-model texts, {n_texts} texts")
    print(_row("attack", "TPR@1e-6", "median log10 p"))
    print(_row("---", "---", "---"))
    for name, vals in res.items():
        v = np.array(vals)
        print(_row(name, f"{(v < -6).mean():.3f}", _fmt(np.median(v))))
    texts = _real_responses(5000)
    if not texts:
        return
    tw = TextWatermarker(RING)
    rng = np.random.default_rng(3)
    corpora = [[texts[j] for j in rng.choice(len(texts), 200, replace=False)] for _ in range(10)]
    print("\nRobustness, text-level scheme (strength 1), corpora of 200 real responses, 10 corpora")
    print(_row("attack", "detected@1e-6", "median log10 p"))
    print(_row("---", "---", "---"))

    def delete_words(text, share, r):
        words = text.split(" ")
        return " ".join(w for w in words if r.random() >= share)

    scheme = tw.scheme

    def normalise(text, r):
        """An attacker who knows our table rewrites every site to its first form."""
        out, pos = [], 0
        for start, end, _, entry, _ in scheme.sites(text, 2.0):
            out.append(text[pos:start])
            out.append(entry.forms[0])
            pos = end
        out.append(text[pos:])
        return "".join(out)

    text_attacks = {
        "none": lambda t, r: t,
        "word deletion 10%": lambda t, r: delete_words(t, 0.1, r),
        "word deletion 30%": lambda t, r: delete_words(t, 0.3, r),
        "every table site normalised to one form (attacker knows the table)": normalise,
    }
    for name, fn in text_attacks.items():
        vals = []
        for c, corpus in enumerate(corpora):
            acct = f"t{c}"
            marked = [fn(tw.apply(t, acct).text, np.random.default_rng(c)) for t in corpus]
            vals.append(tw.detect(marked, acct).log10_p)
        v = np.array(vals)
        print(_row(name, f"{(v < -6).sum()}/{len(v)}", _fmt(np.median(v))))


# --------------------------------------------------------------------------------------


def bench_speed(teacher: NGramModel) -> None:
    scheme = KGWScheme()
    key = RING.account_key("s", "kgw")
    rng = np.random.default_rng(0)
    ids = rng.integers(258, teacher.tokenizer.vocab_size, 1_000_000)
    t0 = time.process_time()
    det = scheme.detect(ids, key)
    t_ids = time.process_time() - t0
    text = teacher.tokenizer.decode(teacher.generate([300], 200_000, rng))
    t0 = time.process_time()
    enc = teacher.tokenizer.encode(text)
    scheme.detect(enc, key)
    t_text = time.process_time() - t0
    g = GumbelScheme()
    t0 = time.process_time()
    g.detect(ids, RING.account_key("s", "gumbel"))
    t_g = time.process_time() - t0
    print("\nSpeed (CPU time of this single-threaded process; the machine was shared)")
    print(_row("measure", "value"))
    print(_row("---", "---"))
    print(
        _row(
            "KGW detection from token ids",
            f"{len(ids) / t_ids / 1e6:.2f} M tokens/s ({det.n_scored:,} units)",
        )
    )
    print(_row("Gumbel detection from token ids", f"{len(ids) / t_g / 1e6:.2f} M tokens/s"))
    print(
        _row(
            "KGW detection from raw text (built-in tokenizer)",
            f"{len(enc) / t_text / 1e6:.2f} M tokens/s",
        )
    )
    _processor_overhead(teacher)
    tw = TextWatermarker(RING)
    short = "Sure! The color of the sky is blue because air scatters short wavelengths toward us."
    long_ = " ".join(_real_responses(300)[:200]) if SHARED.exists() else short * 20
    for label, sample in (("short response (15 words)", short), ("200 real responses", long_)):
        n = 2000 if label.startswith("short") else 5
        t0 = time.process_time()
        for i in range(n):
            tw.apply(sample, f"acct-{i % 50}")
        dt = (time.process_time() - t0) / n
        print(_row(f"text watermark apply, {label}", f"{dt * 1e6:.0f} µs"))


def _processor_overhead(teacher: NGramModel, rounds: int = 61) -> None:
    """Generation time with and without the KGW processor, paired runs, median ratios.

    CPU time of this process (the machine is shared). Each round times every mode back to
    back on the same seed, in an order rotated from round to round: ``plain`` (no
    processor); ``warm`` (one long-lived processor, as a server keeps per account);
    ``cold`` (a new processor per run, as per request, for a key that served one earlier
    one-token request, so its bank exists; the processor has met no context); ``new key`` (a new
    processor and a key never used before: its bank is built during the run); and the
    per-context variant (``n_lists=None``: every new context hashes the whole vocabulary).
    The same comparison is repeated with short 300-token generations, one request each.
    """
    scheme, classic = KGWScheme(), KGWScheme(n_lists=None)
    key = RING.account_key("s", "kgw")
    start = teacher.tokenizer.encode("the")
    warm = KGWBias(scheme, key)
    teacher.generate(start, 20_000, np.random.default_rng(99), bias=warm)
    fresh = iter(range(10**9))
    v = teacher.tokenizer.vocab_size

    def known_key() -> KGWBias:
        """A new processor for a key that served one earlier request (its bank exists)."""
        k = RING.account_key(f"known-{next(fresh)}", "kgw")
        KGWBias(scheme, k).boost(start, v)
        return KGWBias(scheme, k)

    modes = {
        "plain": lambda: None,
        "warm": lambda: warm,
        "cold": known_key,
        "new key": lambda: KGWBias(scheme, RING.account_key(f"new-{next(fresh)}", "kgw")),
        "per-context lists, cold": lambda: KGWBias(classic, key),
    }
    for n_tokens, reps, labels in (
        (2_000, rounds, list(modes)),
        (300, 2 * rounds, ["plain", "cold", "new key"]),
    ):
        times: dict[str, list[float]] = {label: [] for label in labels}
        for rep in range(reps):
            shift = rep % len(labels)  # rotate the order so no mode always runs first
            for label in labels[shift:] + labels[:shift]:
                bias = modes[label]()
                t0 = time.process_time()
                teacher.generate(start, n_tokens, np.random.default_rng(rep), bias=bias)
                times[label].append(time.process_time() - t0)
        plain = np.array(times["plain"])
        per_token = np.median(plain) / n_tokens * 1e6
        print(
            _row(
                f"reference-model generation, {n_tokens:,}-token runs, plain (CPU time)",
                f"{1e3 / per_token:.1f} k tokens/s ({per_token:.1f} µs/token)",
            )
        )
        for label in labels[1:]:
            ratio = np.median(np.array(times[label]) / plain)
            print(
                _row(
                    f"… + KGW logits processor ({label}), median of {reps} paired ratios",
                    f"{(ratio - 1) * 100:+.1f}% time ({(ratio - 1) * per_token:+.2f} µs/token)",
                )
            )
    t0 = time.process_time()
    for i in range(20):
        bank = scheme.bank(RING.account_key(f"bank-{i}", "kgw"), v)
        for j in range(scheme.n_lists or 0):
            bank.row(j)
    dt = (time.process_time() - t0) / 20
    print(
        _row(
            f"building one key's whole bank ({scheme.n_lists} lists × {v:,})", f"{dt * 1e3:.1f} ms"
        )
    )
    print(f"(load average during the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())})")


def bench_hf() -> None:
    """HFKGWLogitsProcessor overhead in ``transformers`` generation (needs the ml extra)."""
    try:
        import torch
        import transformers
    except ImportError:
        print("\n(hf section skipped: torch/transformers are not installed)")
        return
    from distillguard.watermark.engines import HFKGWLogitsProcessor

    torch.manual_seed(0)
    torch.set_num_threads(1)
    cfg = transformers.GPT2Config(
        vocab_size=5000,
        n_positions=512,
        n_embd=128,
        n_layer=2,
        n_head=2,
        bos_token_id=0,
        eos_token_id=0,
    )
    model = transformers.GPT2LMHeadModel(cfg).eval()
    proc = HFKGWLogitsProcessor(KGWScheme(), RING.account_key("hf", "kgw"))
    prompt = torch.tensor([[1, 2, 3]])

    def run(procs: list) -> float:
        torch.manual_seed(1)
        t0 = time.process_time()
        model.generate(
            prompt,
            do_sample=True,
            max_new_tokens=200,
            min_new_tokens=200,
            logits_processor=transformers.LogitsProcessorList(procs),
            pad_token_id=0,
        )
        return time.process_time() - t0

    run([])
    run([proc])
    ratios = []
    for _ in range(9):
        plain = run([])
        ratios.append(run([proc]) / plain)
    print(
        "\ntransformers generate, random GPT-2 (2 layers, d=128, V=5,000), 200 tokens: "
        f"HFKGWLogitsProcessor adds a median {(np.median(ratios) - 1) * 100:.1f}% CPU time "
        "(9 paired runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "sections",
        nargs="*",
        default=["kgw", "footprint", "attribution", "radioactivity", "robustness", "speed"],
    )
    parser.add_argument("--quick", action="store_true", help="smaller runs for a smoke test")
    args = parser.parse_args()
    t0 = time.perf_counter()
    teacher = train_reference(20_000, seed=0)
    print(
        f"reference model: vocabulary {teacher.tokenizer.vocab_size}, "
        f"trained in {time.perf_counter() - t0:.1f} s"
    )
    q = args.quick
    for section in args.sections:
        if section == "footprint":
            bench_footprint()
        elif section == "kgw":
            bench_kgw(teacher, 40 if q else 500)
        elif section == "attribution":
            bench_attribution(teacher, 2_000 if q else 24_000, 20 if q else 1_000)
        elif section == "kgw-null":
            bench_kgw_null(teacher, 2_000 if q else 24_000, 20 if q else 1_000)
        elif section == "radioactivity":
            bench_radioactivity(teacher, 4 if q else 40, 20_000)
        elif section == "robustness":
            bench_robustness(teacher, 20 if q else 200)
        elif section == "speed":
            bench_speed(teacher)
        elif section == "processor":
            print("\nKGW logits processor overhead (CPU time; the machine was shared)")
            print(_row("measure", "value"))
            print(_row("---", "---"))
            _processor_overhead(teacher)
        elif section == "hf":
            bench_hf()
        else:
            raise SystemExit(f"unknown section {section!r}")


if __name__ == "__main__":
    main()
