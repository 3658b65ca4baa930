"""bench/fourthgen.py (a fourth generator written without sight of the detector) writes a
world the loader accepts, and no customer of a small world is flagged."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "bench" / "fourthgen.py"


def test_tiny_world_ingests_whole(tiny_world_ingests_whole: Callable[[str], None]) -> None:
    tiny_world_ingests_whole("fourthgen.py")


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
