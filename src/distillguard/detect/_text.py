"""Text normalisation and stable hashes behind template fingerprints.

A *template fingerprint* must match two prompts built from one template with different
slot values, and survive light paraphrase. We normalise (lower case, digits, quoted and
code spans masked), then hash the *frame* of the text -- the bag of content words among
its first and last few tokens -- because templates put their fixed wording at the start
or the end and the slot in between. System prompts get a 64-bit SimHash as well, so that
paraphrased variants of one system prompt fall into the same LSH band.

Hashes are ``blake2b`` digests (stable across processes, unlike ``hash(str)``), returned
as non-negative Python ints below 2**63 so they fit DuckDB ``BIGINT`` columns.
"""

from __future__ import annotations

import itertools
import re
from hashlib import blake2b

__all__ = [
    "FRAME_WORDS",
    "frame_keys",
    "normalise",
    "sentence_keys",
    "simhash",
    "simhash_bands",
    "stable_hash",
    "tokens",
]

#: How many leading/trailing tokens make a prompt's frame.
FRAME_WORDS = 8

_CODE = re.compile(r"```.*?(```|$)", re.S)
_QUOTED = re.compile(r"\"[^\"\n]{1,400}\"|'[^'\n]{3,400}'|`[^`\n]{1,200}`")
_URL = re.compile(r"https?://\S+")
_NUM = re.compile(r"\d+(?:[.,]\d+)*")
_TOKEN = re.compile(r"[a-z0]+|<[a-z]+>")
_MASK = 2**63 - 1

#: Function words ignored in frames, so "Please solve the problem" ~ "Solve this problem".
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "this",
        "that",
        "these",
        "those",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "and",
        "or",
        "is",
        "are",
        "be",
        "please",
        "following",
        "below",
        "above",
        "given",
        "me",
        "my",
        "your",
        "you",
        "i",
        "it",
        "its",
        "as",
        "at",
        "by",
        "from",
        "can",
        "could",
        "would",
        "will",
        "shall",
        "should",
        "do",
        "does",
        "into",
        "about",
        "here",
        "there",
        "now",
    ]
)


def stable_hash(text: str | bytes) -> int:
    """A 63-bit hash that is the same in every process (for stored and pickled keys)."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return int.from_bytes(blake2b(data, digest_size=8).digest(), "little") & _MASK


def normalise(text: str) -> str:
    """Lower-case text with code blocks, quotes, URLs and numbers masked."""
    text = text[:4000].lower()
    text = _CODE.sub(" <code> ", text)
    text = _URL.sub(" <url> ", text)
    text = _QUOTED.sub(" <q> ", text)
    return _NUM.sub("0", text)


def tokens(normalised: str) -> list[str]:
    """Word tokens of normalised text."""
    return _TOKEN.findall(normalised)


def frame_keys(toks: list[str]) -> tuple[int, int]:
    """(prefix key, suffix key): hashes of the content-word sets of the text's two ends.

    Short texts (no room for a slot) hash as a whole into both keys.
    """
    if len(toks) <= FRAME_WORDS:
        words = sorted({t for t in toks if t not in _STOP}) or toks
        key = stable_hash(" ".join(words))
        return key, key
    head = sorted({t for t in toks[:FRAME_WORDS] if t not in _STOP})
    tail = sorted({t for t in toks[-FRAME_WORDS:] if t not in _STOP})
    return stable_hash("^" + " ".join(head)), stable_hash("$" + " ".join(tail))


def simhash(toks: list[str]) -> int:
    """64-bit SimHash over word bigrams (63 bits kept); near texts get near hashes."""
    if not toks:
        return 0
    grams = [f"{a} {b}" for a, b in itertools.pairwise(toks)] or toks
    acc = [0] * 64
    for gram in grams:
        h = int.from_bytes(blake2b(gram.encode(), digest_size=8).digest(), "little")
        for bit in range(64):
            acc[bit] += 1 if (h >> bit) & 1 else -1
    out = 0
    for bit in range(63):
        if acc[bit] > 0:
            out |= 1 << bit
    return out


def simhash_bands(value: int, n_bands: int = 4) -> list[int]:
    """LSH bands: hashes within Hamming distance n_bands-1 share at least one band."""
    width = 64 // n_bands
    mask = (1 << width) - 1
    return [(i << 32) | ((value >> (i * width)) & mask) for i in range(n_bands)]


_SPLIT = re.compile(r"[.!?:;\n]+")


def _segment_key(toks: list[str]) -> int:
    words = sorted({t for t in toks if t not in _STOP}) or toks
    return stable_hash("~" + " ".join(words))


def sentence_keys(normalised: str) -> tuple[int, int]:
    """(first, last) instruction-sentence keys of a prompt.

    Templates wrap a slot in fixed sentences ("Let's think step by step.", "Return JSON
    with keys ..."), before or after it. Hashing each end *sentence* (content words, order
    ignored) finds the fixed wording wherever the slot sits and whatever its length, and
    survives light paraphrase (word order, function words, numbers). Segments shorter than
    two tokens (labels such as "Problem:") are skipped.
    """
    segs = [t for t in (tokens(seg) for seg in _SPLIT.split(normalised)) if len(t) >= 2]
    if not segs:
        toks = tokens(normalised)
        key = _segment_key(toks) if toks else 0
        return key, key
    return _segment_key(segs[0][:40]), _segment_key(segs[-1][:40])
