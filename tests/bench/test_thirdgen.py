"""bench/thirdgen.py (a third generator written without sight of the detector) writes a
world the loader accepts, and its look-alike customers of a small world are not flagged."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "bench" / "thirdgen.py"


def test_tiny_world_ingests_whole(tiny_world_ingests_whole: Callable[[str], None]) -> None:
    tiny_world_ingests_whole("thirdgen.py")


def test_missing_prompts_dir_is_one_line_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path / "w"), "--prompts",
         str(tmp_path / "nowhere")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0


def test_agent_platform_tenants_of_a_small_world_are_not_flagged(
    world_report: Callable[..., dict[str, Any]],
) -> None:
    # before decision Detection-47 the platform's step-by-step agent prompt and egress made
    # its tenants a "hydra" (95 of 140 at scale 1.0); the larger worlds are in docs/detection.md
    report = world_report("thirdgen.py", "--seed", "2", "--scale", "0.1", "--days", "2")
    assert report["false_positives"] == 0, report["legit_personas"]
    assert report["recall"] > 0.4
