"""Signed responses: an Ed25519 signature over a canonical digest of one exchange.

The gateway signs, per response, a short text (the *signed statement*) naming the signing
key, the time, the account, the API key id, the model and SHA-256 hashes of the request and
response bodies, both as raw bytes and as canonical JSON. The statement travels in the
``x-distillguard-signed`` header (its lines joined by ``;``), the signature in
``x-distillguard-signature`` and the key id in ``x-distillguard-signing-key``. The exact
format is in ``docs/provenance.md`` so anyone can verify without this code:

1. ``statement = header("x-distillguard-signed").replace(";", "\\n")`` (ASCII)
2. ``digest = SHA-256(statement)``
3. ``Ed25519.verify(public_key[kid], signature, digest)``
4. the fields must match what you hold: the body hashes, account, key id, model, time.

Raw-byte hashes let a client check the exact bytes it received; canonical-JSON hashes let
an exported exchange log (whose bodies were parsed and re-serialised) be checked too.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from distillguard.errors import ConfigError, DistillGuardError, RecordError
from distillguard.exchange import parse_ts
from distillguard.provenance.keyring import Keyring, b64url_decode, b64url_encode

__all__ = [
    "HEADER_SIGNATURE",
    "HEADER_SIGNED",
    "HEADER_SIGNING_KEY",
    "META_KEY",
    "SCHEME",
    "Check",
    "Signer",
    "Statement",
    "canonical_json",
    "canonical_json_sha256",
    "load_public_keys",
    "verify_headers",
]

SCHEME = "distillguard-signature-v1"
HEADER_SIGNATURE = "x-distillguard-signature"
HEADER_SIGNING_KEY = "x-distillguard-signing-key"
HEADER_SIGNED = "x-distillguard-signed"
#: Where the gateway stores the signature headers inside an exchange record's ``meta``.
META_KEY = "provenance"

_FIELDS = (
    "signing_key",
    "ts",
    "account",
    "key",
    "model",
    "request_sha256",
    "response_sha256",
    "request_json_sha256",
    "response_json_sha256",
)


def canonical_json(obj: Any) -> bytes:
    """Keys sorted, no whitespace, UTF-8, minimal escapes (orjson with sorted keys).

    The exact rules are in ``docs/provenance.md``; raises TypeError for values JSON or
    orjson cannot represent (integers beyond 64 bits).
    """
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)


def canonical_json_sha256(body: bytes | str | Any) -> str:
    """SHA-256 hex of a JSON body's canonical form; ``""`` when it is not a JSON document.

    ``body`` may be raw bytes/text (parsed first) or an already parsed object.
    """
    if isinstance(body, bytes | bytearray | memoryview | str):
        try:
            obj = orjson.loads(body)
        except orjson.JSONDecodeError:
            return ""
    else:
        obj = body
    try:
        return hashlib.sha256(canonical_json(obj)).hexdigest()
    except (TypeError, ValueError, orjson.JSONEncodeError):
        return ""


_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]*\Z")
_RESERVED_CHAR = re.compile(r"[^A-Za-z0-9._~-]")


def _pct(match: re.Match[str]) -> str:
    return f"%{ord(match.group()):02X}"


def _enc(value: str) -> str:
    """Percent-encode every byte outside RFC 3986 unreserved characters (UTF-8 first)."""
    if _UNRESERVED.match(value):
        return value
    if value.isascii():
        return _RESERVED_CHAR.sub(_pct, value)
    return quote(value, safe="")


@dataclass(frozen=True, slots=True)
class Statement:
    """The signed fields of one response."""

    signing_key: str
    ts: str
    account: str
    key: str
    model: str
    request_sha256: str
    response_sha256: str
    request_json_sha256: str
    response_json_sha256: str

    def text(self) -> str:
        """The canonical statement: the scheme line, then ``name=value`` lines."""
        lines = [SCHEME] + [f"{name}={_enc(getattr(self, name))}" for name in _FIELDS]
        return "\n".join(lines)

    def header(self) -> str:
        return self.text().replace("\n", ";")

    def digest(self) -> bytes:
        return hashlib.sha256(self.text().encode("ascii")).digest()

    @classmethod
    def parse(cls, header: str) -> Statement:
        """Read an ``x-distillguard-signed`` header; raises RecordError when malformed."""
        parts = header.strip().split(";")
        if not parts or parts[0] != SCHEME:
            raise RecordError(f"signed statement does not start with {SCHEME!r}")
        values: dict[str, str] = {}
        for part in parts[1:]:
            name, sep, value = part.partition("=")
            if not sep or name not in _FIELDS or name in values:
                raise RecordError(f"signed statement has a bad field {part[:40]!r}")
            values[name] = unquote(value, errors="strict")
        missing = [f for f in _FIELDS if f not in values]
        if missing:
            raise RecordError(f"signed statement lacks {', '.join(missing)}")
        names = [p.partition("=")[0] for p in parts[1:]]
        if names != list(_FIELDS):
            raise RecordError("signed statement fields are out of order")
        stmt = cls(**values)
        if stmt.header() != header.strip():
            raise RecordError("signed statement is not in canonical form")
        return stmt


class Signer:
    """Signs responses with the keyring's active key (one Ed25519 signature each).

    ``Signer(path)`` loads the keyring at ``path`` (creating one with a fresh key when
    missing). Signing costs one SHA-256 per body, one JSON parse per JSON body and one
    Ed25519 signature (see ``docs/benchmarks.md``); turn it off with ``[signing] enabled``.
    """

    def __init__(self, keyring: Keyring | Path | str | None) -> None:
        if keyring is None:
            raise ConfigError("signing is on but no keyring is configured ([signing] keyring)")
        self.keyring = keyring if isinstance(keyring, Keyring) else Keyring.load_or_create(keyring)
        self._refresh()

    @classmethod
    def from_settings(cls, settings: Any) -> Signer:
        """The signer the gateway settings ask for (``signing_keyring``)."""
        path = getattr(settings, "signing_keyring", None)
        if path is None:
            log_dir = getattr(settings, "log_dir", None)
            db = getattr(settings, "db_path", None)
            base = Path(log_dir) if log_dir else (Path(db).parent if db else Path("."))
            path = base / "signing-keyring.json"
        return cls(Path(path))

    def _refresh(self) -> None:
        entry = self.keyring.active_entry
        self._kid = entry.kid
        self._private = entry.private_key
        self._public_payload = json.dumps(
            {"scheme": SCHEME, **self.keyring.public_json()}, separators=(",", ":")
        ).encode()

    def rotate(self) -> str:
        """Rotate the keyring (new active key) and sign with it from now on."""
        entry = self.keyring.rotate()
        self._refresh()
        return entry.kid

    @property
    def active_kid(self) -> str:
        return self._kid

    def statement(
        self,
        *,
        request_body: bytes,
        response_body: bytes,
        account_id: str,
        key_id: str,
        model: str | None,
        ts: str,
    ) -> Statement:
        return Statement(
            signing_key=self._kid,
            ts=ts,
            account=account_id,
            key=key_id or "",
            model=model or "",
            request_sha256=hashlib.sha256(request_body).hexdigest(),
            response_sha256=hashlib.sha256(response_body).hexdigest(),
            request_json_sha256=canonical_json_sha256(request_body),
            response_json_sha256=canonical_json_sha256(response_body),
        )

    def sign(
        self,
        *,
        request_body: bytes,
        response_body: bytes,
        account_id: str,
        key_id: str,
        model: str | None,
        ts: str,
    ) -> dict[str, str]:
        """The response headers that prove this gateway served this exchange."""
        stmt = self.statement(
            request_body=request_body,
            response_body=response_body,
            account_id=account_id,
            key_id=key_id,
            model=model,
            ts=ts,
        )
        if self._private is None:  # Keyring guarantees this; keep the hot path explicit
            raise ConfigError("the active signing key has no private half")
        text = stmt.text()
        signature = self._private.sign(hashlib.sha256(text.encode("ascii")).digest())
        return {
            HEADER_SIGNATURE: b64url_encode(signature),
            HEADER_SIGNING_KEY: self._kid,
            HEADER_SIGNED: text.replace("\n", ";"),
        }

    def public_keys(self) -> bytes:
        """JSON for ``GET /v1/provenance/keys``: every public key, active and retired."""
        return self._public_payload

    def verification_keys(self) -> dict[str, Ed25519PublicKey]:
        return self.keyring.public_keys()


def load_public_keys(path: Path) -> dict[str, Ed25519PublicKey]:
    """Public keys from a ``/v1/provenance/keys`` payload or a keyring file."""
    try:
        data = json.loads(Path(path).read_bytes())
        keys = data["keys"]
        out = {
            str(k["kid"]): Ed25519PublicKey.from_public_bytes(b64url_decode(k["public_key"]))
            for k in keys
        }
    except FileNotFoundError:
        raise ConfigError(f"public key file {path} does not exist") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read public keys from {path}: {exc}") from None
    if not out:
        raise ConfigError(f"{path} holds no public keys")
    return out


@dataclass(slots=True)
class Check:
    """The outcome of verifying one response or record."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    statement: Statement | None = None

    def fail(self, problem: str) -> Check:
        self.ok = False
        self.problems.append(problem)
        return self


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if str(key).lower() == name:
            return value if isinstance(value, str) else None
    return None


def _same_time(a: str, b: str) -> bool:
    try:
        ta: datetime = parse_ts(a)
        tb: datetime = parse_ts(b)
    except DistillGuardError:
        return a == b
    return ta == tb


def verify_headers(
    headers: Mapping[str, Any],
    keys: Mapping[str, Ed25519PublicKey],
    *,
    response_body: bytes | None = None,
    response_obj: Any = None,
    request_body: bytes | None = None,
    request_obj: Any = None,
    account_id: str | None = None,
    key_id: str | None = None,
    model: str | None = None,
    ts: str | None = None,
) -> Check:
    """Check a signature and that its statement matches what the caller holds.

    Give the raw bodies when you have the exact bytes (a saved response), or the parsed
    objects (an exported log); a field left ``None`` is not compared. A response body is
    required: a valid signature over some other body proves nothing about this one.
    """
    check = Check(ok=True)
    sig_text = _header(headers, HEADER_SIGNATURE)
    kid = _header(headers, HEADER_SIGNING_KEY)
    signed = _header(headers, HEADER_SIGNED)
    if not sig_text or not kid or not signed:
        return check.fail("not signed (signature headers missing)")
    try:
        stmt = Statement.parse(signed)
    except (RecordError, UnicodeDecodeError) as exc:
        return check.fail(f"malformed signed statement: {exc}")
    check.statement = stmt
    if stmt.signing_key != kid:
        check.fail(f"signing key header {kid!r} differs from the signed key {stmt.signing_key!r}")
    public = keys.get(stmt.signing_key)
    if public is None:
        return check.fail(f"unknown signing key {stmt.signing_key!r}")
    try:
        signature = b64url_decode(sig_text)
        public.verify(signature, stmt.digest())
    except (InvalidSignature, ValueError):
        return check.fail("signature does not match the signed statement")
    # The signature is good: now the statement must describe what we hold.
    if response_body is not None:
        if hashlib.sha256(response_body).hexdigest() != stmt.response_sha256:
            check.fail("response body differs from the signed one")
    elif response_obj is not None:
        if not stmt.response_json_sha256:
            check.fail("the signed response was not JSON: a parsed body cannot be compared")
        elif canonical_json_sha256(response_obj) != stmt.response_json_sha256:
            check.fail("response body differs from the signed one")
    else:
        check.fail("no response body to compare with the signature")
    if request_body is not None:
        if hashlib.sha256(request_body).hexdigest() != stmt.request_sha256:
            check.fail("request body differs from the signed one")
    elif request_obj is not None:
        if not stmt.request_json_sha256:
            check.fail("the signed request was not JSON: a parsed body cannot be compared")
        elif canonical_json_sha256(request_obj) != stmt.request_json_sha256:
            check.fail("request body differs from the signed one")
    if account_id is not None and account_id != stmt.account:
        check.fail(f"account {account_id!r} differs from the signed {stmt.account!r}")
    if key_id is not None and key_id != stmt.key:
        check.fail(f"key id {key_id!r} differs from the signed {stmt.key!r}")
    if model is not None and stmt.model and model != stmt.model:
        check.fail(f"model {model!r} differs from the signed {stmt.model!r}")
    if ts is not None and not _same_time(ts, stmt.ts):
        check.fail(f"time {ts!r} differs from the signed {stmt.ts!r}")
    return check
