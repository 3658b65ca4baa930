"""The independently written traffic generator (``bench/crossgen.py``) against the
detector: its logs go through ingest, detect and eval, and no legitimate account of a
small one-day world is flagged. A smoke test and a guard: the false positives that
generator found were at larger scales (figures and commands in ``docs/detection.md``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from distillguard.cli import main
from distillguard.detect.evaluate import evaluate

REPO = Path(__file__).resolve().parents[2]


def test_independent_traffic_parses_and_flags_no_legitimate_account(
    shared_prompts: Path, tmp_path: Path
) -> None:
    out = tmp_path / "world"
    cmd = [sys.executable, str(REPO / "bench" / "crossgen.py"), "--out", str(out)]
    cmd += ["--seed", "1", "--scale", "0.05", "--days", "1", "--prompts", str(shared_prompts)]
    subprocess.run(cmd, check=True, capture_output=True)
    db = tmp_path / "world.duckdb"
    args = ["ingest", str(out / "exchanges.jsonl"), "--accounts", str(out / "accounts.jsonl")]
    assert main([*args, "--db", str(db)]) == 0
    assert main(["detect", "--db", str(db), "--out", str(tmp_path / "res")]) == 0
    report = evaluate(out / "labels.csv", tmp_path / "res")
    assert report["false_positives"] == 0, report["legit_personas"]
    assert report["auroc"] > 0.9
