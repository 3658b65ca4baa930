"""Radioactivity: did a suspect model learn from our watermarked outputs?

Two modes, following Sander et al. (2024), "Watermarking makes language models
radioactive":

* **closed** (only the suspect's outputs): prompt it, tokenize the answers, and score the
  (context, token) units of the answers against our key, each unit once and without the
  units of the prompts, so echoed prompts and repeated phrases cannot inflate the score.
* **open / reading** (we can run the suspect): teacher-force our own watermarked texts
  through it and score, at every position, its ``top_k`` next-token predictions as units
  (context, predicted token), each once. A model that learned from green-biased text
  prefers green tokens in the contexts it saw.

Both give an exact binomial p-value (KGW) because, for a model that never saw our key,
which units it produces does not depend on the key. Every run is paired with a *control*:
the same units scored against a key that was never used (a different derived key), whose
p-value should look like a uniform draw.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from distillguard.errors import WatermarkError
from distillguard.watermark._prf import unique_u64
from distillguard.watermark.keys import AccountKey
from distillguard.watermark.scheme import Detection, TokenScheme, Units

__all__ = [
    "RadioactivityResult",
    "closed_units",
    "reading_units",
    "test_radioactivity",
]

#: ``top(ids, k) -> (len(ids), k)`` array: the k likeliest next tokens after each prefix.
TopPredictor = Callable[[np.ndarray, int], np.ndarray]


@dataclass(frozen=True, slots=True)
class RadioactivityResult:
    """The test against our key and the control run against an unused key."""

    mode: str
    test: Detection
    control: Detection
    n_sequences: int

    def radioactive(self, alpha: float = 1e-5) -> bool:
        return self.test.detected(alpha)


def reading_units(
    scheme: TokenScheme,
    top: TopPredictor,
    probe: Iterable[Sequence[int]],
    k: int = 16,
    exclude_probe: bool = True,
) -> Units:
    """Units of the suspect's top-``k`` predictions while reading ``probe`` texts.

    ``top`` is called with each full sequence and must return, for every position ``t``,
    the ``k`` tokens it predicts after ``ids[: t + 1]`` (a causal model's logits do this
    in one forward pass). Every (context, predicted token) unit counts once.

    When the probe is our own watermarked text, its own (context, next token) units are
    green-biased whatever the suspect learned, and a suspect that merely predicts common
    continuations would inherit that bias; ``exclude_probe`` drops those units, which keeps
    the test valid (conservative) for any probe. With a probe that carries no watermark
    (public text), ``exclude_probe=False`` keeps every unit and gains power.
    """
    if k < 1:
        raise WatermarkError("top_k must be at least 1")
    h = scheme.context_width
    parts: list[Units] = []
    own: list[Units] = []
    for seq in probe:
        ids = np.asarray(seq, dtype=np.int64)
        if ids.size < h:
            continue
        preds = np.asarray(top(ids, k), dtype=np.int64)
        if preds.shape[0] != ids.size:
            raise WatermarkError("the suspect returned predictions for the wrong length")
        windows = np.lib.stride_tricks.sliding_window_view(ids, h)
        cands = preds[h - 1 :, :k]
        hashes = scheme.pair_hashes(windows, cands).ravel()
        parts.append(Units(unique_u64(hashes), None, int(hashes.size)))
        if exclude_probe:
            own.append(scheme.units(ids))
    merged = Units.merge(parts)
    return merged.minus(Units.merge(own)) if own else merged


def closed_units(
    scheme: TokenScheme,
    outputs: Iterable[Sequence[int]],
    prompts: Iterable[Sequence[int]] = (),
) -> Units:
    """Units of the suspect's generated token ids, minus every unit present in a prompt."""
    parts = [scheme.units(ids) for ids in outputs]
    merged = Units.merge(parts)
    prompt_parts = [scheme.units(ids) for ids in prompts]
    if prompt_parts:
        merged = merged.minus(Units.merge(prompt_parts))
    return merged


def test_radioactivity(
    scheme: TokenScheme,
    units: Units,
    key: AccountKey,
    control_key: AccountKey,
    mode: str,
    n_sequences: int,
) -> RadioactivityResult:
    """Score ``units`` against ``key`` and against ``control_key``."""
    if control_key.seed == key.seed:
        raise WatermarkError("the control key must differ from the tested key")
    return RadioactivityResult(
        mode=mode,
        test=scheme.detect_units(units, key),
        control=scheme.detect_units(units, control_key),
        n_sequences=n_sequences,
    )


test_radioactivity.__test__ = False  # type: ignore[attr-defined]
