"""API keys: random secrets shown once, stored and looked up only as SHA-256 hashes.

A secret looks like ``dg-<43 url-safe characters>`` (32 random bytes from
:func:`secrets.token_urlsafe`), so leaked keys are easy to recognise in logs and code
scanners. The key id (``key_<16 hex>``) is what logs, exchange records and the admin API
show; it is not derived from the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping

from distillguard.errors import ConfigError, RecordError
from distillguard.exchange import Account, parse_account
from distillguard.gateway.state import KeyRow, StateDB, now_ts

__all__ = ["KEY_PREFIX", "KeyIndex", "create_key", "hash_secret", "new_key_id", "new_secret"]

KEY_PREFIX = "dg-"


def new_secret() -> str:
    """A fresh random API key secret."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def new_key_id() -> str:
    """A fresh, non-secret key identifier."""
    return "key_" + secrets.token_hex(8)


def hash_secret(secret: str) -> str:
    """Lower-case hex SHA-256 of the secret's UTF-8 bytes: the only form ever stored."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def create_key(
    db: StateDB,
    account_id: str,
    *,
    actor: str,
    name: str | None = None,
    account: Mapping[str, object] | None = None,
) -> tuple[KeyRow, str]:
    """Create a key for ``account_id`` (creating or updating the account's metadata).

    ``account`` holds optional accounts-file fields (``org_id``, ``tier``, ...). Returns the
    stored row and the secret, which is not kept anywhere and cannot be shown again.
    """
    if not isinstance(account_id, str) or not account_id.strip():
        raise ConfigError("an account id is required")
    record = {k: v for k, v in dict(account or {}).items() if v is not None}
    record["account_id"] = account_id
    try:
        parsed: Account = parse_account(record)
    except RecordError as exc:
        raise ConfigError(f"bad account metadata: {exc}") from None
    db.upsert_accounts([parsed], actor=actor)
    secret = new_secret()
    row = KeyRow(
        key_id=new_key_id(),
        account_id=account_id,
        secret_sha256=hash_secret(secret),
        name=name,
        created_at=now_ts(),
        revoked_at=None,
    )
    db.insert_key(row, actor=actor)
    return row, secret


class KeyIndex:
    """An immutable in-memory map from secret hash to whatever the caller attaches.

    Built off the hot path by the reload thread and swapped in whole; lookups hash the
    presented secret and compare the stored hash in constant time.
    """

    __slots__ = ("_by_hash",)

    def __init__(self, items: Iterable[tuple[str, object]] = ()) -> None:
        self._by_hash: dict[str, tuple[str, object]] = {h: (h, v) for h, v in items}

    def __len__(self) -> int:
        return len(self._by_hash)

    def lookup(self, secret: str) -> object | None:
        digest = hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
        hit = self._by_hash.get(digest)
        if hit is None or not hmac.compare_digest(hit[0], digest):
            return None
        return hit[1]
