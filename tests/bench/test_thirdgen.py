"""bench/thirdgen.py (a third generator written without sight of the detector) writes a
world the loader accepts, and its look-alike customers of a small world are not flagged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def test_tiny_world_ingests_whole(tiny_world_ingests_whole: Callable[[str], None]) -> None:
    tiny_world_ingests_whole("thirdgen.py")


def test_missing_prompts_dir_is_one_line_error(
    tmp_path: Path, one_line_error: Callable[..., None]
) -> None:
    one_line_error("thirdgen.py", "--prompts", str(tmp_path / "nowhere"))


def test_agent_platform_tenants_of_a_small_world_are_not_flagged(
    world_report: Callable[..., dict[str, Any]],
) -> None:
    # before decision Detection-47 the platform's step-by-step agent prompt and egress made
    # its tenants a "hydra" (95 of 140 at scale 1.0); the larger worlds are in docs/detection.md
    report = world_report("thirdgen.py", "--seed", "2", "--scale", "0.1", "--days", "2")
    assert report["false_positives"] == 0, report["legit_personas"]
    assert report["recall"] > 0.4
