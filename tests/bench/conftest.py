"""Generated worlds (``exchanges.jsonl``, ``accounts.jsonl``, ``labels.csv``) run through
ingest, detect and eval, as the docs' "Independent traffic" sections do."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
