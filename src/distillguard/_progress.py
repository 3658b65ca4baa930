"""Progress bars for long work: shown on stderr, only once the work has run for 2 s."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import Any, TypeVar

from tqdm import tqdm

__all__ = ["progress"]

T = TypeVar("T")


def progress(
    iterable: Iterable[T] | None = None,
    *,
    total: float | None = None,
    desc: str | None = None,
    unit: str = "it",
    **kwargs: Any,
) -> tqdm:
    """A tqdm bar that stays silent for quick work and when ``DISTILLGUARD_PROGRESS=0``."""
    disable = os.environ.get("DISTILLGUARD_PROGRESS", "1") == "0"
    return tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=unit,
        unit_scale=True,
        delay=2.0,
        file=sys.stderr,
        disable=disable,
        dynamic_ncols=True,
        leave=False,
        **kwargs,
    )
