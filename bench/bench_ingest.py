"""Ingest throughput: exchanges stored per second from a 1M-exchange JSON Lines log.

Usage::

    .venv/bin/python bench/bench_ingest.py [--n 1000000] [--workers N] [--keep]

The log comes from the simulator (``distillguard.sim.simulate``) when it is installed and
``--source sim`` is given; otherwise this script writes a log of realistic records itself
(chat, tool-use and Anthropic ``messages`` exchanges of 1–2 KB, text drawn from the public
prompt sets when they are beside the checkout). The log is cached under ``/tmp`` between
runs. The figure is wall time for ``Store.ingest`` into a fresh DuckDB file, reading
included; a second ingest of the same log (all duplicates) is timed too.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from distillguard.exchange import format_ts
from distillguard.store import Store

SHARED_PROMPTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "prompts"
_WORDS = [
    "the",
    "model",
    "returns",
    "a",
    "list",
    "of",
    "values",
    "for",
    "each",
    "request",
    "so",
    "that",
    "the",
    "function",
    "can",
    "parse",
    "input",
    "data",
    "and",
    "compute",
    "results",
    "step",
    "by",
    "step",
    "explain",
    "why",
    "this",
    "approach",
    "works",
]


def _texts(rng: random.Random) -> list[str]:
    texts: list[str] = []
    if SHARED_PROMPTS.is_dir():
        for path in sorted(SHARED_PROMPTS.glob("*.jsonl")):
            with path.open("rb") as f:
                for i, line in enumerate(f):
                    if i >= 400:
                        break
                    rec = orjson.loads(line)
                    for msg in rec.get("messages", []):
                        content = msg.get("content")
                        if isinstance(content, str) and content:
                            texts.append(content[:1500])
    if not texts:
        texts = [" ".join(rng.choices(_WORDS, k=rng.randint(20, 200))) for _ in range(2000)]
    return texts


def _record(i: int, rng: random.Random, texts: list[str], start: datetime) -> dict:
    ts = start + timedelta(microseconds=i * 86_400 + rng.randint(0, 999) * 1000)
    prompt = rng.choice(texts)
    answer = rng.choice(texts)
    kind = rng.random()
    acct = f"acct-{rng.randint(0, 20_000):05d}"
    if kind < 0.7:
        endpoint = "chat.completions"
        request = {
            "model": rng.choice(["frontier-1", "frontier-1-mini", "frontier-2"]),
            "messages": [
                {"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": prompt},
            ],
            "temperature": 0.7,
            "max_tokens": 1024,
        }
        if kind < 0.15:
            request["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": "run_code",
                        "parameters": {
                            "type": "object",
                            "properties": {"code": {"type": "string"}},
                        },
                    },
                }
            ]
        response = {
            "id": f"chatcmpl-{i}",
            "object": "chat.completion",
            "model": request["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": answer},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": len(prompt) // 4, "completion_tokens": len(answer) // 4},
        }
    else:
        endpoint = "messages"
        request = {
            "model": "claude-like-1",
            "max_tokens": 2048,
            "system": "Think step by step.",
            "messages": [{"role": "user", "content": [{"type": "text", "text": prompt}]}],
        }
        response = {
            "id": f"msg_{i}",
            "type": "message",
            "role": "assistant",
            "content": [{"type": "text", "text": answer}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": len(prompt) // 4, "output_tokens": len(answer) // 4},
        }
    return {
        "id": f"ex-{i:09d}",
        "ts": format_ts(ts),
        "account_id": acct,
        "endpoint": endpoint,
        "request": request,
        "response": response,
        "key_id": f"key-{acct[-5:]}-1",
        "ip": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        "user_agent": rng.choice(["python-httpx/0.27", "OpenAI/Python 1.40", "curl/8.5"]),
        "status": 200 if rng.random() > 0.01 else 429,
        "latency_ms": round(rng.uniform(100, 9000), 1),
        "meta": {"region": rng.choice(["eu", "us", "ap"])},
    }


def make_log(n: int, path: Path, seed: int = 7) -> Path:
    """Write ``n`` records to ``path`` (cached: reused when it already holds ``n`` lines)."""
    marker = path.with_suffix(".n")
    if path.exists() and marker.exists() and marker.read_text() == str(n):
        return path
    rng = random.Random(seed)
    texts = _texts(rng)
    start = datetime(2026, 2, 23, tzinfo=UTC)
    with path.open("wb") as f:
        buf = []
        for i in range(n):
            buf.append(orjson.dumps(_record(i, rng, texts, start)))
            if len(buf) == 10_000:
                f.write(b"\n".join(buf) + b"\n")
                buf = []
        if buf:
            f.write(b"\n".join(buf) + b"\n")
    marker.write_text(str(n))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=None, help="parser processes")
    parser.add_argument("--log", type=Path, default=None, help="use this log instead")
    args = parser.parse_args(argv)

    log = args.log or make_log(args.n, Path(tempfile.gettempdir()) / f"dg-bench-{args.n}.jsonl")
    size = log.stat().st_size if log.is_file() else 0
    if args.workers is not None:
        os.environ["DISTILLGUARD_INGEST_WORKERS"] = str(args.workers)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        with Store(db) as store:
            t0 = time.perf_counter()
            first = store.ingest([log], show_progress=False)
            t1 = time.perf_counter()
            again = store.ingest([log], show_progress=False)
            t2 = time.perf_counter()
        db_size = db.stat().st_size
    fresh = first.inserted / (t1 - t0)
    print(
        f"log {log} ({size / 1e6:.0f} MB, {first.read:,} records, "
        f"{size / max(first.read, 1):.0f} B/record)"
    )
    print(f"fresh ingest   {first.inserted:>10,} stored in {t1 - t0:6.1f} s = {fresh:>9,.0f}/s")
    print(
        f"re-ingest      {again.duplicates:>10,} dups   in {t2 - t1:6.1f} s = "
        f"{again.read / (t2 - t1):>9,.0f}/s"
    )
    print(f"store size     {db_size / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
