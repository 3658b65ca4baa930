"""bench/fourthgen.py (a fourth generator written without sight of the detector) writes a
world the loader accepts, and no customer of a small world is flagged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_tiny_world_ingests_whole(tiny_world_ingests_whole: Callable[[str], None]) -> None:
    tiny_world_ingests_whole("fourthgen.py")


def test_bad_scale_is_one_line_error(one_line_error: Callable[..., None]) -> None:
    one_line_error("fourthgen.py", "--scale", "-1")


def test_no_customer_of_a_small_world_is_flagged(
    world_report: Callable[..., dict[str, Any]],
) -> None:
    # its QA company grading on a rubric, tutoring platform, benchmark runs on the new
    # model, research cohort and reseller look like campaigns; scale 1.0 is in
    # docs/detection.md, with what this generator's campaigns still get through
    report = world_report("fourthgen.py", "--seed", "3", "--scale", "0.1", "--days", "3")
    assert report["false_positives"] == 0, report["legit_personas"]
    assert report["recall"] > 0.15
