"""bench/fourthgen.py (a fourth generator written without sight of the detector) writes a
world the loader accepts, and no customer of a small world is flagged."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import orjson

from distillguard.cli import main

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "bench" / "fourthgen.py"


def test_tiny_world_ingests_whole(tmp_path: Path, shared_prompts: Path) -> None:
    out = tmp_path / "world"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out), "--seed", "4", "--scale", "0.05",
         "--days", "1", "--prompts", str(shared_prompts)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = (out / "exchanges.jsonl").read_bytes().splitlines()
    accounts = [orjson.loads(x) for x in (out / "accounts.jsonl").read_bytes().splitlines()]
    with (out / "labels.csv").open(encoding="utf-8", newline="") as fh:
        labels = list(csv.DictReader(fh))
    assert {row["account_id"] for row in labels} == {a["account_id"] for a in accounts}
    assert {row["label"] for row in labels} == {"attack", "legit"}
    db = tmp_path / "w.duckdb"
    args = ["ingest", str(out / "exchanges.jsonl"), "--accounts", str(out / "accounts.jsonl")]
    assert main([*args, "--db", str(db)]) == 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM exchanges").fetchone() == (len(lines),)
        assert con.execute("SELECT count(*) FROM accounts").fetchone() == (len(accounts),)


def test_bad_scale_is_one_line_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path / "w"), "--scale", "-1"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0


def test_no_customer_of_a_small_world_is_flagged(
    world_report: Callable[..., dict[str, Any]],
) -> None:
    # its QA company grading on a rubric, tutoring platform, benchmark runs on the new
    # model, research cohort and reseller look like campaigns; scale 1.0 is in
    # docs/detection.md, with what this generator's campaigns still get through
    report = world_report("fourthgen.py", "--seed", "3", "--scale", "0.1", "--days", "3")
    assert report["false_positives"] == 0, report["legit_personas"]
    assert report["recall"] > 0.15
