"""Keyed watermarks: generation and detection, attribution to accounts, radioactivity.

One scheme object serves both sides of each watermark, so generation and detection can
never disagree:

* :class:`KGWScheme` - green-list watermark for models we run (NumPy :class:`KGWBias`,
  Hugging Face and vLLM adapters in :mod:`distillguard.watermark.engines`);
* :class:`GumbelScheme` - distortion-free Gumbel-max sampling (:class:`GumbelSampler`);
* :class:`TextWatermarker` - text-level watermark the gateway applies to responses of a
  black-box upstream.

Keys come from a :class:`Keyring` (one master secret per key id, HKDF per account).
:func:`attribute` tests a corpus against many account keys with Holm correction; the
``radioactivity`` module tests whether a suspect model learned from watermarked text.
"""

from __future__ import annotations

from distillguard.watermark.attribution import Attribution, KeyScore, attribute
from distillguard.watermark.bodies import BodyWatermark, watermark_response
from distillguard.watermark.gumbel import GumbelSampler, GumbelScheme
from distillguard.watermark.keys import GLOBAL_ACCOUNT, AccountKey, Keyring, verify_commitment
from distillguard.watermark.kgw import KGWBias, KGWScheme
from distillguard.watermark.radioactivity import (
    RadioactivityResult,
    closed_units,
    reading_units,
    test_radioactivity,
)
from distillguard.watermark.scheme import Detection, Scheme, TokenScheme, Units
from distillguard.watermark.textmark import TextScheme, TextStream, TextWatermarker, WatermarkedText
from distillguard.watermark.tokenizer import HFTokenizer, Tokenizer, WordTokenizer

__all__ = [
    "GLOBAL_ACCOUNT",
    "AccountKey",
    "Attribution",
    "BodyWatermark",
    "Detection",
    "GumbelSampler",
    "GumbelScheme",
    "HFTokenizer",
    "KGWBias",
    "KGWScheme",
    "KeyScore",
    "Keyring",
    "RadioactivityResult",
    "Scheme",
    "TextScheme",
    "TextStream",
    "TextWatermarker",
    "TokenScheme",
    "Tokenizer",
    "Units",
    "WatermarkedText",
    "WordTokenizer",
    "attribute",
    "closed_units",
    "reading_units",
    "test_radioactivity",
    "verify_commitment",
    "watermark_response",
]
