"""Watermark keys: one master secret per key id, per-account keys derived with HKDF.

A :class:`Keyring` holds one or more master secrets, each under a public *key id* (for
example ``wm-2026-11``); exactly one is *active* and new watermarks use it, older ones stay
for detection after a rotation. The key of an account is

    HKDF-SHA256(master, salt="distillguard/watermark/v1", info="<key id>|<scheme>|<account>")

so it is deterministic (the gateway needs no per-account storage), separated by scheme and
account, and recomputable by whoever holds the master secret when a corpus must be traced.
Before any key is used its *commitment* (a SHA-256 of the derived key under a separate
HKDF label) can be published; later, revealing the account key to a court or an auditor
proves it was fixed in advance. Raw secrets are never written by ``repr`` or logged.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from distillguard.errors import WatermarkError

__all__ = [
    "GLOBAL_ACCOUNT",
    "AccountKey",
    "Keyring",
    "verify_commitment",
]

_SALT = b"distillguard/watermark/v1"
_COMMIT_LABEL = b"distillguard/watermark/commitment/v1|"
_MIN_SECRET = 16

#: Pseudo-account whose key marks outputs that are not tied to one account (e.g. the key a
#: model we run uses for every response, the key radioactivity tests look for by default).
GLOBAL_ACCOUNT = "__global__"


@dataclass(frozen=True, slots=True)
class AccountKey:
    """The key of one account under one master key id and scheme."""

    account_id: str
    key_id: str
    scheme: str
    secret: bytes = field(repr=False)

    @property
    def seed(self) -> int:
        """The 64-bit seed the keyed hash uses (first 8 bytes of the derived key)."""
        return int.from_bytes(self.secret[:8], "little")

    def commitment(self) -> str:
        """Hex SHA-256 commitment to this key, safe to publish before the key is used."""
        return _commit(self.key_id, self.scheme, self.account_id, self.secret)


def _commit(key_id: str, scheme: str, account_id: str, secret: bytes) -> str:
    label = f"{key_id}|{scheme}|{account_id}|".encode()
    return hashlib.sha256(_COMMIT_LABEL + label + secret).hexdigest()


def verify_commitment(key: AccountKey, commitment: str) -> bool:
    """True when ``commitment`` was made for exactly this key (constant-time comparison)."""
    return hmac.compare_digest(key.commitment(), commitment.strip().lower())


class Keyring:
    """Master secrets by key id, the active one, and HKDF derivation of account keys.

    Construct from bytes (``Keyring({"wm-1": secret})``), from a JSON file
    (:meth:`load`) or with :meth:`generate`. Derived keys are cached per process.
    """

    def __init__(self, masters: Mapping[str, bytes], active: str | None = None) -> None:
        if not masters:
            raise WatermarkError("a keyring needs at least one master secret")
        for key_id, secret in masters.items():
            if not isinstance(key_id, str) or not key_id or "|" in key_id:
                raise WatermarkError(f"invalid key id {key_id!r} (non-empty, no '|')")
            if not isinstance(secret, bytes | bytearray) or len(secret) < _MIN_SECRET:
                raise WatermarkError(
                    f"master secret of key {key_id!r} must be at least {_MIN_SECRET} bytes"
                )
        self._masters: dict[str, bytes] = {k: bytes(v) for k, v in masters.items()}
        if active is None:
            active = next(reversed(self._masters))
        if active not in self._masters:
            raise WatermarkError(f"active key id {active!r} is not in the keyring")
        self.active = active
        self._cache: dict[tuple[str, str, str], AccountKey] = {}

    def __repr__(self) -> str:
        return f"Keyring(key_ids={list(self._masters)}, active={self.active!r})"

    # -- construction ----------------------------------------------------------------

    @classmethod
    def generate(cls, key_id: str = "wm-1") -> Keyring:
        """A keyring with one fresh random 32-byte master secret."""
        return cls({key_id: secrets.token_bytes(32)})

    @classmethod
    def from_secret(cls, secret: bytes | str, key_id: str = "wm-1") -> Keyring:
        """A keyring with one master secret (a ``str`` is taken as hex when it parses so)."""
        if isinstance(secret, str):
            text = secret.strip()
            try:
                raw = bytes.fromhex(text)
            except ValueError:
                raw = text.encode("utf-8")
            secret = raw
        return cls({key_id: secret})

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Keyring:
        """Read ``{"active": id, "keys": {id: hex secret, ...}}`` from a JSON file."""
        p = Path(path)
        try:
            data = orjson.loads(p.read_bytes())
        except OSError as exc:
            raise WatermarkError(f"cannot read keyring {p}: {exc.strerror}") from None
        except orjson.JSONDecodeError:
            raise WatermarkError(f"keyring {p} is not JSON") from None
        keys = data.get("keys") if isinstance(data, dict) else None
        if not isinstance(keys, dict) or not keys:
            raise WatermarkError(f'keyring {p} needs a non-empty "keys" object')
        masters: dict[str, bytes] = {}
        for key_id, hex_secret in keys.items():
            try:
                masters[key_id] = bytes.fromhex(str(hex_secret))
            except ValueError:
                raise WatermarkError(f"key {key_id!r} in {p} is not hex") from None
        return cls(masters, data.get("active"))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the keyring as JSON readable only by the owner (mode 0600)."""
        doc = {"active": self.active, "keys": {k: v.hex() for k, v in self._masters.items()}}
        p = Path(path)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2))

    def rotate(self, key_id: str, secret: bytes | None = None) -> str:
        """Add a new master secret and make it active; old keys remain for detection."""
        if key_id in self._masters:
            raise WatermarkError(f"key id {key_id!r} already exists")
        new = dict(self._masters)
        new[key_id] = secrets.token_bytes(32) if secret is None else secret
        checked = Keyring(new, key_id)
        self._masters, self.active = checked._masters, key_id
        return key_id

    @property
    def key_ids(self) -> list[str]:
        """Every key id, oldest first."""
        return list(self._masters)

    # -- derivation ------------------------------------------------------------------

    def account_key(self, account_id: str, scheme: str, key_id: str | None = None) -> AccountKey:
        """HKDF-derived key of ``account_id`` for ``scheme`` under ``key_id`` (default: active)."""
        kid = self.active if key_id is None else key_id
        cache_key = (kid, scheme, account_id)
        hit = self._cache.get(cache_key)
        if hit is not None:
            return hit
        master = self._masters.get(kid)
        if master is None:
            raise WatermarkError(f"unknown key id {kid!r}")
        if not isinstance(account_id, str) or not account_id:
            raise WatermarkError("account_id must be a non-empty string")
        info = f"{kid}|{scheme}|{account_id}".encode()
        secret = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=info).derive(master)
        key = AccountKey(account_id, kid, scheme, secret)
        if len(self._cache) >= 100_000:
            self._cache.clear()
        self._cache[cache_key] = key
        return key

    def seeds(
        self, account_ids: Iterable[str], scheme: str, key_id: str | None = None
    ) -> np.ndarray:
        """64-bit seeds of many accounts, as a ``uint64`` array in input order."""
        return np.fromiter(
            (self.account_key(a, scheme, key_id).seed for a in account_ids), dtype=np.uint64
        )

    def commitments(
        self, account_ids: Iterable[str], scheme: str, key_id: str | None = None
    ) -> list[dict[str, str]]:
        """Publishable commitments: ``{"key_id", "scheme", "account_id", "commitment"}`` rows."""
        rows = []
        for account in account_ids:
            key = self.account_key(account, scheme, key_id)
            rows.append(
                {
                    "key_id": key.key_id,
                    "scheme": scheme,
                    "account_id": account,
                    "commitment": key.commitment(),
                }
            )
        return rows
