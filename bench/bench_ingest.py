"""Ingest throughput: exchanges stored per second from a 1M-exchange JSON Lines log.

Usage::

    .venv/bin/python bench/bench_ingest.py --source sim --scale 3.2    # ~1M exchanges
    .venv/bin/python bench/bench_ingest.py --source synthetic --n 1000000 --workers 0 2

``--source sim`` ingests a scenario written by the simulator (``distillguard.sim.simulate``,
gzipped JSON Lines parts, ~1M exchanges at scale 3.2); ``--source synthetic`` writes a plain
JSON Lines log of ~1.1 KB chat, tool-use and Anthropic ``messages`` records itself (text from
the public prompt sets when they are beside the checkout). Logs are cached under ``/tmp``.

For each worker count the figure is the wall time of ``Store.ingest`` into a fresh DuckDB
file, reading and decompression included, then of a second ingest of the same log (all
duplicates). Because the machine is shared, it also prints the CPU seconds the ingest used
(this process, its DuckDB threads and its parser processes) per exchange and the load
average: compare worker counts within one run, not across runs.
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


def sim_log(scale: float, seed: int = 1) -> Path:
    """A simulator scenario at ``scale`` (cached); returns its exchanges folder."""
    from distillguard.sim import simulate

    out = Path(tempfile.gettempdir()) / f"dg-bench-sim-{scale:g}-{seed}"
    done = out / ".complete"
    if not done.exists():
        summary = simulate(out, scale=scale, seed=seed, show_progress=True)
        done.write_text(str(summary.n_exchanges))
    return out / "exchanges"


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run_once(log: Path, workers: int) -> dict[str, float]:
    """Ingest ``log`` twice into a fresh store with ``workers`` parser processes."""
    os.environ["DISTILLGUARD_INGEST_WORKERS"] = str(workers)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        with Store(db) as store:
            c0 = time.process_time()
            t0 = time.perf_counter()
            first = store.ingest([log], show_progress=False)
            t1 = time.perf_counter()
            parent_cpu = time.process_time() - c0
            again = store.ingest([log], show_progress=False)
            t2 = time.perf_counter()
        db_size = db.stat().st_size
    return {
        "workers": workers,
        "records": first.read,
        "stored": first.inserted,
        "rejected": first.rejected,
        "fresh_s": t1 - t0,
        "fresh_per_s": first.inserted / (t1 - t0),
        "cpu_us_per_record": first.cpu_seconds / max(first.read, 1) * 1e6,
        "parent_us_per_record": parent_cpu / max(first.read, 1) * 1e6,
        "cores": first.cpu_seconds / (t1 - t0),  # cores the ingest got on average
        "again_per_s": again.read / (t2 - t1),
        "db_mb": db_size / 1e6,
        "load": os.getloadavg()[0],
    }


def breakdown(log: Path, limit: int = 50_000) -> dict[str, float]:
    """CPU µs per record of each ingest stage, in this process, best of three passes."""
    import gc

    import duckdb
    import pyarrow as pa

    from distillguard.store._lines import parse_exchange_lines
    from distillguard.store._readers import blocks, discover, rows_to_table
    from distillguard.store._rows import exchange_row
    from distillguard.store._schema import EXCHANGE_COLUMNS, EXCHANGE_SCHEMA, SCHEMA_SQL

    files = discover([log])
    c0 = time.process_time()
    chunks: list[list[bytes]] = []
    n = 0
    for path, kind in files:
        for block in blocks(path, kind):
            lines = [x for x in block.text().split(b"\n") if x.strip()]
            chunks.append(lines[: limit - n])
            n += len(chunks[-1])
            if n >= limit:
                break
        if n >= limit:
            break
    read_cpu = (time.process_time() - c0) / n * 1e6
    gc.disable()
    try:

        def best(fn: object) -> float:
            times = []
            for _ in range(3):
                c = time.process_time()
                fn()  # type: ignore[operator]
                times.append(time.process_time() - c)
            return min(times) / n * 1e6

        loads = orjson.loads
        objs = [[loads(x) for x in lines] for lines in chunks]
        rows = [[exchange_row(o) for o in group] for group in objs]
        tables = [rows_to_table(r, EXCHANGE_SCHEMA) for r in rows]
        table = pa.concat_tables(tables)
        cols = ", ".join(EXCHANGE_COLUMNS)

        def insert() -> None:
            with tempfile.TemporaryDirectory() as tmp:
                con = duckdb.connect(str(Path(tmp) / "b.duckdb"))
                con.execute(SCHEMA_SQL)
                con.register("b", table)
                con.execute(
                    f"INSERT INTO exchanges ({cols}) SELECT {cols} FROM b "
                    "WHERE NOT EXISTS (SELECT 1 FROM exchanges e WHERE e.id = b.id)"
                )
                con.close()

        texts = [b"\n".join(lines) for lines in chunks]

        return {
            "records": n,
            "read+decompress (once)": read_cpu,
            "parse to Arrow (ingest path)": best(
                lambda: [parse_exchange_lines(t, "b", 1) for t in texts]
            ),
            "reference: json decode": best(lambda: [[loads(x) for x in lines] for lines in chunks]),
            "reference: validate+row": best(lambda: [[exchange_row(o) for o in g] for g in objs]),
            "reference: arrow": best(lambda: [rows_to_table(r, EXCHANGE_SCHEMA) for r in rows]),
            "duckdb insert": best(insert),
        }
    finally:
        gc.enable()


def insert_sizes(log: Path, sizes: list[int], rounds: int = 6) -> dict[int, float]:
    """CPU µs per row of DuckDB inserts (anti-join on id, threads=1, fresh file) by batch
    size: the first file's exchanges, repeated ``rounds`` times with distinct ids."""
    import duckdb
    import pyarrow as pa
    import pyarrow.compute as pc

    from distillguard.store._lines import parse_exchange_lines
    from distillguard.store._readers import blocks, discover
    from distillguard.store._schema import EXCHANGE_COLUMNS, SCHEMA_SQL

    path, kind = discover([log])[0]
    part = pa.concat_tables(
        [parse_exchange_lines(b.text(), b.file, 1)[0] for b in blocks(path, kind)]
    )
    copies = []
    for r in range(rounds):
        ids = pc.binary_join_element_wise(pa.scalar(f"r{r}-"), part.column("id"), "")
        copies.append(part.set_column(0, "id", ids))
    table = pa.concat_tables(copies).combine_chunks()
    cols = ", ".join(EXCHANGE_COLUMNS)
    out = {}
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            con = duckdb.connect(str(Path(tmp) / "b.duckdb"))
            con.execute(SCHEMA_SQL)
            con.execute("SET threads = 1")
            started = time.process_time()
            for i in range(0, table.num_rows, size):
                con.register("b", table.slice(i, size))
                con.execute(
                    f"INSERT INTO exchanges ({cols}) SELECT {cols} FROM b "
                    "WHERE NOT EXISTS (SELECT 1 FROM exchanges e WHERE e.id = b.id)"
                )
                con.unregister("b")
            out[size] = (time.process_time() - started) / table.num_rows * 1e6
            con.close()
    return out


def calibrate() -> float:
    """CPU seconds of a 10M-iteration pure-Python loop: how fast this machine is right now
    (about 0.4 s on a current desktop core)."""
    started = time.process_time()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.process_time() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--source", choices=["sim", "synthetic"], default="sim")
    parser.add_argument("--scale", type=float, default=3.2, help="simulator scale (sim)")
    parser.add_argument("--n", type=int, default=1_000_000, help="records (synthetic)")
    parser.add_argument("--workers", type=int, nargs="*", default=[2], help="parser processes")
    parser.add_argument("--log", type=Path, default=None, help="ingest this file or folder")
    parser.add_argument(
        "--breakdown", action="store_true", help="also time each stage (CPU, 50k records)"
    )
    parser.add_argument(
        "--insert-sizes",
        type=int,
        nargs="*",
        default=[],
        help="also time DuckDB inserts of these batch sizes (CPU per row)",
    )
    args = parser.parse_args(argv)

    if args.log is not None:
        log = args.log
    elif args.source == "sim":
        log = sim_log(args.scale)
    else:
        log = make_log(args.n, Path(tempfile.gettempdir()) / f"dg-bench-{args.n}.jsonl")
    size = _size(log)
    print(
        f"log {log}: {size / 1e6:,.0f} MB on disk; {os.cpu_count()} CPUs; "
        f"10M-iteration Python loop {calibrate():.2f} CPU s; load avg {os.getloadavg()[0]:.1f}"
    )
    if args.breakdown:
        stages = breakdown(log)
        n = stages.pop("records")
        print(
            f"CPU per record by stage ({n:,.0f} records, best of 3, load avg "
            f"{os.getloadavg()[0]:.1f}):"
        )
        for name, us in stages.items():
            print(f"  {name:<24} {us:6.1f} us")
    if args.insert_sizes:
        costs = insert_sizes(log, args.insert_sizes)
        print(f"DuckDB insert CPU per row by batch size (load avg {os.getloadavg()[0]:.1f}):")
        for size, us in costs.items():
            print(f"  {size:>9,} rows  {us:5.1f} us")
    for workers in args.workers:
        r = run_once(log, workers)
        print(
            f"workers={workers}: {r['stored']:,.0f} stored of {r['records']:,.0f} "
            f"({r['rejected']:,.0f} rejected) in {r['fresh_s']:.1f} s = "
            f"{r['fresh_per_s']:,.0f}/s; CPU {r['cpu_us_per_record']:.1f} us/record "
            f"(ingesting process {r['parent_us_per_record']:.1f}; {r['cores']:.2f} cores busy); "
            f"re-ingest {r['again_per_s']:,.0f}/s; store {r['db_mb']:,.0f} MB; "
            f"load avg {r['load']:.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
