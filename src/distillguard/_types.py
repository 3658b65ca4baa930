"""Shared type vocabulary: aliases and small enums every part of the package uses."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

__all__ = ["ENDPOINTS", "AccountId", "JSONObject", "Verdict"]

AccountId = str
JSONObject = dict[str, Any]

#: The ``endpoint`` values the exchange log allows (spec section 1).
ENDPOINTS: tuple[str, ...] = ("chat.completions", "completions", "messages", "responses")


class Verdict(StrEnum):
    """What the gateway does with an account, in increasing severity."""

    ALLOW = "allow"
    WATCH = "watch"
    THROTTLE = "throttle"
    BLOCK = "block"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, value: str) -> Verdict:
        try:
            return cls(value.strip().lower())
        except ValueError:
            allowed = ", ".join(v.value for v in cls)
            raise ValueError(f"unknown verdict {value!r} (expected one of {allowed})") from None

    def at_least(self, other: Verdict) -> bool:
        return self.rank >= other.rank


_RANK = {Verdict.ALLOW: 0, Verdict.WATCH: 1, Verdict.THROTTLE: 2, Verdict.BLOCK: 3}
