"""The signing keyring: Ed25519 keys with ids, rotation, and retired public keys.

The keyring is a JSON file readable only by its owner (mode 0600; loading refuses a file
that group or others can read)::

    {"version": 1,
     "active": "dgk-20261123-1a2b3c",
     "keys": [{"kid": "dgk-20261123-1a2b3c", "created": "2026-11-23T16:00:00.000Z",
               "retired": null, "public_key": "<base64url>", "private_key": "<base64url>"},
              {"kid": "dgk-20261001-9f8e7d", "created": "...", "retired": "...",
               "public_key": "<base64url>", "private_key": null}]}

Keys are raw 32-byte Ed25519 keys, base64url without padding. :meth:`Keyring.rotate` makes
a new active key and retires the old one: its private half is erased, its public half stays
so responses signed with it remain verifiable.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from distillguard.errors import ConfigError
from distillguard.exchange import format_ts

__all__ = ["KeyEntry", "Keyring", "b64url_decode", "b64url_encode"]


def b64url_encode(data: bytes) -> str:
    """Base64url without padding (RFC 4648 section 5)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Inverse of :func:`b64url_encode`; raises ValueError on bad input."""
    if not isinstance(text, str):
        raise ValueError("expected base64url text")
    pad = "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode((text + pad).encode("ascii"))


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One signing key: always a public half, a private half only while usable."""

    kid: str
    created: str
    public_key: Ed25519PublicKey
    private_key: Ed25519PrivateKey | None = None
    retired: str | None = None

    def public_bytes(self) -> bytes:
        return self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)

    def to_json(self, *, private: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kid": self.kid,
            "created": self.created,
            "retired": self.retired,
            "public_key": b64url_encode(self.public_bytes()),
        }
        if private:
            out["private_key"] = (
                None
                if self.private_key is None
                else b64url_encode(
                    self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
                )
            )
        return out


def _now() -> str:
    return format_ts(datetime.now(UTC))


def _new_entry() -> KeyEntry:
    private = Ed25519PrivateKey.generate()
    kid = f"dgk-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(3)}"
    return KeyEntry(kid=kid, created=_now(), public_key=private.public_key(), private_key=private)


class Keyring:
    """Signing keys by id; one is active. Load with :meth:`load`, create with :meth:`create`."""

    def __init__(self, entries: list[KeyEntry], active: str, path: Path | None = None) -> None:
        self.entries = {e.kid: e for e in entries}
        if active not in self.entries or self.entries[active].private_key is None:
            raise ConfigError(f"keyring: the active key {active!r} has no private key")
        self.active = active
        self.path = path

    # ------------------------------------------------------------------ files

    @classmethod
    def create(cls, path: Path) -> Keyring:
        """A new keyring with one fresh key, written to ``path`` (mode 0600)."""
        entry = _new_entry()
        ring = cls([entry], entry.kid, Path(path))
        ring.save()
        return ring

    @classmethod
    def load(cls, path: Path, *, check_permissions: bool = True) -> Keyring:
        """Read a keyring file; refuses one that group or others may read."""
        path = Path(path)
        try:
            st = path.stat()
            raw = path.read_bytes()
        except FileNotFoundError:
            raise ConfigError(f"signing keyring {path} does not exist") from None
        except OSError as exc:
            raise ConfigError(f"cannot read signing keyring {path}: {exc.strerror}") from None
        if check_permissions and os.name == "posix" and st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(
                f"signing keyring {path} is accessible by group or others "
                f"(mode {stat.S_IMODE(st.st_mode):o}); run: chmod 600 {path}"
            )
        try:
            data = json.loads(raw)
            entries = [cls._entry(e) for e in data["keys"]]
            active = data["active"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"signing keyring {path} is malformed: {exc}") from None
        return cls(entries, active, path)

    @classmethod
    def load_or_create(cls, path: Path) -> Keyring:
        path = Path(path)
        return cls.load(path) if path.exists() else cls.create(path)

    @staticmethod
    def _entry(obj: dict[str, Any]) -> KeyEntry:
        public = Ed25519PublicKey.from_public_bytes(b64url_decode(obj["public_key"]))
        private = None
        if obj.get("private_key"):
            private = Ed25519PrivateKey.from_private_bytes(b64url_decode(obj["private_key"]))
            derived = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            if derived != public.public_bytes(Encoding.Raw, PublicFormat.Raw):
                raise ValueError(f"key {obj['kid']}: private and public halves do not match")
        return KeyEntry(
            kid=str(obj["kid"]),
            created=str(obj.get("created") or ""),
            public_key=public,
            private_key=private,
            retired=obj.get("retired"),
        )

    def save(self, path: Path | None = None) -> None:
        """Write atomically with mode 0600 (temp file in the same folder, then rename)."""
        target = Path(path or self.path or "")
        if not str(target):
            raise ConfigError("keyring has no file to save to")
        target.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "version": 1,
            "active": self.active,
            "keys": [e.to_json(private=True) for e in self.entries.values()],
        }
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(data, fh, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self.path = target

    # ------------------------------------------------------------------ keys

    def rotate(self) -> KeyEntry:
        """Make a new active key; the old one keeps only its public half. Saves the file."""
        old = self.entries[self.active]
        self.entries[old.kid] = KeyEntry(
            kid=old.kid, created=old.created, public_key=old.public_key, retired=_now()
        )
        entry = _new_entry()
        while entry.kid in self.entries:
            entry = _new_entry()
        self.entries[entry.kid] = entry
        self.active = entry.kid
        if self.path is not None:
            self.save()
        return entry

    @property
    def active_entry(self) -> KeyEntry:
        return self.entries[self.active]

    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        return {kid: e.public_key for kid, e in self.entries.items()}

    def public_json(self) -> dict[str, Any]:
        """The public keys payload (no private material)."""
        return {
            "keys": [
                {**e.to_json(private=False), "alg": "Ed25519", "active": kid == self.active}
                for kid, e in self.entries.items()
            ]
        }
