"""Text-level watermark for black-box upstreams: keyed, context-conditioned word choices.

The gateway cannot sample from a model it only proxies, so it watermarks the *response
text*: at every entry of the substitution table (``_lexicon.py``) the account's key and
the previous word pick one of two equivalent forms ("colour" or "color", "don't" or "do
not", "for example" or "for instance"). A corpus built from one account's responses then
agrees with that account's key at far more sites than chance (1/2 per site), which an
exact binomial test measures.

Units are (previous word on the same line, substitution class) pairs, each scored once,
with a previous site folded to its class so a substitution never changes the context of
the next site.
Code blocks, inline code, URLs, e-mail addresses, numbers and lines that look like code or
JSON are copied unchanged and never scored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from distillguard.errors import WatermarkError
from distillguard.watermark._lexicon import NEEDS_FOLLOWING_WORD, TIER1, TIER2
from distillguard.watermark._prf import MASK64, mix64, mix64_int, str_hash
from distillguard.watermark._stats import binom_logsf
from distillguard.watermark.keys import Keyring
from distillguard.watermark.scheme import Detection, Scheme, Units

__all__ = ["TextScheme", "TextStream", "TextWatermarker", "WatermarkedText"]

_SEL_SALT = 0x5EC7_10AD_D15C_0A11
_GOLD = 0x9E3779B97F4A7C15
_S63 = np.uint64(63)

# Spans never touched: fenced code, inline code and whole lines that look like code or
# JSON (braces, semicolons, assignment, arrows, tags, indentation). URLs, e-mail addresses
# and paths are caught per site by looking at the whitespace-delimited chunk around it.
_PROTECT_RE = re.compile(
    r"(?s:```.*?(?:```|\Z))"
    r"|(?s:~~~.*?(?:~~~|\Z))"
    r"|`[^`\n]*`"
    r"|^(?:[ \t]{4,}|\t).*$"
    r"|^.*(?:[{}]|;[ \t]*$|\s=\s|==|=>|->|</?[A-Za-z]).*$",
    re.MULTILINE,
)
_WORD_RE = re.compile(r"[A-Za-z]+(?:['\u2019][A-Za-z]+)?")
_NO_TOUCH_BEFORE = frozenset("_/\\@#$.:-'")
_NO_TOUCH_AFTER = frozenset("_/\\@(-'")


@dataclass(frozen=True, slots=True)
class WatermarkedText:
    """A response after watermarking, with how much changed."""

    text: str
    n_changed: int
    n_words: int
    key_id: str
    n_sites: int = 0


@dataclass(frozen=True, slots=True)
class _Entry:
    cls: int  # class hash (key-independent)
    tier: int
    idx: int  # which form this is (0 or 1)
    forms: tuple[str, str]  # the two forms, words separated by single spaces
    n_words: int  # words in this form
    needs_follow: bool  # only a site when a word follows


def _build_tables() -> tuple[dict[str, _Entry], dict[str, list[tuple[tuple[str, ...], _Entry]]]]:
    """Single-word forms by word; multi-word forms by first word, longest first."""
    single: dict[str, _Entry] = {}
    multi: dict[str, list[tuple[tuple[str, ...], _Entry]]] = {}
    for tier, pairs in ((1, TIER1), (2, TIER2)):
        for a, b in pairs:
            cls = str_hash(f"class:{a}|{b}")
            forms = (a.replace("_", " "), b.replace("_", " "))
            follow = a in NEEDS_FOLLOWING_WORD or b in NEEDS_FOLLOWING_WORD
            for idx, form in enumerate((a, b)):
                words = tuple(form.split("_"))
                entry = _Entry(cls, tier, idx, forms, len(words), follow)
                if len(words) == 1:
                    single[words[0]] = entry
                else:
                    multi.setdefault(words[0], []).append((words, entry))
    for options in multi.values():
        options.sort(key=lambda item: -len(item[0]))
    return single, multi


_TABLE, _MULTI = _build_tables()
_START = str_hash("<start>")
_KEYS = frozenset(_TABLE) | frozenset(_MULTI)
_CHUNK_MARKS = ("://", "@", "www.")


def _in_link(text: str, s: int, e: int) -> bool:
    """True when the word at ``s:e`` sits in a URL, e-mail address or path-like chunk."""
    a = max(text.rfind(" ", 0, s), text.rfind("\n", 0, s)) + 1
    b_candidates = [i for i in (text.find(" ", e), text.find("\n", e)) if i >= 0]
    b = min(b_candidates) if b_candidates else len(text)
    chunk = text[a:b]
    return any(mark in chunk for mark in _CHUNK_MARKS)


def _norm(word: str) -> str:
    return word.lower().replace("\u2019", "'")


def _with_case(word: str, like: str) -> str:
    if len(like) > 1 and like.isupper():
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _fraction(tier: int, strength: float) -> float:
    return min(max(strength, 0.0), 1.0) if tier == 1 else min(max(strength - 1.0, 0.0), 1.0)


class TextScheme(Scheme):
    """Units, keyed choices and the exact binomial test of the text-level watermark."""

    name = "text"

    def sites(self, text: str, strength: float) -> Iterable[tuple[int, int, int, _Entry, str]]:
        """Yield ``(start, end, unit_hash, entry, word)`` for every eligible site of ``text``."""
        if _KEYS.isdisjoint(_WORD_RE.findall(text.lower())):
            return
        pos = 0
        for span in _PROTECT_RE.finditer(text):
            yield from self._segment_sites(text, pos, span.start(), strength)
            pos = span.end()
        yield from self._segment_sites(text, pos, len(text), strength)

    def _segment_sites(
        self, text: str, start: int, end: int, strength: float
    ) -> Iterable[tuple[int, int, int, _Entry, str]]:
        matches = list(_WORD_RE.finditer(text, start, end))
        prev = _START
        n = len(text)
        i = 0
        line_start = start
        while i < len(matches):
            m = matches[i]
            if text.find("\n", line_start, m.start()) >= 0:
                prev = _START  # the context is the previous word on the same line
            line_start = m.end()
            lower = _norm(m.group())
            entry, last = self._match(text, matches, i, lower)
            if entry is None:
                prev = str_hash(lower)
                i += 1
                continue
            s, e = m.start(), matches[last].end()
            i = last + 1
            line_start = e
            unit = mix64_int(((prev * _GOLD) & MASK64) ^ entry.cls)
            prev = entry.cls
            if (s > 0 and text[s - 1] in _NO_TOUCH_BEFORE) or (
                e < n
                and (
                    text[e] in _NO_TOUCH_AFTER
                    or (text[e] == "." and e + 1 < n and text[e + 1].isalnum())
                )
            ):
                continue
            if entry.needs_follow and not (e + 1 < n and text[e] == " " and text[e + 1].isalpha()):
                continue
            if _in_link(text, s, e):
                continue
            frac = _fraction(entry.tier, strength)
            if frac < 1.0 and mix64_int(unit ^ _SEL_SALT) >= int(frac * 2.0**64):
                continue
            yield s, e, unit, entry, text[s:e]

    @staticmethod
    def _match(
        text: str, matches: list[re.Match[str]], i: int, lower: str
    ) -> tuple[_Entry | None, int]:
        """The table entry starting at word ``i`` (longest phrase first) and its last word."""
        options = _MULTI.get(lower)
        if options:
            for words, entry in options:
                k = len(words)
                if i + k > len(matches):
                    continue
                ok = True
                for j in range(1, k):
                    prev_m, cur = matches[i + j - 1], matches[i + j]
                    if text[prev_m.end() : cur.start()] != " " or _norm(cur.group()) != words[j]:
                        ok = False
                        break
                if ok:
                    return entry, i + k - 1
        return _TABLE.get(lower), i

    def units(self, texts: str | Iterable[str], strength: float = 1.0) -> Units:
        """Unique scored units of one text or many (first observation of a unit kept)."""
        if isinstance(texts, str):
            texts = (texts,)
        hashes: list[int] = []
        aux: list[int] = []
        for text in texts:
            for _, _, unit, entry, _ in self.sites(text, strength):
                hashes.append(unit)
                aux.append(entry.idx)
        if not hashes:
            return Units(np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.uint8), 0)
        h = np.array(hashes, dtype=np.uint64)
        uniq, first = np.unique(h, return_index=True)
        return Units(uniq, np.array(aux, dtype=np.uint8)[first], len(hashes))

    def key_scores(self, seeds: np.ndarray, units: Units) -> np.ndarray:
        keyed = mix64(np.asarray(seeds, dtype=np.uint64)[:, None] ^ units.hashes[None, :])
        preferred = (keyed >> _S63).astype(np.uint8)
        return (preferred == units.aux[None, :]).sum(axis=1).astype(np.float64)

    def null_logsf(self, scores: np.ndarray, n: int) -> np.ndarray:
        return binom_logsf(np.rint(scores).astype(np.int64), n, 0.5)

    def expected_score(self, n: int) -> float:
        return 0.5 * n


class TextWatermarker:
    """What the gateway calls: ``apply`` a per-account text watermark, ``detect`` it.

    Holds one :class:`TextScheme` for both sides. ``strength`` 1.0 (default, every account)
    fixes every tier-1 site; up to 2.0 also fixes that fraction of tier-2 sites (use
    1.5 for ``watch`` and 2.0 for ``throttle``); below 1.0 fixes only part of tier 1.
    """

    def __init__(self, keyring: Keyring, scheme: TextScheme | None = None) -> None:
        self.keyring = keyring
        self.scheme = scheme or TextScheme()

    def apply(self, text: str, account_id: str, strength: float = 1.0) -> WatermarkedText:
        """Watermark ``text`` for ``account_id`` with the keyring's active key."""
        if not isinstance(text, str):
            raise WatermarkError("text must be a string")
        if not (isinstance(strength, int | float) and math.isfinite(strength)) or not (
            0.0 <= strength <= 2.0
        ):
            raise WatermarkError("strength must be a number from 0 to 2")
        key = self.keyring.account_key(account_id, self.scheme.name)
        seed = key.seed
        pieces: list[str] = []
        pos = 0
        changed = sites = 0
        curly = "\u2019" in text  # write contractions with the apostrophe the text uses
        for s, e, unit, entry, word in self.scheme.sites(text, strength):
            sites += 1
            want = mix64_int(seed ^ unit) >> 63
            if want != entry.idx:
                pieces.append(text[pos:s])
                form = entry.forms[want]
                if curly:
                    form = form.replace("'", "\u2019")
                pieces.append(_with_case(form, word))
                pos = e
                changed += 1
        if not changed:
            return WatermarkedText(text, 0, _count_words(text), key.key_id, sites)
        pieces.append(text[pos:])
        return WatermarkedText("".join(pieces), changed, _count_words(text), key.key_id, sites)

    def stream(self, account_id: str, strength: float = 1.0, max_hold: int = 4000) -> TextStream:
        """A :class:`TextStream` for one streamed response of ``account_id``."""
        self.apply("", account_id, strength)  # validates the arguments
        return TextStream(self, account_id, strength, max_hold)

    def units(self, texts: str | Iterable[str], strength: float = 1.0) -> Units:
        return self.scheme.units(texts, strength)

    def detect(
        self,
        texts: str | Iterable[str],
        account_id: str,
        key_id: str | None = None,
        strength: float = 1.0,
    ) -> Detection:
        """Test one account's key against a text or a corpus of texts."""
        key = self.keyring.account_key(account_id, self.scheme.name, key_id)
        return self.scheme.detect_units(self.scheme.units(texts, strength), key)


class TextStream:
    """Watermark a streamed response chunk by chunk (from :meth:`TextWatermarker.stream`).

    ``feed(delta)`` returns the text that can be relayed now: every completed line,
    watermarked exactly as :meth:`TextWatermarker.apply` would mark the whole response;
    the current unfinished line is held back (the scheme needs the whole line to know
    whether it looks like code). Fenced code blocks are tracked across lines and relayed
    unchanged. A line longer than ``max_hold`` characters is relayed unmarked rather
    than held longer. ``flush()`` returns the rest at the end of the stream.
    """

    def __init__(
        self, marker: TextWatermarker, account_id: str, strength: float, max_hold: int
    ) -> None:
        self._marker = marker
        self._account = account_id
        self._strength = strength
        self._max_hold = max_hold
        self._buf = ""
        self._fence: str | None = None
        self._passthrough = False
        self.n_changed = 0
        self.n_words = 0
        self.n_sites = 0
        self.key_id = marker.keyring.account_key(account_id, marker.scheme.name).key_id

    def feed(self, delta: str) -> str:
        """Add a chunk; return the text ready to relay (possibly empty)."""
        self._buf += delta
        cut = self._buf.rfind("\n")
        if cut < 0:
            if len(self._buf) > self._max_hold:
                self._passthrough = True
                out, self._buf = self._buf, ""
                self.n_words += _count_words(out)
                return out
            return ""
        ready, self._buf = self._buf[: cut + 1], self._buf[cut + 1 :]
        return "".join(self._line(line) for line in ready.splitlines(keepends=True))

    def flush(self) -> str:
        """The held-back rest of the response, watermarked."""
        rest, self._buf = self._buf, ""
        return self._line(rest) if rest else ""

    def result(self) -> WatermarkedText:
        """Totals so far, with an empty ``text`` (the text went out in pieces)."""
        return WatermarkedText("", self.n_changed, self.n_words, self.key_id, self.n_sites)

    def _line(self, line: str) -> str:
        if self._passthrough:  # the tail of a line already relayed unmarked
            self._passthrough = not line.endswith("\n")
            self.n_words += _count_words(line)
            return line
        if self._fence is not None:
            close = line.find(self._fence)
            if close < 0:
                return line
            head, tail = line[: close + 3], line[close + 3 :]
            self._fence = None
            return head + self._line(tail)
        for fence in ("```", "~~~"):
            if line.count(fence) % 2 == 1:
                self._fence = fence
        out = self._marker.apply(line, self._account, self._strength)
        self.n_changed += out.n_changed
        self.n_words += out.n_words
        self.n_sites += out.n_sites
        return out.text


def _count_words(text: str) -> int:
    return len(_WORD_RE.findall(text))
