"""The reference model: a bigram language model in NumPy, trained here in seconds.

It is the model of the tests, the benchmarks and the radioactivity demo: a teacher we can
sample from (with or without a watermark), and students trained on mixes of human and
watermarked text whose weights we can read. Probabilities interpolate the bigram and
unigram estimates; tokens never seen in training keep probability 0, so the model never
emits byte-fallback ids. The whole model is a dense ``V x V`` log-probability matrix, so a
generation step is one row lookup.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import orjson

from distillguard.errors import WatermarkError
from distillguard.watermark._grammar import WORD_CLASSES, procedural_corpus
from distillguard.watermark.tokenizer import WordTokenizer

__all__ = ["NGramModel", "reference_tokenizer", "train_reference"]

#: ``bias(context, logits) -> logits`` (e.g. a :class:`~distillguard.watermark.kgw.KGWBias`).
LogitsHook = Callable[[Sequence[int], np.ndarray], np.ndarray]
#: ``sample(context, probs) -> token`` (e.g. a ``GumbelSampler``).
SampleHook = Callable[[Sequence[int], np.ndarray], int]


def reference_tokenizer() -> WordTokenizer:
    """The fixed vocabulary of the reference model: the grammar's words and punctuation."""
    words: list[str] = [".", ",", "and"]
    for pool in WORD_CLASSES.values():
        words.extend(pool)
    return WordTokenizer(words)


class NGramModel:
    """Interpolated bigram model over a :class:`WordTokenizer`'s ids.

    ``fit`` stores counts; ``logprobs_`` is the ``V x V`` matrix of
    ``log P(next | previous)``; ``lam`` weights the bigram against the unigram estimate.
    """

    def __init__(self, tokenizer: WordTokenizer, lam: float = 0.9) -> None:
        if not 0.0 <= lam <= 1.0:
            raise WatermarkError("lam must be in [0, 1]")
        self.tokenizer = tokenizer
        self.lam = lam

    def fit(
        self, texts: Iterable[str] | None = None, ids: Iterable[Sequence[int]] = ()
    ) -> NGramModel:
        """Count bigrams of ``texts`` (encoded) and of already encoded ``ids`` sequences."""
        v = self.tokenizer.vocab_size
        counts = np.zeros((v, v), dtype=np.float64)
        seqs: list[np.ndarray] = [np.asarray(s, dtype=np.int64) for s in ids]
        for text in texts or ():
            seqs.append(np.asarray(self.tokenizer.encode(text), dtype=np.int64))
        for seq in seqs:
            seq = seq[(seq >= 0) & (seq < v)]
            if seq.size >= 2:
                np.add.at(counts, (seq[:-1], seq[1:]), 1.0)
        return self._from_counts(counts)

    def _from_counts(self, counts: np.ndarray) -> NGramModel:
        self.counts_ = counts
        unigram = counts.sum(axis=0)
        total = unigram.sum()
        if total <= 0:
            raise WatermarkError("cannot fit a model on empty text")
        uni = unigram / total
        rows = counts.sum(axis=1, keepdims=True)
        big = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
        lam = np.where(rows > 0, self.lam, 0.0)
        probs = lam * big + (1.0 - lam) * uni[None, :]
        with np.errstate(divide="ignore"):
            self.logprobs_ = np.log(probs)
        return self

    def logits(self, context: Sequence[int]) -> np.ndarray:
        """Next-token log-probabilities after ``context`` (a copy; -inf for impossible tokens)."""
        if not len(context):
            raise WatermarkError("the reference model needs at least one context token")
        return self.logprobs_[int(context[-1])].copy()

    def generate(
        self,
        prompt: Sequence[int],
        n_tokens: int,
        rng: np.random.Generator,
        bias: LogitsHook | None = None,
        sampler: SampleHook | None = None,
        temperature: float = 1.0,
    ) -> list[int]:
        """``n_tokens`` new ids after ``prompt``; ``bias`` edits logits, ``sampler`` picks."""
        out = [int(t) for t in prompt]
        if not out:
            raise WatermarkError("generation needs a non-empty prompt")
        table = self.logprobs_
        for _ in range(n_tokens):
            row = table[out[-1]]
            if bias is not None:
                row = bias(out, row)
            z = row / temperature if temperature != 1.0 else row
            z = np.exp(z - z.max())
            p = z / z.sum()
            if sampler is not None:
                nxt = sampler(out, p)
            else:
                nxt = int(np.searchsorted(np.cumsum(p), rng.random() * (1.0 - 1e-12)))
            out.append(nxt)
        return out[len(prompt) :]

    def predict_top(self, ids: Sequence[int] | np.ndarray, k: int = 1) -> np.ndarray:
        """Teacher forcing: the ``k`` most likely next tokens after every position of ``ids``."""
        arr = np.asarray(ids, dtype=np.int64)
        rows = self.logprobs_[arr]
        if k == 1:
            return rows.argmax(axis=1)[:, None]
        top = np.argpartition(-rows, k - 1, axis=1)[:, :k]
        return top

    # -- persistence -------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write counts and vocabulary to one ``.npz`` file."""
        meta = orjson.dumps({"lam": self.lam, "words": self.tokenizer.to_json()})
        with open(path, "wb") as fh:
            np.savez_compressed(
                fh, counts=self.counts_.astype(np.float32), meta=np.frombuffer(meta, dtype=np.uint8)
            )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> NGramModel:
        """Read a model written by :meth:`save`."""
        p = Path(path)
        try:
            with np.load(p, allow_pickle=False) as data:
                meta = orjson.loads(data["meta"].tobytes())
                counts = data["counts"].astype(np.float64)
        except (OSError, KeyError, ValueError, orjson.JSONDecodeError) as exc:
            raise WatermarkError(f"cannot read n-gram model {p}: {exc}") from None
        model = cls(WordTokenizer(meta["words"]), float(meta["lam"]))
        if counts.shape != (model.tokenizer.vocab_size,) * 2:
            raise WatermarkError(f"n-gram model {p} does not match its vocabulary")
        return model._from_counts(counts)


def train_reference(n_sentences: int = 20_000, seed: int = 0, lam: float = 0.9) -> NGramModel:
    """A reference model trained on ``n_sentences`` procedural sentences (about a second)."""
    tok = reference_tokenizer()
    return NGramModel(tok, lam).fit(procedural_corpus(n_sentences, seed))
