"""Keyed pseudo-random functions over NumPy ``uint64`` arrays: the one hash every scheme uses.

A watermark decision is ``u = prf(seed, tuple_hash)``: ``seed`` is 64 bits taken from an
account's HKDF-derived key, ``tuple_hash`` a key-independent 64-bit digest of what is being
scored (a context window and a candidate token, or a context word and a substitution class).
Because the tuple hash does not depend on the key, scoring one corpus against 24,000 keys is
one broadcast ``seeds[:, None] ^ hashes[None, :]`` followed by the same mixing function.

The mixer is the splitmix64 finaliser: a bijection on 64-bit words with full avalanche. It
is not a cryptographic PRF; the secret is the 64-bit seed, which is only ever derived from
the HKDF key and never published (see ``docs/watermark.md`` for what this does and does not
protect against).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np

__all__ = [
    "MASK64",
    "combine",
    "combine_int",
    "list_labels",
    "mix64",
    "mix64_int",
    "str_hash",
    "to_unit",
    "token_hash",
    "token_hash_int",
    "unique_u64",
]

MASK64 = 0xFFFFFFFFFFFFFFFF
_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / float(1 << 53)


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser applied elementwise to a ``uint64`` array (returns a new array)."""
    x = np.asarray(x, dtype=np.uint64)
    z = x ^ (x >> _S30)
    z *= _C1
    z ^= z >> _S27
    z *= _C2
    z ^= z >> _S31
    return z


def mix64_int(x: int) -> int:
    """The same finaliser on one Python int, for per-word paths where NumPy overhead dominates."""
    z = x & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def token_hash(ids: np.ndarray) -> np.ndarray:
    """A key-independent 64-bit hash of token ids (``-1`` for 'no token' is allowed)."""
    ids = np.asarray(ids, dtype=np.int64).astype(np.uint64)
    return mix64(ids * _GOLD + _GOLD)


def token_hash_int(token: int) -> int:
    """:func:`token_hash` of one token id, in Python ints (same value)."""
    return mix64_int((int(token) & MASK64) * 0x9E3779B97F4A7C15 + 0x9E3779B97F4A7C15)


def combine_int(acc: int, h: int) -> int:
    """:func:`combine` of two single hashes, in Python ints (same value)."""
    return mix64_int(((acc * 0x9E3779B97F4A7C15) & MASK64) ^ h)


def combine(acc: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Order-sensitive combination of two hash arrays (left-to-right context folding)."""
    return mix64((np.asarray(acc, dtype=np.uint64) * _GOLD) ^ np.asarray(h, dtype=np.uint64))


_LIST_TAG = np.uint64(0xD1B54A32D192ED03)


def list_labels(n: int) -> np.ndarray:
    """Distinct key-independent 64-bit labels of green lists ``0..n-1`` (a bijection of ``i``)."""
    return mix64(np.arange(n, dtype=np.uint64) ^ _LIST_TAG)


def to_unit(u: np.ndarray) -> np.ndarray:
    """Map 64-bit words to floats uniform on [0, 1) using their top 53 bits."""
    return (np.asarray(u, dtype=np.uint64) >> _S11).astype(np.float64) * _INV53


def unique_u64(a: np.ndarray) -> np.ndarray:
    """Sorted distinct values of a ``uint64`` array.

    A sort and a neighbour comparison: several times faster than ``np.unique`` on 64-bit
    hashes, whose hash-table path is slow for values spread over the whole 64-bit range.
    """
    s = np.sort(np.asarray(a, dtype=np.uint64))
    if s.size < 2:
        return s
    keep = np.empty(s.size, dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


@lru_cache(maxsize=65536)
def str_hash(text: str) -> int:
    """A stable (not per-process salted) 64-bit hash of a string, cached for hot words."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")
