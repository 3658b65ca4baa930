"""Benchmark ``distillguard detect`` end to end on simulated logs.

Generates (or reuses) simulator scenarios at the given scales, runs
``distillguard detect --exchanges ... --accounts ... --out ...`` in a child process for
each, and prints exchanges/s (wall, and per CPU-second: on a shared machine CPU time is
the honest figure), peak RSS (the largest process of the run, workers included), and the
CPU-time growth exponent between the two largest logs (``log(t2/t1) / log(n2/n1)``;
1.0 = linear).

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


def _run(sim: Path, out: Path) -> tuple[float, float, float]:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu0 = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
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
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - cpu0
    return seconds, cpu, max(before, usage.ru_maxrss) / 1024  # MiB (ru_maxrss is KiB)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", type=float, default=[0.3, 1.0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/dg-bench"))
    args = parser.parse_args()
    rows = []
    for scale in args.scales:
        sim, n = _scenario(args.cache, scale, args.seed)
        seconds, cpu, peak = _run(sim, args.cache / f"out-{scale:g}")
        rows.append((n, cpu))
        print(
            f"scale {scale:g}: {n:,} exchanges in {seconds:.1f} s wall = {n / seconds:,.0f} ex/s; "
            f"{cpu:.1f} CPU-s = {n / cpu:,.0f} ex/CPU-s; peak RSS {peak:,.0f} MiB",
            flush=True,
        )
    if len(rows) >= 2:
        (n1, t1), (n2, t2) = rows[-2], rows[-1]
        print(
            f"CPU-time growth exponent {math.log(t2 / t1) / math.log(n2 / n1):.2f} "
            f"({n1:,} -> {n2:,} exchanges)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
