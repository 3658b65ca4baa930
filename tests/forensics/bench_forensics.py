"""Benchmark: report, intel export and intel match on an existing store and results folder.

Not a test (pytest does not collect it). Runs each command in a fresh process (as an
operator would), reports wall time and peak memory, and the time of a plain
``count(*)`` scan of the store in the same run as the machine calibration (ratios to it
are comparable across machines).

    .venv/bin/python tests/console/bench_console_pages.py --rows 16000000   # builds a store
    .venv/bin/python tests/forensics/bench_forensics.py \\
        --db /tmp/console-bench/bench.duckdb --results /tmp/console-bench/results
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb


def _run(argv: list[str]) -> tuple[float, float]:
    """Wall time and this child's own peak RSS (MB), via ``os.wait4``."""
    env = dict(os.environ, DISTILLGUARD_PROGRESS="0")
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "distillguard", *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - started
    err = proc.stderr.read().decode() if proc.stderr else ""
    if status != 0:
        raise SystemExit(f"distillguard {argv[0]} failed: {err.strip()}")
    return took, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--results", required=True)
    parser.add_argument("--cluster", help="default: the cluster with most convicted accounts")
    args = parser.parse_args()
    with (Path(args.results) / "accounts.csv").open(newline="", encoding="utf-8") as fh:
        counts: dict[str, int] = {}
        for r in csv.DictReader(fh):
            if r["cluster_id"] and r["verdict"] in ("throttle", "block"):
                counts[r["cluster_id"]] = counts.get(r["cluster_id"], 0) + 1
    cluster = args.cluster or max(sorted(counts), key=lambda c: counts[c])
    con = duckdb.connect(args.db, read_only=True)
    started = time.perf_counter()
    n = con.execute("SELECT count(*), count(DISTINCT account_id) FROM exchanges").fetchone()
    scan = time.perf_counter() - started
    con.close()
    print(f"store: {n[0]:,} exchanges, {n[1]:,} accounts; calibration scan {scan:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        bundle = str(Path(tmp) / "bundle.json")
        runs = {
            "report (md)": ["report", "--db", args.db, "--results", args.results,
                            "--cluster", cluster, "--out", str(Path(tmp) / "case.md")],
            "intel export": ["intel", "export", "--db", args.db, "--results", args.results,
                             "--out", bundle],
            "intel match": ["intel", "match", bundle, "--db", args.db,
                            "--out", str(Path(tmp) / "m.csv")],
        }  # fmt: skip
        for name, argv in runs.items():
            took, peak = _run(argv)
            print(f"{name:<14} {took:7.1f} s  ({took / scan:6.0f}x scan)  peak RSS {peak:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
