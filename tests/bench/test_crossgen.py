"""The independently written traffic generator (``bench/crossgen.py``) against the
detector: its logs go through ingest, detect and eval, and no legitimate account of a
small one-day world is flagged. A smoke test and a guard: the false positives that
generator found were at larger scales (figures and commands in ``docs/detection.md``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_independent_traffic_parses_and_flags_no_legitimate_account(
    world_report: Callable[..., dict[str, Any]],
) -> None:
    report = world_report("crossgen.py", "--seed", "1", "--scale", "0.05", "--days", "1")
    assert report["false_positives"] == 0, report["legit_personas"]
    assert report["auroc"] > 0.9
