"""Text-level watermark: what it changes, what it never touches, and detection."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from distillguard.errors import WatermarkError
from distillguard.watermark.textmark import TextWatermarker

PROSE = (
    "We analyze the color of each neighborhood center toward the river. The organization "
    "will prioritize behavior that we recognize as favorable, and we realize the theater "
    "labeled it gray. Often we summarize the flavor of the catalog, among other things."
)

PROTECTED = """Here is the color palette.
See https://example.com/color/center?favor=1 or mail color@center.org.
```python
color = "center"  # the color of the center
def analyze(): return "behavior"
```
Use `organize()` and `color` as written. The value is 3.14 and 10,000 colors.
{"color": "gray", "center": [1, 2]}
    indented: color center behavior
"""


def _protected_regions(text: str) -> list[str]:
    fence = re.findall(r"```.*?```", text, re.S)
    urls = re.findall(r"https?://\S+|\S+@\S+", text)
    inline = re.findall(r"`[^`\n]*`", text)
    json_lines = [ln for ln in text.splitlines() if ln.startswith("{") or ln.startswith("    ")]
    numbers = re.findall(r"\d[\d.,]*", text)
    return fence + urls + inline + json_lines + numbers


def test_apply_changes_words_and_reports_counts(keyring) -> None:
    tw = TextWatermarker(keyring)
    out = tw.apply(PROSE, "acct-1")
    assert out.key_id == "wm-test"
    assert out.n_words == len(re.findall(r"[A-Za-z]+(?:'[A-Za-z]+)?", PROSE))
    assert 0 < out.n_changed <= out.n_sites
    changed = sum(a != b for a, b in zip(PROSE.split(), out.text.split(), strict=True))
    assert changed == out.n_changed
    assert out.text.count(" ") == PROSE.count(" ")
    assert tw.apply(out.text, "acct-1").n_changed == 0  # idempotent for the same account


def test_code_urls_numbers_and_json_are_never_changed(keyring) -> None:
    tw = TextWatermarker(keyring)
    for account in ("a", "b", "c", "d", "e", "f"):
        out = tw.apply(PROTECTED, account, strength=2.0)
        for region in _protected_regions(PROTECTED):
            assert region in out.text, (account, region)
    # the prose around them is still eligible
    assert any(tw.apply(PROTECTED, a).n_sites > 0 for a in "abc")
    out = tw.apply(PROTECTED, "a", strength=2.0)
    json_line = next(ln for ln in out.text.splitlines() if ln.startswith("{"))
    assert json.loads(json_line) == {"color": "gray", "center": [1, 2]}


def test_case_is_preserved(keyring) -> None:
    tw = TextWatermarker(keyring)
    for account in map(str, range(20)):
        out = tw.apply("Color matters. COLOR matters. color matters.", account)
        words = [w for w in re.findall(r"[A-Za-z]+", out.text) if w.lower() != "matters"]
        assert words[0][0].isupper() and words[0][1:].islower()
        assert words[1].isupper()
        assert words[2].islower()


def test_detector_finds_account_in_a_corpus_and_not_others(keyring) -> None:
    tw = TextWatermarker(keyring)
    texts = [PROSE.replace("river", f"river {i}") for i in range(3)]
    texts += [
        "Afterward we traveled toward the center and analyzed the behavior of neighbors.",
        "Their favorite colors were gray; we recognized it and organized the catalog.",
        "Maybe it is usually big, but we often optimize and minimize labor.",
    ]
    marked = [tw.apply(t, "acct-42", strength=2.0).text for t in texts]
    hit = tw.detect(marked, "acct-42", strength=2.0)
    assert hit.n_scored >= 20
    assert hit.log10_p < -5
    miss = tw.detect(marked, "acct-43", strength=2.0)
    assert miss.log10_p > -3


def test_strength_tiers(keyring) -> None:
    tw = TextWatermarker(keyring)
    text = "It is often big and we usually travel toward the center."
    assert tw.apply(text, "a", 1.0).n_sites == 2  # toward, center
    assert tw.apply(text, "a", 2.0).n_sites == 5  # + often, big, usually
    assert tw.apply(text, "a", 0.0).n_sites == 0
    with pytest.raises(WatermarkError):
        tw.apply(text, "a", 3.0)
    with pytest.raises(WatermarkError):
        tw.apply(text, "a", float("nan"))


def test_unwatermarked_real_text_is_not_attributed(keyring, shared_prompts) -> None:
    tw = TextWatermarker(keyring)
    texts = []
    for name in (
        "arena_hard.jsonl",
        "awesome_chatgpt_prompts.jsonl",
        "hh_rlhf_harmless_test.jsonl",
    ):
        with open(shared_prompts / name, encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                texts.extend(
                    m["content"] for m in rec["messages"] if isinstance(m.get("content"), str)
                )
    units = tw.units(texts, strength=2.0)
    assert units.n > 100
    keys = [keyring.account_key(f"acct-{i}", "text") for i in range(200)]
    pvals = np.array([tw.scheme.detect_units(units, k).p_value for k in keys])
    assert (pvals < 1e-5).sum() == 0
    assert (pvals < 1e-3).sum() <= 2
    assert (pvals < 0.05).sum() <= 25


def test_real_text_round_trip(keyring, shared_prompts) -> None:
    tw = TextWatermarker(keyring)
    refs = []
    with open(shared_prompts / "gsm8k_train.jsonl", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if isinstance(rec.get("reference"), str):
                refs.append(rec["reference"])
            if len(refs) >= 400:
                break
    with open(shared_prompts / "oasst_prompts.jsonl", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            refs.extend(m["content"] for m in rec["messages"] if isinstance(m.get("content"), str))
    marked = [tw.apply(t, "acct-9", 2.0) for t in refs]
    for before, after in zip(refs, marked, strict=True):
        assert re.findall(r"\d+", before) == re.findall(r"\d+", after.text)
    found = tw.detect([m.text for m in marked], "acct-9", strength=2.0)
    assert found.detected(1e-6), found


STREAMED = """I am sure you are right. Do not worry,
it does not matter. For example, the color center.
```python
color = "center"  # do not
``` and then you are done, do not worry.
Inline ```x``` do not toward. Visit https://x.org/color now, we cannot.
~~~
do not
~~~
Last line: we are here and do not stop"""


def test_streamed_chunks_equal_the_whole_response(keyring) -> None:
    tw = TextWatermarker(keyring)
    whole = tw.apply(STREAMED, "acct-s", 2.0)
    assert whole.n_changed > 0
    for seed in range(30):
        rng = np.random.default_rng(seed)
        stream = tw.stream("acct-s", 2.0)
        pieces, i = [], 0
        while i < len(STREAMED):
            k = int(rng.integers(1, 15))
            pieces.append(stream.feed(STREAMED[i : i + k]))
            i += k
        pieces.append(stream.flush())
        assert "".join(pieces) == whole.text
        assert stream.result().n_changed == whole.n_changed


def test_stream_holds_at_most_max_hold(keyring) -> None:
    tw = TextWatermarker(keyring)
    stream = tw.stream("acct-s", 1.0, max_hold=50)
    long_line = "we do not stop " * 10
    relayed = stream.feed(long_line)
    assert relayed == long_line  # relayed unmarked rather than held
    assert stream.feed(" and do not go\nyou are here ") == " and do not go\n"
    assert stream.flush() == tw.apply("you are here ", "acct-s").text
