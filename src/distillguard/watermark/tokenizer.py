"""Tokenizers: a two-method protocol, a built-in word/byte tokenizer and a Hugging Face adapter.

Detectors work on token ids and must see exactly the ids the generator produced, so they
take the tokenizer of the model that generated the text. :class:`WordTokenizer` is the
deterministic tokenizer of the reference model: ids 0-255 are bytes, 256 marks the start of
a word spelled in bytes (any word outside the vocabulary), 257 is end-of-text, and the
vocabulary's words follow. ``encode(decode(ids)) == ids`` for every id sequence the
reference model emits. :class:`HFTokenizer` wraps any ``transformers`` tokenizer; it
imports nothing until :meth:`HFTokenizer.from_pretrained` is called.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

from distillguard.errors import WatermarkError

__all__ = ["EOS_ID", "HFTokenizer", "Tokenizer", "WordTokenizer", "split_words"]

BOW_ID = 256
EOS_ID = 257
_FIRST_WORD = 258
_TOKEN_RE = re.compile(r"\w+(?:'\w+)?|[^\w\s]", re.UNICODE)
_ATTACH_LEFT = frozenset(".,;:!?)]}%'")
_ATTACH_RIGHT = frozenset("([{$")


@runtime_checkable
class Tokenizer(Protocol):
    """What a detector needs from a tokenizer."""

    @property
    def vocab_size(self) -> int: ...

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: Sequence[int]) -> str: ...


def split_words(text: str) -> list[str]:
    """The word and punctuation pieces :class:`WordTokenizer` sees, in order."""
    return _TOKEN_RE.findall(text)


class WordTokenizer:
    """Word-level tokenizer with byte fallback; the vocabulary is fixed at construction."""

    def __init__(self, words: Iterable[str]) -> None:
        vocab: list[str] = []
        seen: set[str] = set()
        for word in words:
            if not word or word in seen or _TOKEN_RE.fullmatch(word) is None:
                continue
            seen.add(word)
            vocab.append(word)
        self.words: tuple[str, ...] = tuple(vocab)
        self._ids = {w: i + _FIRST_WORD for i, w in enumerate(self.words)}

    @classmethod
    def from_texts(cls, texts: Iterable[str], max_words: int = 50_000) -> WordTokenizer:
        """Vocabulary of the most frequent pieces of ``texts`` (ties broken by first sight)."""
        counts: dict[str, int] = {}
        for text in texts:
            for piece in _TOKEN_RE.findall(text):
                counts[piece] = counts.get(piece, 0) + 1
        ranked = sorted(counts, key=lambda w: -counts[w])[:max_words]
        return cls(ranked)

    @property
    def vocab_size(self) -> int:
        return _FIRST_WORD + len(self.words)

    def encode(self, text: str) -> list[int]:
        ids: list[int] = []
        get = self._ids.get
        for piece in _TOKEN_RE.findall(text):
            i = get(piece)
            if i is not None:
                ids.append(i)
            else:
                ids.append(BOW_ID)
                ids.extend(piece.encode("utf-8"))
        return ids

    def decode(self, ids: Sequence[int]) -> str:
        pieces: list[str] = []
        buf = bytearray()
        spelling = False

        def flush() -> None:
            if buf:
                pieces.append(buf.decode("utf-8", errors="replace"))
                buf.clear()

        for raw in ids:
            i = int(raw)
            if spelling and 0 <= i < BOW_ID:
                buf.extend(bytes((i,)))
                continue
            flush()
            spelling = False
            if i == BOW_ID:
                spelling = True
            elif i == EOS_ID:
                break
            elif _FIRST_WORD <= i < self.vocab_size:
                pieces.append(self.words[i - _FIRST_WORD])
            elif 0 <= i < BOW_ID:
                pieces.append(chr(i))
            else:
                raise WatermarkError(f"token id {i} is outside the vocabulary")
        flush()
        out: list[str] = []
        for piece in pieces:
            if out and not (piece in _ATTACH_LEFT or out[-1] in _ATTACH_RIGHT):
                out.append(" ")
            out.append(piece)
        return "".join(out)

    def to_json(self) -> list[str]:
        return list(self.words)


class HFTokenizer:
    """Adapter from a Hugging Face tokenizer to :class:`Tokenizer` (no special tokens added)."""

    def __init__(self, hf_tokenizer: Any) -> None:
        self.hf = hf_tokenizer

    @classmethod
    def from_pretrained(cls, path: str) -> HFTokenizer:
        """Load a local tokenizer with ``transformers`` (imported only here; no downloads)."""
        try:
            from transformers import AutoTokenizer
        except ImportError:
            raise WatermarkError(
                "the hf: tokenizer needs the optional 'ml' extra (transformers)"
            ) from None
        try:
            return cls(AutoTokenizer.from_pretrained(path, local_files_only=True))
        except OSError as exc:
            raise WatermarkError(f"cannot load tokenizer from {path}: {exc}") from None

    @property
    def vocab_size(self) -> int:
        return len(self.hf)

    def encode(self, text: str) -> list[int]:
        return list(self.hf.encode(text, add_special_tokens=False))

    def decode(self, ids: Sequence[int]) -> str:
        return str(self.hf.decode(list(ids), skip_special_tokens=True))
