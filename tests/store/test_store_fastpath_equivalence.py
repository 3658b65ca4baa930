"""The store's fast record path must give exactly ``parse_exchange``'s verdicts and values."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from distillguard.errors import RecordError
from distillguard.exchange import parse_exchange
from distillguard.store._rows import _from_exchange, exchange_row

_ANY_SCALAR = [None, "", "x", 0, 1, -1, 200, 99, 600, 1.5, math.inf, True, False, [], {}, [1]]
_PALETTE: dict[str, list[Any]] = {
    "id": ["ex-1", "é-✓", *_ANY_SCALAR],
    "ts": [
        "2026-02-23T08:15:02.123Z",
        "2026-02-23T08:15:02Z",
        "2026-02-23T08:15:02.123456Z",
        "2026-02-23t08:15:02.123Z",
        "2026-02-23 08:15:02.123Z",
        " 2026-02-23T08:15:02.123Z",
        "2026-02-23T08:15:02.123Z ",
        "2026-02-23T08:15:02.123+01:00",
        "2026-02-23T08:15:02.123-05:30",
        "2026-02-23T08:15:02.123",
        "2026-02-30T08:15:02.123Z",
        "2026-02-23T24:00:00.000Z",
        "2026-02-23T23:59:60.000Z",
        "2026-02-23T08:15:02.1234567Z",
        "2026-02-23T08:15:02,123Z",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999Z",
        "2026-02-23T08:15:02.123+00:00Z",
        "2026-02-23",
        "yesterday",
        *_ANY_SCALAR,
    ],
    "account_id": ["acct-1", *_ANY_SCALAR],
    "request": [
        {"model": "m", "messages": [{"role": "user", "content": "hi"}]},
        {"model": 5},
        {},
        '{"model": "from-string"}',
        "[1, 2]",
        "not json",
        "null",
        *_ANY_SCALAR,
    ],
    "response": [{"choices": []}, '{"a": 1}', "null", "nope", *_ANY_SCALAR],
    "endpoint": ["chat.completions", "messages", "responses", "completions", "bogus", *_ANY_SCALAR],
    "key_id": ["k-1", *_ANY_SCALAR],
    "ip": ["10.0.0.1", "::1", *_ANY_SCALAR],
    "user_agent": ["curl/8", *_ANY_SCALAR],
    "client_fingerprint": ["t13d", *_ANY_SCALAR],
    "status": [200, 429, 100, 599, 99, 600, 200.0, "200", *_ANY_SCALAR],
    "latency_ms": [12, 12.5, 0, -3, 2**70, "12", *_ANY_SCALAR],
    "meta": [{"a": 1}, '{"b": 2}', "[]", "x", *_ANY_SCALAR],
    "custom": ["kept", 3, None],
}
_MISSING = object()


def _compare(obj: Any) -> None:
    try:
        expected = parse_exchange(obj)
    except RecordError as exc:
        with pytest.raises(RecordError) as got:
            exchange_row(obj)
        assert str(got.value) == str(exc)
        return
    assert exchange_row(obj) == _from_exchange(expected, obj)


_KEEP = object()
_BASE: dict[str, Any] = {
    "id": "ex-1",
    "ts": "2026-02-23T08:15:02.123Z",
    "account_id": "acct-1",
    "request": {"model": "m"},
    "response": None,
}


def _apply(chosen: dict[str, Any]) -> dict[str, Any]:
    obj = dict(_BASE)
    for name, value in chosen.items():
        if value is _MISSING:
            obj.pop(name, None)
        elif value is not _KEEP:
            obj[name] = value
    return obj


def test_fast_path_matches_parse_exchange_on_random_mixes() -> None:
    """Thousands of records mixing good and bad values in several fields at once."""
    rng = random.Random(20260223)
    names = sorted(_PALETTE)
    for _ in range(4000):
        chosen = {}
        for name in rng.sample(names, rng.randint(1, 5)):
            chosen[name] = rng.choice([_MISSING, *_PALETTE[name]])
        _compare(_apply(chosen))


@pytest.mark.parametrize("obj", [None, [], "x", 1, 2.5, True, [{"id": "x"}]])
def test_non_objects(obj: Any) -> None:
    _compare(obj)


def test_each_value_of_each_field() -> None:
    for name, values in _PALETTE.items():
        for value in [_MISSING, *values]:
            _compare(_apply({name: value}))
