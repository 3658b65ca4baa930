"""A procedural English-like text generator: the training text of the reference model.

Nothing is downloaded: the reference model (``refmodel.py``) is trained on sentences drawn
from this small grammar, whose word lists were written for this project. Its branching is
deliberately wide (any of ~100 nouns after a determiner) so a model trained on it has the
per-token entropy a watermark needs, and its classes double as a synonym table for the
substitution attacks of the robustness benchmark.
"""

from __future__ import annotations

import numpy as np

__all__ = ["WORD_CLASSES", "procedural_corpus", "procedural_sentence"]

WORD_CLASSES: dict[str, tuple[str, ...]] = {
    "noun": tuple(
        [
            "model",
            "system",
            "river",
            "garden",
            "teacher",
            "student",
            "engine",
            "city",
            "valley",
            "answer",
            "question",
            "network",
            "signal",
            "problem",
            "method",
            "result",
            "market",
            "planet",
            "village",
            "doctor",
            "farmer",
            "window",
            "kitchen",
            "library",
            "museum",
            "forest",
            "mountain",
            "ocean",
            "island",
            "bridge",
            "road",
            "station",
            "machine",
            "computer",
            "program",
            "function",
            "server",
            "client",
            "record",
            "account",
            "letter",
            "story",
            "picture",
            "song",
            "painting",
            "camera",
            "bottle",
            "table",
            "chair",
            "door",
            "wall",
            "roof",
            "field",
            "harvest",
            "season",
            "winter",
            "summer",
            "morning",
            "evening",
            "journey",
            "mission",
            "project",
            "report",
            "theory",
            "experiment",
            "lesson",
            "chapter",
            "language",
            "pattern",
            "circle",
            "square",
            "triangle",
            "number",
            "friend",
            "neighbour",
            "stranger",
            "captain",
            "soldier",
            "artist",
            "writer",
            "reader",
            "driver",
            "pilot",
            "company",
            "council",
            "committee",
            "budget",
            "contract",
            "policy",
            "colour",
            "flavour",
            "centre",
            "theatre",
        ]
    ),
    "verb": tuple(
        [
            "found",
            "built",
            "moved",
            "opened",
            "closed",
            "followed",
            "changed",
            "carried",
            "watched",
            "measured",
            "tested",
            "wrote",
            "read",
            "painted",
            "planned",
            "started",
            "finished",
            "repaired",
            "visited",
            "explained",
            "described",
            "discovered",
            "designed",
            "improved",
            "organised",
            "analysed",
            "collected",
            "shared",
            "protected",
            "examined",
            "reported",
            "counted",
            "traced",
            "crossed",
            "reached",
            "joined",
            "helped",
            "showed",
            "used",
            "bought",
            "sold",
            "lost",
            "kept",
            "gave",
            "took",
            "made",
            "saw",
            "heard",
        ]
    ),
    "adj": tuple(
        [
            "big",
            "large",
            "small",
            "quick",
            "fast",
            "slow",
            "bright",
            "dark",
            "quiet",
            "loud",
            "old",
            "new",
            "young",
            "ancient",
            "modern",
            "simple",
            "complex",
            "careful",
            "strange",
            "famous",
            "hidden",
            "open",
            "narrow",
            "wide",
            "heavy",
            "light",
            "warm",
            "cold",
            "green",
            "red",
            "blue",
            "golden",
            "silver",
            "wooden",
            "broken",
            "clean",
            "busy",
            "empty",
            "full",
            "rich",
            "poor",
            "early",
            "late",
            "gentle",
            "sharp",
            "soft",
            "hard",
            "calm",
            "wild",
            "proud",
            "tired",
            "happy",
            "serious",
        ]
    ),
    "adv": tuple(
        [
            "quickly",
            "slowly",
            "carefully",
            "quietly",
            "often",
            "rarely",
            "suddenly",
            "finally",
            "usually",
            "already",
            "nearly",
            "always",
            "never",
            "also",
            "again",
            "soon",
            "later",
            "today",
        ]
    ),
    "prep": tuple(
        [
            "in",
            "on",
            "near",
            "behind",
            "under",
            "above",
            "across",
            "through",
            "beside",
            "toward",
            "with",
        ]
    ),
    "det": tuple(["the", "a", "this", "that", "every", "each", "one", "another", "some", "no"]),
    "pron": tuple(["she", "he", "they", "we", "it", "someone", "nobody", "everyone"]),
    "conj": tuple(["because", "while", "although", "when", "after", "before", "since", "until"]),
}

_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "tr")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ea")
_CODAS = ("", "", "n", "l", "r", "s", "m")


def _pseudo_words(n: int, seed: int, suffix: str) -> tuple[str, ...]:
    """``n`` distinct pronounceable made-up words (fixed by ``seed``), ending in ``suffix``.

    They widen the grammar's classes, and with them the per-token entropy of the reference
    model, beyond what a hand-written list would reach.
    """
    rng = np.random.default_rng(seed)
    taken = {w for pool in WORD_CLASSES.values() for w in pool}
    out: list[str] = []
    while len(out) < n:
        k = int(rng.integers(2, 4))
        word = (
            "".join(
                _ONSETS[rng.integers(len(_ONSETS))]
                + _VOWELS[rng.integers(len(_VOWELS))]
                + _CODAS[rng.integers(len(_CODAS))]
                for _ in range(k)
            )
            + suffix
        )
        if word not in taken:
            taken.add(word)
            out.append(word)
    return tuple(out)


WORD_CLASSES["noun"] += _pseudo_words(300, 1, "")
WORD_CLASSES["adj"] += _pseudo_words(120, 2, "ic")
WORD_CLASSES["verb"] += _pseudo_words(120, 3, "ed")

_TEMPLATES: tuple[tuple[str, ...], ...] = (
    ("det", "noun", "verb", "det", "noun", "."),
    ("det", "adj", "noun", "verb", "det", "adj", "noun", "prep", "det", "noun", "."),
    ("pron", "adv", "verb", "det", "noun", "."),
    ("pron", "verb", "det", "adj", "noun", "conj", "det", "noun", "verb", "adv", "."),
    ("det", "noun", "prep", "det", "noun", "verb", "det", "noun", "."),
    ("adv", ",", "det", "adj", "noun", "verb", "det", "noun", "."),
    ("det", "noun", "verb", "adj", "noun", "and", "adj", "noun", "."),
    ("conj", "pron", "verb", "det", "noun", ",", "det", "noun", "verb", "det", "noun", "."),
)


def procedural_sentence(rng: np.random.Generator, draws: dict[str, list[str]]) -> str:
    """One sentence: a random template with every slot filled from its word class.

    ``draws`` holds pre-drawn words per class (consumed from the end), which makes
    generating a corpus a few vectorised draws instead of one draw per word.
    """
    template = _TEMPLATES[int(rng.integers(len(_TEMPLATES)))]
    words = [draws[slot].pop() if slot in draws else slot for slot in template]
    return " ".join(words).replace(" .", ".").replace(" ,", ",")


def procedural_corpus(n_sentences: int, seed: int = 0, per_doc: int = 8) -> list[str]:
    """``n_sentences`` sentences grouped into documents of ``per_doc`` sentences.

    Word frequencies within each class follow a seeded Zipf-like law, so corpora drawn
    with different seeds share a vocabulary but differ in their statistics, as two
    human-written corpora would.
    """
    rng = np.random.default_rng(seed)
    most = max(sum(1 for s in t if s in WORD_CLASSES) for t in _TEMPLATES)
    draws: dict[str, list[str]] = {}
    for name, pool in WORD_CLASSES.items():
        ranks = rng.permutation(len(pool)) + 1.0
        w = ranks**-0.6
        idx = rng.choice(len(pool), size=n_sentences * most, p=w / w.sum())
        draws[name] = [pool[i] for i in idx]
    docs: list[str] = []
    for start in range(0, n_sentences, per_doc):
        count = min(per_doc, n_sentences - start)
        docs.append(" ".join(procedural_sentence(rng, draws) for _ in range(count)))
    return docs
