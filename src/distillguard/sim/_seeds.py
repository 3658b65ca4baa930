"""Deterministic seeds and identifiers derived from the scenario seed.

Every random stream in the simulator is seeded from a stable hash of the scenario seed and
the stream's name (an account, a day, a session), never from Python's salted ``hash()``,
so the same arguments write byte-identical files on any machine and with any number of
worker processes.
"""

from __future__ import annotations

from hashlib import blake2b

__all__ = ["derive_seed", "short_hash"]


def derive_seed(*parts: object) -> int:
    """A 64-bit seed that depends only on ``parts`` (their ``repr``)."""
    digest = blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def short_hash(*parts: object, n: int = 12) -> str:
    """``n`` hex characters derived from ``parts``: opaque, stable identifiers."""
    return blake2b(repr(parts).encode(), digest_size=(n + 1) // 2).hexdigest()[:n]
