"""Generated worlds (``exchanges.jsonl``, ``accounts.jsonl``, ``labels.csv``) run through
ingest, detect and eval, as the docs' "Independent traffic" sections do."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest

from distillguard.cli import main
from distillguard.detect.evaluate import evaluate

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def world_report(tmp_path: Path, shared_prompts: Path) -> Callable[..., dict[str, Any]]:
    """``world_report("crossgen.py", "--seed", "1", ...)``: generate a world with that
    script of ``bench/`` from the public prompts, ingest it, detect, and return the report
    of ``eval``."""

    def run(script: str, *args: str) -> dict[str, Any]:
        out = tmp_path / "world"
        cmd = [sys.executable, str(REPO / "bench" / script), "--out", str(out)]
        cmd += [*args, "--prompts", str(shared_prompts)]
        subprocess.run(cmd, check=True, capture_output=True, timeout=300)
        db = tmp_path / "world.duckdb"
        ingest = ["ingest", str(out / "exchanges.jsonl"), "--accounts"]
        assert main([*ingest, str(out / "accounts.jsonl"), "--db", str(db)]) == 0
        assert main(["detect", "--db", str(db), "--out", str(tmp_path / "res")]) == 0
        return evaluate(out / "labels.csv", tmp_path / "res")

    return run


@pytest.fixture
def tiny_world_ingests_whole(tmp_path: Path, shared_prompts: Path) -> Callable[[str], None]:
    """``tiny_world_ingests_whole("thirdgen.py")``: a one-day world of that script at scale
    0.05, whose labels and accounts name the same accounts, with both labels, and whose
    every exchange and account ingest loads."""
    return lambda script: _tiny_world(script, tmp_path, shared_prompts)


def _tiny_world(script: str, tmp_path: Path, shared_prompts: Path) -> None:
    out = tmp_path / "world"
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / script), "--out", str(out), "--seed", "4",
         "--scale", "0.05", "--days", "1", "--prompts", str(shared_prompts)],
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


@pytest.fixture
def one_line_error(tmp_path: Path) -> Callable[..., None]:
    """``one_line_error("thirdgen.py", "--scale", "-1")``: that script of ``bench/``, with
    those arguments (and an output folder), exits 2 with a one-line message."""

    def run(script: str, *args: str) -> None:
        proc = subprocess.run(
            [sys.executable, str(REPO / "bench" / script), "--out", str(tmp_path / "w"), *args],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert proc.returncode == 2
        assert proc.stderr.strip().count("\n") == 0

    return run
