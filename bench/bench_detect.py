"""Benchmark ``distillguard detect`` end to end on simulated logs.

Generates (or reuses) simulator scenarios at the given scales, runs
``distillguard detect --exchanges ... --accounts ... --out ...`` in a child process for
each, and prints exchanges/s, wall time and peak RSS (the largest process of the run,
workers included), plus the time-growth exponent between the two largest logs
(``log(t2/t1) / log(n2/n1)``; 1.0 = linear). Speed figures are ratios within one run.

    .venv/bin/python bench/bench_detect.py --scales 1 3.4 --cache /tmp/dg-bench
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def _scenario(cache: Path, scale: float, seed: int) -> tuple[Path, int]:
    out = cache / f"sim-{scale:g}-{seed}"
    if not (out / "scenario.json").is_file():
        from distillguard.sim import simulate

        simulate(out, scale=scale, seed=seed, show_progress=False)
    return out, json.loads((out / "scenario.json").read_text())["n_exchanges"]


def _run(sim: Path, out: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "distillguard",
            "detect",
            "--exchanges",
            str(sim / "exchanges"),
            "--accounts",
            str(sim / "accounts.jsonl"),
            "--out",
            str(out),
        ],
        check=True,
        env={**os.environ, "DISTILLGUARD_PROGRESS": "0"},
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return seconds, peak / 1024  # MiB (ru_maxrss is KiB on Linux)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", type=float, default=[0.3, 1.0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/dg-bench"))
    args = parser.parse_args()
    rows = []
    for scale in args.scales:
        sim, n = _scenario(args.cache, scale, args.seed)
        seconds, peak = _run(sim, args.cache / f"out-{scale:g}")
        rows.append((scale, n, seconds, peak))
        print(
            f"scale {scale:g}: {n:,} exchanges in {seconds:.1f} s = {n / seconds:,.0f} ex/s, "
            f"peak RSS {peak:,.0f} MiB",
            flush=True,
        )
    if len(rows) >= 2:
        (_, n1, t1, _), (_, n2, t2, _) = rows[-2], rows[-1]
        print(
            f"time-growth exponent {math.log(t2 / t1) / math.log(n2 / n1):.2f} "
            f"({n1:,} -> {n2:,} exchanges)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
