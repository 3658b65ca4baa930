"""Benchmark ``distillguard detect`` end to end on simulated logs.

Generates (or reuses) simulator scenarios at the given scales, runs
``distillguard detect --exchanges ... --accounts ... --out ...`` in a child process for
each, and prints exchanges/s (wall, and per CPU-second: on a shared machine CPU time is
the honest figure), peak memory (the largest single process, and the sampled peak of the
whole process tree: the command plus its enrichment workers), the load average, and the
CPU-time growth exponent between the two largest logs (``log(t2/t1) / log(n2/n1)``;
1.0 = linear).

    .venv/bin/python bench/bench_detect.py --scales 1 3.4 13.5 --cache /tmp/dg-bench

``--db`` runs ``detect --db`` on a store ingested beforehand (``distillguard ingest``), so
the detection cost is measured without the ingest.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import threading
import time
from pathlib import Path


def _scenario(cache: Path, scale: float, seed: int) -> tuple[Path, int]:
    out = cache / f"sim-{scale:g}-{seed}"
    if not (out / "scenario.json").is_file():
        from distillguard.sim import simulate

        simulate(out, scale=scale, seed=seed, show_progress=False)
    return out, json.loads((out / "scenario.json").read_text())["n_exchanges"]


def _tree_rss(root: int) -> int:
    """Resident memory (bytes) of ``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(stat[1]), []).append(pid)  # field 4: ppid
        rss[pid] = int(stat[21]) * page  # field 24: rss in pages
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, ()))
    return total


def _run(cmd: list[str]) -> tuple[float, float, float, float]:
    """(wall s, CPU s, largest process MiB, sampled tree peak MiB) of one child command."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env={**os.environ, "DISTILLGUARD_PROGRESS": "0"}, stdout=subprocess.DEVNULL
    )
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            peak[0] = max(peak[0], _tree_rss(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed with status {proc.returncode}")
    seconds = time.perf_counter() - started
    cpu = usage.ru_utime + usage.ru_stime  # the child and every worker it waited for
    return seconds, cpu, usage.ru_maxrss / 1024, peak[0] / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", type=float, default=[0.3, 1.0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/dg-bench"))
    parser.add_argument("--db", action="store_true", help="ingest first, time detect --db only")
    args = parser.parse_args()
    rows = []
    for scale in args.scales:
        sim, n = _scenario(args.cache, scale, args.seed)
        out = args.cache / f"out-{scale:g}"
        base = [sys.executable, "-m", "distillguard"]
        if args.db:
            db = args.cache / f"store-{scale:g}-{args.seed}.duckdb"
            if not db.is_file():
                ingest = [
                    *base,
                    "ingest",
                    "--db",
                    str(db),
                    "--accounts",
                    str(sim / "accounts.jsonl"),
                ]
                _run([*ingest, str(sim / "exchanges")])
            cmd = [*base, "detect", "--db", str(db), "--out", str(out)]
        else:
            cmd = [*base, "detect", "--exchanges", str(sim / "exchanges")]
            cmd += ["--accounts", str(sim / "accounts.jsonl"), "--out", str(out)]
        load = os.getloadavg()[0]
        seconds, cpu, biggest, tree = _run(cmd)
        rows.append((n, cpu))
        print(
            f"scale {scale:g}: {n:,} exchanges in {seconds:.1f} s wall = {n / seconds:,.0f} ex/s; "
            f"{cpu:.1f} CPU-s = {n / cpu:,.0f} ex/CPU-s ({cpu / n * 1e6:.0f} CPU-us/ex); "
            f"peak RSS {biggest:,.0f} MiB (largest process), {tree:,.0f} MiB (process tree); "
            f"load average {load:.1f} -> {os.getloadavg()[0]:.1f}",
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
