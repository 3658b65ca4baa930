"""The scenario's fixed frame: time range, models and their release, shared text pools.

Everything here is decided before any traffic is generated and is identical in every
worker process, so each day of traffic can be generated independently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from distillguard.sim.text import PromptPool

__all__ = ["DAY_MS", "HOUR_MS", "MINI_MODEL", "NEW_MODEL", "OLD_MODEL", "World"]

DAY_MS = 86_400_000
HOUR_MS = 3_600_000

OLD_MODEL = "dg-chat-2"
MINI_MODEL = "dg-chat-2-mini"
NEW_MODEL = "dg-chat-3"


@dataclass(slots=True)
class World:
    """Time frame, models, prompt pools and per-day caches shared by every behaviour."""

    seed: int
    start_ms: int
    days: int
    pool: PromptPool
    release_ms: int = 0
    cache: dict[Any, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.release_ms:
            # A new model lands partway through: 17:00 UTC on the middle day (day 4 of 7).
            self.release_ms = self.start_ms + (self.days // 2) * DAY_MS + 17 * HOUR_MS

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.days * DAY_MS

    def day_start(self, day: int) -> int:
        return self.start_ms + day * DAY_MS

    def at_clock(self, day: int, utc_ms_of_day: int) -> int:
        """The instant in scenario day ``day`` (24 h from ``day_start``) whose UTC clock
        reads ``utc_ms_of_day`` after midnight; works when the start is not midnight."""
        base = self.day_start(day)
        return base + (utc_ms_of_day - base % DAY_MS) % DAY_MS

    def weekday(self, day: int) -> int:
        """0 = Monday for scenario day ``day``."""
        start = datetime.fromtimestamp(self.start_ms / 1000, UTC)
        return (start + timedelta(days=day)).weekday()

    def models(self) -> dict[str, str | None]:
        """Model name -> release time (None when it predates the scenario)."""
        from distillguard.exchange import format_ts

        released = format_ts(datetime.fromtimestamp(self.release_ms / 1000, UTC))
        return {OLD_MODEL: None, MINI_MODEL: None, NEW_MODEL: released}
