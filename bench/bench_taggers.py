"""How the chain-of-thought and grading taggers fare on prompts they were not written from.

``bench/data/tag_phrasings.jsonl`` holds 200 prompts written by a helper session that never
saw the tag patterns: ``cot`` (requests for the reasoning trace, 60), ``grader`` (the model
as a judge, 40), ``hard_negative`` (ordinary requests sharing their vocabulary, 60) and
``plain`` (40). Prints, per kind, how many are tagged ``cot``, ``grading`` and ``datagen``.
``bench/data/datagen_phrasings.jsonl`` (session 12, another helper under the same rule):
``datagen`` (requests for training data, 60) and ``datagen_negative`` (60).
``bench/data/tag_phrasings_holdout.jsonl`` (session 13, a third helper under the same
rule, 300 prompts, a fifth of them in nine other languages): ``cot`` (90), ``grader``
(60), ``hard_negative`` (100) and ``plain`` (50); its first run is the held-out figure
(``docs/benchmarks.md``), the taggers were revised after reading its misses.

Usage: .venv/bin/python bench/bench_taggers.py [FILE]
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import orjson

from distillguard.detect.enrich import tag_names, tag_text

DATA = Path(__file__).resolve().parent / "data" / "tag_phrasings.jsonl"
TAGS_SHOWN = ("cot", "grading", "datagen")


def main(path: Path) -> None:
    rows = [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    n: Counter[str] = Counter()
    hits: Counter[tuple[str, str]] = Counter()
    for row in rows:
        tags = set(tag_names(tag_text(row["text"])))
        n[row["kind"]] += 1
        for tag in TAGS_SHOWN:
            hits[row["kind"], tag] += tag in tags
    print(f"{'kind':17s} {'n':>4s}" + "".join(f" {tag:>8s}" for tag in TAGS_SHOWN))
    for kind in n:
        print(f"{kind:17s} {n[kind]:4d}" + "".join(f" {hits[kind, t]:8d}" for t in TAGS_SHOWN))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA)
