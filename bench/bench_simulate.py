"""Simulator throughput and memory.

Runs ``distillguard.sim.simulate`` once per worker count in fresh child processes and
prints exchanges per second (wall clock) and per CPU-second (stable on a shared machine),
the ratio between worker counts measured in the same run, and the peak resident memory of
the run (parent and largest worker)::

    .venv/bin/python bench/bench_simulate.py --scale 0.5 --workers 1 2
    .venv/bin/python bench/bench_simulate.py --preset disclosed --workers 2   # the big one
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path


def _cpu() -> float:
    """User + system CPU seconds of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _one(out: str, scale: float, days: int, preset: str | None, workers: int, queue) -> None:
    from distillguard.sim import simulate

    t0 = time.perf_counter()
    c0 = _cpu()
    summary = simulate(
        out, scale=scale, days=days, preset=preset, seed=1, workers=workers, show_progress=False
    )
    wall = time.perf_counter() - t0
    cpu = _cpu() - c0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    size = sum(p.stat().st_size for p in (Path(out) / "exchanges").glob("part-*"))
    queue.put(
        {
            "workers": workers,
            "exchanges": summary.n_exchanges,
            "accounts": summary.n_accounts,
            "attack_accounts": sum(c["n_accounts"] for c in summary.campaigns.values()),
            "attack_exchanges": sum(c["n_exchanges"] for c in summary.campaigns.values()),
            "wall_s": round(wall, 2),
            "ex_per_s": round(summary.n_exchanges / wall),
            "cpu_s": round(cpu, 1),
            "ex_per_cpu_s": round(summary.n_exchanges / cpu),
            "peak_rss_mb_parent": round(own / 1024),
            "peak_rss_mb_worker": round(kids / 1024),
            "gz_bytes_per_exchange": round(size / max(1, summary.n_exchanges), 1),
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.5)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--preset", default=None)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--out", default=None, help="where to write (default: a temp dir)")
    args = parser.parse_args(argv)
    ctx = multiprocessing.get_context("spawn")
    rows = []
    for workers in args.workers:
        with tempfile.TemporaryDirectory(dir=args.out) as tmp:
            queue = ctx.Queue()
            proc = ctx.Process(
                target=_one, args=(tmp, args.scale, args.days, args.preset, workers, queue)
            )
            proc.start()
            row = queue.get()
            proc.join()
            rows.append(row)
            print(json.dumps(row), flush=True)
    if len(rows) > 1:
        base = rows[0]["ex_per_s"]
        for row in rows[1:]:
            print(
                f"speed-up {row['workers']} vs {rows[0]['workers']} workers: "
                f"{row['ex_per_s'] / base:.2f}x"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
