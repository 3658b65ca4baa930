"""The admin HTTP API: accounts, keys, verdicts, overrides and the audit log.

The server routes every ``/admin/...`` request to :func:`handle_admin` and sends back what it
returns. Every call needs ``Authorization: Bearer <admin token>`` (the token from
``DISTILLGUARD_ADMIN_TOKEN`` or the config file), compared in constant time; without a
configured token the admin API is disabled (403). Errors are OpenAI-style JSON bodies.

Endpoints (JSON in and out)::

    GET    /admin/accounts[?limit=&offset=]   accounts (by id) with their verdict in force
    POST   /admin/accounts                    upsert one account record or {"accounts": [...]}
    GET    /admin/accounts/{id}               one account, its keys, verdict and override
    GET    /admin/keys[?account_id=]          keys (never secrets)
    POST   /admin/keys                        {"account_id", "name"?, "org_id"?, "tier"?, ...}
                                              -> 201 with "secret", shown this once
    POST   /admin/keys/{key_id}/revoke        {"reason"?}   (DELETE /admin/keys/{key_id} too)
    GET    /admin/verdicts                    verdict in force per flagged/overridden account
    POST   /admin/verdicts                    {"verdicts": [{"account_id", "verdict", "score"?,
                                              "cluster_id"?, "reasons"?}], "source"?}
                                              detector verdicts (overrides still win)
    GET    /admin/overrides                   overrides in force
    POST   /admin/overrides                   {"account_id", "verdict", "reason", "actor"?}
    PUT    /admin/overrides/{account_id}      {"verdict", "reason", "actor"?}
    DELETE /admin/overrides/{account_id}      {"reason"?, "actor"?}
    GET    /admin/audit[?limit=&target=]      newest audit entries first

The acting person is the ``actor`` field, else the ``X-DistillGuard-Actor`` header, recorded
as ``admin:<actor>`` in the audit log. Changes apply to this gateway at once and to others
within a second.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, unquote

from distillguard._types import Verdict
from distillguard.errors import ConfigError, DistillGuardError, RecordError
from distillguard.gateway.keys import create_key
from distillguard.gateway.policy import Policy
from distillguard.gateway.state import StateDB, VerdictRow, now_ts

__all__ = ["handle_admin"]

Response = tuple[int, dict[str, str], bytes]

_JSON = {"content-type": "application/json", "cache-control": "no-store"}
_MAX_BODY = 1024 * 1024


class _HTTPError(Exception):
    def __init__(self, status: int, message: str, error_type: str, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.code = code


def _json(status: int, payload: Any, extra: Mapping[str, str] | None = None) -> Response:
    headers = dict(_JSON)
    if extra:
        headers.update(extra)
    return status, headers, json.dumps(payload, separators=(",", ":")).encode()


def _error(status: int, message: str, error_type: str, code: str | None = None) -> Response:
    extra = {"www-authenticate": 'Bearer realm="distillguard-admin"'} if status == 401 else None
    body = {"error": {"message": message, "type": error_type, "param": None, "code": code}}
    return _json(status, body, extra)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    lower = name.lower()
    for key, val in headers.items():
        if key.lower() == lower:
            return val
    return None


def _authorised(policy: Policy, headers: Mapping[str, str]) -> Response | None:
    """``None`` when the bearer token matches, else the refusal to send."""
    token = policy.settings.admin_token
    if not token:
        return _error(
            403,
            "The admin API is disabled: set DISTILLGUARD_ADMIN_TOKEN or admin.token.",
            "permission_error",
            "admin_disabled",
        )
    auth = _header(headers, "authorization") or ""
    scheme, _, presented = auth.partition(" ")
    ok = hmac.compare_digest(presented.strip().encode(), token.encode())
    if scheme.lower() != "bearer" or not ok:
        return _error(
            401, "Missing or invalid admin token.", "authentication_error", "unauthorized"
        )
    return None


def _body(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    if len(body) > _MAX_BODY:
        raise _HTTPError(413, "request body too large", "invalid_request_error")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _HTTPError(400, "request body is not valid JSON", "invalid_request_error") from None
    if not isinstance(data, dict):
        raise _HTTPError(400, "request body must be a JSON object", "invalid_request_error")
    return data


def _need_str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _HTTPError(400, f"'{key}' is required (a non-empty string)", "invalid_request_error")
    return value


def _actor(data: Mapping[str, Any], headers: Mapping[str, str]) -> str:
    who = data.get("actor") or _header(headers, "x-distillguard-actor") or "unknown"
    if not isinstance(who, str):
        raise _HTTPError(400, "'actor' must be a string", "invalid_request_error")
    return f"admin:{who.strip()[:200] or 'unknown'}"


def _verdict(value: Any) -> Verdict:
    try:
        return Verdict.parse(str(value))
    except ValueError as exc:
        raise _HTTPError(400, str(exc), "invalid_request_error") from None


def _int_param(q: Mapping[str, str], key: str, default: int, lo: int, hi: int) -> int:
    try:
        value = int(q.get(key, str(default)))
    except ValueError:
        raise _HTTPError(400, f"'{key}' must be an integer", "invalid_request_error") from None
    return max(lo, min(value, hi))


def _page(q: Mapping[str, str]) -> tuple[int, int]:
    """``limit`` (1-10000, default 1000) and ``offset`` query parameters."""
    return _int_param(q, "limit", 1000, 1, 10_000), _int_param(q, "offset", 0, 0, 2**62)


def _dispatch(
    policy: Policy,
    method: str,
    parts: list[str],
    query: dict[str, list[str]],
    headers: Mapping[str, str],
    body: bytes,
) -> Response:
    """Run one admin call against a fresh state connection (runs in a worker thread)."""
    q = {k: v[-1] for k, v in query.items()}
    with StateDB(policy.state_path) as db:
        head = parts[0] if parts else ""
        n = len(parts)
        if head == "accounts":
            if n == 1 and method == "GET":
                limit, offset = _page(q)
                accounts = db.list_accounts(limit=limit, offset=offset)
                verdicts, overrides = db.verdicts(), db.overrides()
                data = []
                for acct in accounts:
                    rec = acct.to_record()
                    ov, vd = overrides.get(acct.account_id), verdicts.get(acct.account_id)
                    rec["verdict"] = (ov or vd).verdict.value if (ov or vd) else "allow"
                    data.append(rec)
                return _json(200, {"object": "list", "data": data, "has_more": len(data) == limit})
            if n == 1 and method == "POST":
                data = _body(body)
                records = data.get("accounts", [data])
                if not isinstance(records, list) or not records:
                    raise _HTTPError(
                        400, "'accounts' must be a non-empty list", "invalid_request_error"
                    )
                payload = [{k: v for k, v in r.items() if k != "actor"} for r in records]
                count = db.upsert_accounts(payload, actor=_actor(data, headers))
                return _json(200, {"upserted": count})
            if n == 2 and method == "GET":
                acct = db.account(parts[1])
                if acct is None:
                    raise _HTTPError(404, f"unknown account {parts[1]!r}", "not_found_error")
                vd = db.verdicts().get(parts[1])
                ov = db.overrides().get(parts[1])
                return _json(
                    200,
                    {
                        "account": acct.to_record(),
                        "keys": [k.public() for k in db.keys(account_id=parts[1])],
                        "detector_verdict": vd.to_json() if vd else None,
                        "override": ov.to_json() if ov else None,
                        "verdict": (ov or vd).verdict.value if (ov or vd) else "allow",
                    },
                )
        elif head == "keys":
            if n == 1 and method == "GET":
                rows = db.keys(account_id=q.get("account_id"))
                return _json(200, {"object": "list", "data": [r.public() for r in rows]})
            if n == 1 and method == "POST":
                data = _body(body)
                account_id = _need_str(data, "account_id")
                name = data.get("name")
                meta = {
                    k: data[k]
                    for k in ("org_id", "tier", "verified", "email_domain", "country")
                    if k in data
                }
                row, secret = create_key(
                    db,
                    account_id,
                    actor=_actor(data, headers),
                    name=name if isinstance(name, str) else None,
                    account=meta,
                )
                return _json(201, {**row.public(), "secret": secret})
            revoke = (n == 3 and parts[2] == "revoke" and method == "POST") or (
                n == 2 and method == "DELETE"
            )
            if revoke:
                data = _body(body)
                if db.key(parts[1]) is None:
                    raise _HTTPError(404, f"unknown key id {parts[1]!r}", "not_found_error")
                reason = data.get("reason") or ""
                row = db.revoke_key(parts[1], actor=_actor(data, headers), reason=str(reason))
                return _json(200, row.public())
        elif head == "verdicts" and n == 1 and method == "POST":
            data = _body(body)
            items = data.get("verdicts")
            if not isinstance(items, list) or not items:
                raise _HTTPError(
                    400, "'verdicts' must be a non-empty list", "invalid_request_error"
                )
            source = data.get("source") or "admin-api"
            if not isinstance(source, str):
                raise _HTTPError(400, "'source' must be a string", "invalid_request_error")
            rows = [_verdict_row(item, str(source)) for item in items]
            db.set_verdicts(rows)
            db.record_audit(
                _actor(data, headers),
                "verdicts.publish",
                "*",
                {"count": len(rows), "source": source},
            )
            return _json(200, {"published": len(rows)})
        elif head == "verdicts" and n == 1 and method == "GET":
            verdicts, overrides = db.verdicts(), db.overrides()
            data = []
            for account_id in sorted(set(verdicts) | set(overrides)):
                vd, ov = verdicts.get(account_id), overrides.get(account_id)
                data.append(
                    {
                        "account_id": account_id,
                        "verdict": (ov or vd).verdict.value,  # type: ignore[union-attr]
                        "source": "override" if ov else "detector",
                        "detector": vd.to_json() if vd else None,
                        "override": ov.to_json() if ov else None,
                    }
                )
            return _json(200, {"object": "list", "data": data})
        elif head == "overrides":
            if n == 1 and method == "GET":
                rows = [o.to_json() for o in db.overrides().values()]
                return _json(200, {"object": "list", "data": rows})
            if (n == 1 and method == "POST") or (n == 2 and method in ("PUT", "POST")):
                data = _body(body)
                account_id = parts[1] if n == 2 else _need_str(data, "account_id")
                verdict = _verdict(_need_str(data, "verdict"))
                reason = _need_str(data, "reason")
                row = db.set_override(
                    account_id, verdict, reason=reason, actor=_actor(data, headers)
                )
                return _json(200, row.to_json())
            if n == 2 and method == "DELETE":
                data = _body(body)
                reason = data.get("reason") or q.get("reason") or ""
                cleared = db.clear_override(
                    parts[1], reason=str(reason), actor=_actor(data, headers)
                )
                if not cleared:
                    raise _HTTPError(404, f"{parts[1]!r} has no override", "not_found_error")
                return _json(200, {"account_id": parts[1], "cleared": True})
        elif head == "audit" and n == 1 and method == "GET":
            try:
                limit = int(q.get("limit", "100"))
            except ValueError:
                raise _HTTPError(
                    400, "'limit' must be an integer", "invalid_request_error"
                ) from None
            limit = max(1, min(limit, 10_000))
            rows = db.audit_log(limit=limit, target=q.get("target"))
            return _json(200, {"object": "list", "data": [e.to_json() for e in rows]})
    raise _HTTPError(404, f"no admin endpoint {method} /admin/{'/'.join(parts)}", "not_found_error")


def _verdict_row(item: Any, source: str) -> VerdictRow:
    if not isinstance(item, dict):
        raise _HTTPError(400, "each verdict must be an object", "invalid_request_error")
    account_id = _need_str(item, "account_id")
    verdict = _verdict(_need_str(item, "verdict"))
    score = item.get("score", 0.0)
    if isinstance(score, bool) or not isinstance(score, int | float):
        raise _HTTPError(400, "'score' must be a number", "invalid_request_error")
    cluster = item.get("cluster_id")
    reasons = item.get("reasons", [])
    if cluster is not None and not isinstance(cluster, str):
        raise _HTTPError(400, "'cluster_id' must be a string", "invalid_request_error")
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        raise _HTTPError(400, "'reasons' must be a list of strings", "invalid_request_error")
    return VerdictRow(account_id, verdict, float(score), cluster or None, reasons, source, now_ts())


_WRITES = {"POST", "PUT", "DELETE"}


async def handle_admin(
    policy: Policy,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
) -> tuple[int, dict[str, str], bytes]:
    """Serve one ``/admin/...`` request; returns ``(status, headers, body)``."""
    refusal = _authorised(policy, headers)
    if refusal is not None:
        return refusal
    method = method.upper()
    rel = path.split("?", 1)[0]
    if rel.startswith("/admin"):
        rel = rel[len("/admin") :]
    parts = [unquote(p) for p in rel.strip("/").split("/") if p]
    try:
        response = await asyncio.to_thread(
            _dispatch, policy, method, parts, parse_qs(query or ""), headers, body
        )
    except _HTTPError as exc:
        return _error(exc.status, str(exc), exc.error_type, exc.code)
    except (ConfigError, RecordError) as exc:
        return _error(400, str(exc), "invalid_request_error")
    except DistillGuardError as exc:
        return _error(503, str(exc), "server_error")
    if method in _WRITES and response[0] < 300:
        # Apply to this process at once; other gateways pick it up within a second.
        await asyncio.to_thread(policy.reload)
    return response
