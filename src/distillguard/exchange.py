"""The exchange and account records of the interchange format (``shared/spec/exchange-log.md``).

This module is the one place that knows the format: it validates a decoded JSON object into
an :class:`Exchange` or :class:`Account`, writes one back out, parses and formats RFC 3339
times, and pulls the conversational text out of the request and response bodies of every
endpoint the spec allows. The store, the simulator, the gateway's log sink and the detector
all go through it, so they can never disagree about what a record means.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from distillguard._types import ENDPOINTS, JSONObject
from distillguard.errors import RecordError

__all__ = [
    "ACCOUNT_FIELDS",
    "EXCHANGE_FIELDS",
    "Account",
    "Exchange",
    "format_ts",
    "parse_account",
    "parse_exchange",
    "parse_ts",
    "prompt_messages",
    "request_model",
    "response_text",
]

#: Top-level exchange fields in spec order.
EXCHANGE_FIELDS: tuple[str, ...] = (
    "id",
    "ts",
    "account_id",
    "request",
    "response",
    "endpoint",
    "key_id",
    "ip",
    "user_agent",
    "client_fingerprint",
    "status",
    "latency_ms",
    "meta",
)

#: Account fields in spec order.
ACCOUNT_FIELDS: tuple[str, ...] = (
    "account_id",
    "created_at",
    "org_id",
    "tier",
    "verified",
    "email_domain",
    "payment_fingerprint",
    "signup_ip",
    "country",
)

_OPTIONAL_STRINGS = ("key_id", "ip", "user_agent", "client_fingerprint")
_ACCOUNT_STRINGS = ("org_id", "tier", "email_domain", "payment_fingerprint", "signup_ip", "country")


# --------------------------------------------------------------------------------------
# Time


def parse_ts(value: Any, field: str = "ts") -> datetime:
    """Parse an RFC 3339 timestamp into an aware UTC ``datetime``.

    Accepts ``Z`` or a numeric offset and any fraction of a second; rejects naive times,
    because the spec's times are instants.
    """
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        text = value.strip()
        if len(text) < 20 or text[10] not in "Tt ":
            raise RecordError(f"{field} {value!r} is not an RFC 3339 time", field)
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise RecordError(f"{field} {value!r} is not an RFC 3339 time", field) from None
    else:
        raise RecordError(f"{field} must be an RFC 3339 string, got {_kind(value)}", field)
    if dt.tzinfo is None:
        raise RecordError(f"{field} {value!r} has no UTC offset", field)
    return dt.astimezone(UTC)


def format_ts(dt: datetime) -> str:
    """Format an aware ``datetime`` as RFC 3339 UTC with ``Z``.

    Milliseconds are written when the time has no finer part, microseconds otherwise, so
    parse/format round-trips exactly.
    """
    dt = dt.astimezone(UTC)
    base = dt.strftime("%Y-%m-%dT%H:%M:%S")
    us = dt.microsecond
    if us % 1000 == 0:
        return f"{base}.{us // 1000:03d}Z"
    return f"{base}.{us:06d}Z"


# --------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True, slots=True)
class Exchange:
    """One API exchange: a request, its response and what the edge saw of the client."""

    id: str
    ts: datetime
    account_id: str
    request: JSONObject
    response: JSONObject | None
    endpoint: str = "chat.completions"
    key_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    client_fingerprint: str | None = None
    status: int = 200
    latency_ms: float | None = None
    meta: JSONObject | None = None

    def to_record(self) -> JSONObject:
        """The exchange as a spec JSON object (optional fields left out when unset)."""
        out: JSONObject = {
            "id": self.id,
            "ts": format_ts(self.ts),
            "account_id": self.account_id,
            "request": self.request,
            "response": self.response,
            "endpoint": self.endpoint,
        }
        for name in _OPTIONAL_STRINGS:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        out["status"] = self.status
        if self.latency_ms is not None:
            out["latency_ms"] = self.latency_ms
        if self.meta is not None:
            out["meta"] = self.meta
        return out

    def to_json(self) -> bytes:
        """One JSON Lines line (without the newline)."""
        return orjson.dumps(self.to_record())


@dataclass(frozen=True, slots=True)
class Account:
    """One row of the accounts file. Only ``account_id`` is known for sure."""

    account_id: str
    created_at: datetime | None = None
    org_id: str | None = None
    tier: str | None = None
    verified: bool | None = None
    email_domain: str | None = None
    payment_fingerprint: str | None = None
    signup_ip: str | None = None
    country: str | None = None

    def to_record(self) -> JSONObject:
        out: JSONObject = {"account_id": self.account_id}
        if self.created_at is not None:
            out["created_at"] = format_ts(self.created_at)
        for name in ("org_id", "tier", "verified", *_ACCOUNT_STRINGS[2:]):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _object(value: Any, field: str, *, nullable: bool) -> JSONObject | None:
    """An object field; Parquet files may carry nested objects as JSON strings."""
    if value is None:
        if nullable:
            return None
        raise RecordError(f"{field} must be an object, got null", field)
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise RecordError(f"{field} is a string that is not a JSON object", field) from None
        if value is None and nullable:
            return None
    if not isinstance(value, dict):
        raise RecordError(f"{field} must be an object, got {_kind(value)}", field)
    return value


def _string(obj: JSONObject, field: str, *, required: bool) -> str | None:
    value = obj.get(field)
    if value is None:
        if required:
            raise RecordError(f"missing required field {field!r}", field)
        return None
    if not isinstance(value, str):
        raise RecordError(f"{field} must be a string, got {_kind(value)}", field)
    if required and not value:
        raise RecordError(f"{field} must not be empty", field)
    return value


def parse_exchange(obj: Any) -> Exchange:
    """Validate one decoded exchange record; raise :class:`RecordError` naming the fault."""
    if not isinstance(obj, dict):
        raise RecordError(f"an exchange must be a JSON object, got {_kind(obj)}")
    ex_id = _string(obj, "id", required=True)
    if "ts" not in obj or obj["ts"] is None:
        raise RecordError("missing required field 'ts'", "ts")
    ts = parse_ts(obj["ts"])
    account_id = _string(obj, "account_id", required=True)
    if "request" not in obj:
        raise RecordError("missing required field 'request'", "request")
    request = _object(obj["request"], "request", nullable=False)
    if "response" not in obj:
        raise RecordError("missing required field 'response'", "response")
    response = _object(obj["response"], "response", nullable=True)
    endpoint = _string(obj, "endpoint", required=False) or "chat.completions"
    if endpoint not in ENDPOINTS:
        raise RecordError(f"endpoint {endpoint!r} is not one of {', '.join(ENDPOINTS)}", "endpoint")
    optional = {name: _string(obj, name, required=False) for name in _OPTIONAL_STRINGS}
    status = obj.get("status")
    if status is None:
        status = 200
    elif isinstance(status, bool) or not isinstance(status, int):
        raise RecordError(f"status must be an integer, got {_kind(status)}", "status")
    elif not 100 <= status <= 599:
        raise RecordError(f"status {status} is not an HTTP status", "status")
    latency = obj.get("latency_ms")
    if latency is not None:
        if isinstance(latency, bool) or not isinstance(latency, int | float):
            raise RecordError(f"latency_ms must be a number, got {_kind(latency)}", "latency_ms")
        latency = float(latency)
    meta = _object(obj.get("meta"), "meta", nullable=True)
    return Exchange(
        id=ex_id,  # type: ignore[arg-type]
        ts=ts,
        account_id=account_id,  # type: ignore[arg-type]
        request=request,  # type: ignore[arg-type]
        response=response,
        endpoint=endpoint,
        status=status,
        latency_ms=latency,
        meta=meta,
        **optional,
    )


def parse_account(obj: Any) -> Account:
    """Validate one decoded accounts-file record."""
    if not isinstance(obj, dict):
        raise RecordError(f"an account must be a JSON object, got {_kind(obj)}")
    account_id = _string(obj, "account_id", required=True)
    created = obj.get("created_at")
    created_at = parse_ts(created, "created_at") if created is not None else None
    verified = obj.get("verified")
    if verified is not None and not isinstance(verified, bool):
        raise RecordError(f"verified must be a boolean, got {_kind(verified)}", "verified")
    strings = {name: _string(obj, name, required=False) for name in _ACCOUNT_STRINGS}
    return Account(
        account_id=account_id,  # type: ignore[arg-type]
        created_at=created_at,
        verified=verified,
        **strings,
    )


# --------------------------------------------------------------------------------------
# Text inside the bodies


def _content_text(content: Any) -> str:
    """Text of a message ``content``: a string, or a list of parts (OpenAI or Anthropic)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        pieces: list[str] = []
        for part in content:
            if isinstance(part, str):
                pieces.append(part)
            elif isinstance(part, dict):
                kind = part.get("type")
                if kind in ("text", "input_text", "output_text") or "text" in part:
                    text = part.get("text")
                    if isinstance(text, str):
                        pieces.append(text)
                elif kind == "tool_result":
                    pieces.append(_content_text(part.get("content")))
                elif kind == "thinking" and isinstance(part.get("thinking"), str):
                    pieces.append(part["thinking"])
        return "\n".join(p for p in pieces if p)
    return ""


def prompt_messages(endpoint: str, request: JSONObject) -> list[tuple[str, str]]:
    """The conversation a request carries, as ``(role, text)`` pairs in order.

    System prompts come first with role ``system`` whatever the endpoint calls them; a
    user turn made only of ``tool_result`` blocks (Anthropic's tool output) has role
    ``tool``, as it does in OpenAI's format.
    """
    out: list[tuple[str, str]] = []
    if endpoint == "completions":
        prompt = request.get("prompt")
        if isinstance(prompt, list):
            prompt = "\n".join(p for p in prompt if isinstance(p, str))
        if isinstance(prompt, str):
            out.append(("user", prompt))
        return out
    if endpoint == "messages":
        system = request.get("system")
        text = _content_text(system)
        if text:
            out.append(("system", text))
    if endpoint == "responses":
        instructions = request.get("instructions")
        if isinstance(instructions, str) and instructions:
            out.append(("system", instructions))
        items = request.get("input")
        if isinstance(items, str):
            out.append(("user", items))
            return out
    else:
        items = request.get("messages")
    if not isinstance(items, list):
        return out
    for msg in items:
        if not isinstance(msg, dict):
            continue
        role = msg.get("role")
        role = "system" if role == "developer" else role
        if not isinstance(role, str):
            continue
        content = msg.get("content")
        if role == "user" and _only_tool_results(content):
            role = "tool"  # Anthropic carries tool output in user turns: no person spoke
        out.append((role, _content_text(content)))
    return out


def _only_tool_results(content: Any) -> bool:
    return (
        isinstance(content, list)
        and bool(content)
        and all(isinstance(p, dict) and p.get("type") == "tool_result" for p in content)
    )


def response_text(endpoint: str, response: JSONObject | None) -> str:
    """The assistant text of a response body (first choice), reasoning included."""
    if not response:
        return ""
    if endpoint == "messages":
        return _content_text(response.get("content"))
    if endpoint == "responses":
        pieces = []
        for item in response.get("output") or []:
            if isinstance(item, dict):
                pieces.append(_content_text(item.get("content")))
        return "\n".join(p for p in pieces if p)
    choices = response.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return ""
    first = choices[0]
    if endpoint == "completions":
        text = first.get("text")
        return text if isinstance(text, str) else ""
    message = first.get("message")
    if not isinstance(message, dict):
        return ""
    text = _content_text(message.get("content"))
    reasoning = message.get("reasoning_content") or message.get("reasoning")
    if isinstance(reasoning, str) and reasoning:
        return f"{reasoning}\n{text}" if text else reasoning
    return text


def request_model(request: JSONObject) -> str | None:
    """The model a request asks for, if it names one."""
    model = request.get("model")
    return model if isinstance(model, str) else None
