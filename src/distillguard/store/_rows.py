"""Decoded records → store rows, with exactly the verdicts of ``distillguard.exchange``.

:func:`exchange_row` turns one decoded exchange record into the tuple of column values the
``exchanges`` table holds. Well-formed records take an inlined fast path; anything the fast
path is not sure about goes through :func:`distillguard.exchange.parse_exchange` itself,
which either accepts it or raises the canonical :class:`RecordError`. The fast path only
accepts records ``parse_exchange`` accepts, with the same values (``tests/store`` checks
this on valid and invalid records alike), so the store and every other reader of the format
can never disagree about a record.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import orjson

from distillguard._types import ENDPOINTS, JSONObject
from distillguard.errors import RecordError
from distillguard.exchange import (
    ACCOUNT_FIELDS,
    EXCHANGE_FIELDS,
    Exchange,
    parse_account,
    parse_exchange,
    parse_ts,
)

__all__ = ["ExchangeRow", "account_row", "dumps", "exchange_row"]

#: id, ts, account_id, endpoint, model, request, response, key_id, ip, user_agent,
#: client_fingerprint, status, latency_ms, meta, extra (the order of ``EXCHANGE_SCHEMA``).
ExchangeRow = tuple[Any, ...]

_KNOWN = frozenset(EXCHANGE_FIELDS)
_KNOWN_ACCOUNT = frozenset(ACCOUNT_FIELDS)
_ENDPOINTS = frozenset(ENDPOINTS)
_DEFAULT_ENDPOINT = "chat.completions"
_MISSING = object()
_DIGITS = frozenset("0123456789")
_orjson_dumps = orjson.dumps
_fromisoformat = datetime.fromisoformat


def _default(value: Any) -> Any:
    """JSON fallback for values Parquet can hold but JSON cannot (bytes, decimals, ...)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON of a decoded value (never fails on Parquet-only types).

    Bytes, not ``str``: Arrow takes them as they are, which saves a decode and an encode
    per column on the ingest hot path.
    """
    try:
        return _orjson_dumps(value, default=_default)
    except TypeError:  # a Parquet map with non-string keys, or nesting orjson cannot write
        try:
            return _orjson_dumps(value, default=_default, option=orjson.OPT_NON_STR_KEYS)
        except TypeError:
            return _deep_dumps(value)


def _deep_dumps(value: Any) -> bytes:
    """Compact JSON of a value nested deeper than orjson writes (254 levels).

    orjson reads up to 1,024 levels but writes at most 254, so such a body used to stop the
    ingest. The standard library writes it (as compact JSON with the same values; floats in
    Python's notation); beyond what it can write either, the record is rejected.
    """
    try:
        text = json.dumps(
            value, default=_default, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )
    except (RecursionError, TypeError, ValueError) as exc:
        raise RecordError(f"a body is nested too deeply to store ({exc})") from None
    return text.encode("utf-8", "surrogatepass")


def _extra(obj: JSONObject, known: frozenset[str]) -> bytes | None:
    """JSON text of the top-level fields beyond the spec, or None when there are none."""
    if known.issuperset(obj):
        return None
    return dumps({k: v for k, v in obj.items() if k not in known})


def _naive_utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=None)


def _model(request: JSONObject) -> str | None:
    model = request.get("model")
    return model if type(model) is str else None


def _fast_ts(ts: str) -> datetime | None:
    """``parse_ts(ts)`` as a naive UTC datetime for the usual ``...Z`` form, else None.

    Only strings ``parse_ts`` reads the same way are taken: no surrounding whitespace
    (``parse_ts`` strips it), ``T`` at index 10, and a ``Z`` suffix, which makes
    ``fromisoformat`` return UTC already.
    """
    if len(ts) < 20 or ts[-1] != "Z" or ts[10] != "T" or ts[0] not in _DIGITS:
        return None
    try:
        return _fromisoformat(ts).replace(tzinfo=None)
    except ValueError:
        return None


def _fast(obj: Any) -> ExchangeRow | None:
    """The row of a plainly valid record, or None when ``parse_exchange`` must decide."""
    if type(obj) is not dict:
        return None
    get = obj.get
    ex_id = get("id")
    account_id = get("account_id")
    ts = get("ts")
    request = get("request")
    response = get("response", _MISSING)
    endpoint = get("endpoint")
    key_id = get("key_id")
    ip = get("ip")
    user_agent = get("user_agent")
    fingerprint = get("client_fingerprint")
    status = get("status")
    latency = get("latency_ms")
    meta = get("meta")
    if not (
        type(ex_id) is str
        and ex_id
        and type(account_id) is str
        and account_id
        and type(ts) is str
        and type(request) is dict
        and (response is None or type(response) is dict)
        and (key_id is None or type(key_id) is str)
        and (ip is None or type(ip) is str)
        and (user_agent is None or type(user_agent) is str)
        and (fingerprint is None or type(fingerprint) is str)
        and (meta is None or type(meta) is dict)
    ):
        return None
    if endpoint is None or endpoint == "":
        endpoint = _DEFAULT_ENDPOINT
    elif type(endpoint) is not str or endpoint not in _ENDPOINTS:
        return None
    if status is None:
        status = 200
    elif type(status) is not int or not 100 <= status <= 599:
        return None
    if latency is not None and type(latency) is not float:
        if type(latency) is not int:
            return None
        latency = float(latency)
    when = _fast_ts(ts)
    if when is None:
        when = _checked_ts(ts)
        if when is None:
            return None
    model = request.get("model")
    return (
        ex_id,
        when,
        account_id,
        endpoint,
        model if type(model) is str else None,
        dumps(request),
        None if response is None else dumps(response),
        key_id,
        ip,
        user_agent,
        fingerprint,
        status,
        latency,
        None if meta is None else dumps(meta),
        None if _KNOWN.issuperset(obj) else _extra(obj, _KNOWN),
    )


def _checked_ts(ts: str) -> datetime | None:
    try:
        return _naive_utc(parse_ts(ts))
    except RecordError:
        return None


def _from_exchange(ex: Exchange, obj: JSONObject) -> ExchangeRow:
    return (
        ex.id,
        _naive_utc(ex.ts),
        ex.account_id,
        ex.endpoint,
        _model(ex.request),
        dumps(ex.request),
        None if ex.response is None else dumps(ex.response),
        ex.key_id,
        ex.ip,
        ex.user_agent,
        ex.client_fingerprint,
        ex.status,
        ex.latency_ms,
        None if ex.meta is None else dumps(ex.meta),
        _extra(obj, _KNOWN),
    )


def exchange_row(obj: Any) -> ExchangeRow:
    """The ``exchanges`` row of one decoded record; raises :class:`RecordError` if invalid."""
    row = _fast(obj)
    if row is not None:
        return row
    ex = parse_exchange(obj)
    return _from_exchange(ex, obj)


def account_row(obj: Any) -> tuple[Any, ...]:
    """The ``accounts`` row of one decoded accounts record; raises :class:`RecordError`."""
    acc = parse_account(obj)
    return (
        acc.account_id,
        None if acc.created_at is None else _naive_utc(acc.created_at),
        acc.org_id,
        acc.tier,
        acc.verified,
        acc.email_domain,
        acc.payment_fingerprint,
        acc.signup_ip,
        acc.country,
        _extra(obj, _KNOWN_ACCOUNT),
    )
