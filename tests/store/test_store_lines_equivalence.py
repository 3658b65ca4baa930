"""The raw-body JSON Lines path must store exactly what the reference path stores.

The reference is the decode-everything path: ``orjson.loads`` each line, then
``exchange_row`` (itself proven equal to ``parse_exchange``) and ``rows_to_table``. The fast
path keeps ``request``/``response``/``meta`` as the bytes of the line when they are already
in orjson's compact form; these tests feed both paths the same blocks, tricky ones and
random ones, and require equal tables (every column, every value), equal rejects and equal
counts.
"""

from __future__ import annotations

import json
import random
import sys
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from distillguard.store._lines import CANONICAL, parse_exchange_lines
from distillguard.store._readers import Block, parse_block, rows_to_table
from distillguard.store._rows import exchange_row
from distillguard.store._schema import EXCHANGE_SCHEMA


def _reference(data: bytes) -> tuple[pa.Table, list[Any], int]:
    result = parse_block(Block("log.jsonl", 1, data=data), exchange_row)
    return rows_to_table(result.rows, EXCHANGE_SCHEMA), result.rejects, result.read


def _assert_same(data: bytes) -> pa.Table:
    want_table, want_rejects, want_read = _reference(data)
    table, rejects, read, lines = parse_exchange_lines(data, "log.jsonl", 1)
    assert lines == data.count(b"\n") + 1
    assert read == want_read
    assert rejects == want_rejects
    assert table.schema == want_table.schema
    for name in EXCHANGE_SCHEMA.names:
        assert table[name].to_pylist() == want_table[name].to_pylist(), name
    assert table.equals(want_table)
    return table


_BASE: dict[str, Any] = {
    "id": "ex-1",
    "ts": "2026-02-23T08:15:02.123Z",
    "account_id": "acct-1",
    "request": {"model": "m", "messages": [{"role": "user", "content": "hi"}]},
    "response": {"choices": [{"message": {"role": "assistant", "content": "hello"}}]},
}


def _line(**fields: Any) -> bytes:
    rec = dict(_BASE)
    for key, value in fields.items():
        if value is _DROP:
            rec.pop(key, None)
        else:
            rec[key] = value
    return _dumps(rec)


def _dumps(rec: Any) -> bytes:
    try:
        return orjson.dumps(rec)
    except orjson.JSONEncodeError:  # an int beyond 64 bits: write it with json
        return json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode()


_DROP = object()

_TRICKY_BODIES: list[Any] = [
    {"model": "m", "messages": [{"role": "user", "content": "héllo wörld ✓ 日本語 🙂"}]},
    {"text": 'quote " backslash \\ slash / tab \t nl \n cr \r bs \b ff \f'},
    {"ctl": "\x00\x01\x1f\x7f", "sep": "\u2028\u2029", "bom": "\ufeff"},
    {"ints": [0, -1, 1, 2**31, 2**53 + 1, 2**63 - 1, -(2**63), 2**64 - 1, 10**17, -(10**17)]},
    {"floats": [0.0, -0.0, 0.1, 0.7, 1.5, 100.0, 1e-5, 1e-6, 1e15, 1e16, 1e300, 5e-324]},
    {"floats": [0.1 + 0.2, 1 / 3, 2 / 3, 123456789.123456789, 3.141592653589793]},
    {"nested": {"a": [{"b": [{"c": [[], {}, [None, True, False]]}]}]}},
    {"deep": [[[[[[[[[[[[[[[[[[[[{"x": 1}]]]]]]]]]]]]]]]]]]]]},
    {},
    {"model": 5, "messages": []},
    {"model": None},
    {"empty_key": {"": ""}, "": 1},
]

_RAW_BODIES: list[bytes] = [
    b'{"model":"m","n":1E5}',
    b'{"n":1e5}',
    b'{"n":1.10}',
    b'{"n":1.0e0}',
    b'{"n":-0}',
    b'{"n":0.000001}',
    b'{"n":1234567890123456789}',
    b'{"n":123456789012345678901234567890}',
    b'{"n":-123456789012345678901234567890}',
    b'{"n":18446744073709551616}',
    b'{"n":0.1234567890123456789}',
    b'{"n":1.7976931348623157e308}',
    b'{"n":9007199254740993}',
    b'{"n":100000000000000000000.0}',
    b'{"s":"\\u00e9\\u2028\\ud83d\\ude00"}',
    b'{"s":"\\/"}',
    b'{"s":"\\u0041"}',
    b'{"s":"\\ud800"}',
    b'{"s":"\\udc00\\ud800"}',
    b'{"s":"a\\\\"}',
    b'{"s":"a\\\\\\"b"}',
    b'{"s":"\xc3\xa9"}',
    b'{"s":"\xff"}',
    b'{"s":"\xc0\xaf"}',
    b'{"s":"\xed\xa0\x80"}',
    b'{"s":"\xf4\x90\x80\x80"}',
    b'{"a": 1, "b": [1, 2]}',
    b'{ "a":1}',
    b'{"a":1 }',
    b'{"a":[1,2,]}',
    b'{"a":NaN}',
    b'{"a":Infinity}',
    b'{"a":1e400}',
    b'{"a":tru}',
    b'{"a":01}',
    b'{"a":.5}',
    b'{"a":"x\ty"}',
    b"[1,2]",
    b'"{\\"model\\":\\"from-string\\"}"',
    b'"not json"',
    b"null",
    b"1",
    b"[" * 1100 + b"]" * 1100,
    b'{"a":' + b"[" * 1020 + b"]" * 1020 + b"}",
]


def _raw_line(field: str, body: bytes, **fields: Any) -> bytes:
    rec = dict(_BASE)
    rec.update(fields)
    rec[field] = "@@BODY@@"
    return orjson.dumps(rec).replace(b'"@@BODY@@"', body)


def test_tricky_bodies_store_the_same_values() -> None:
    lines = []
    for i, body in enumerate(_TRICKY_BODIES):
        lines.append(_line(id=f"r{i}", request=body))
        lines.append(_line(id=f"s{i}", response=body))
        lines.append(_line(id=f"m{i}", meta=body))
    for i, body in enumerate(_RAW_BODIES):
        for field in ("request", "response", "meta"):
            lines.append(_raw_line(field, body, id=f"{field}-{i}"))
    table = _assert_same(b"\n".join(lines))
    assert table.num_rows > len(_TRICKY_BODIES) * 3


def test_tricky_top_level_fields_are_judged_the_same() -> None:
    lines = [
        _line(),
        _line(endpoint="messages", key_id="k", ip="::1", user_agent="ua", client_fingerprint="f"),
        _line(status=429, latency_ms=12.5, meta={"region": "eu"}),
        _line(status=None, latency_ms=None, meta=None, endpoint=None, key_id=None),
        _line(endpoint=""),
        _line(endpoint="bogus"),
        _line(status=99),
        _line(status=600),
        _line(status=True),
        _line(status=200.0),
        _line(latency_ms=7),
        _line(latency_ms=2**70),
        _line(latency_ms=2**53 + 1),
        _line(latency_ms=-(2**60)),
        _line(latency_ms=True),
        _line(latency_ms="12"),
        _line(id=""),
        _line(id=None),
        _line(id=5),
        _line(id="é-✓"),
        _line(account_id=""),
        _line(ts="2026-02-23T08:15:02Z"),
        _line(ts="2026-02-23T08:15:02.123456Z"),
        _line(ts="2026-02-23T08:15:02.123+01:00"),
        _line(ts="2026-02-23 08:15:02.123Z"),
        _line(ts="2026-02-30T08:15:02.123Z"),
        _line(ts="2026-02-23T08:15:02.123"),
        _line(ts=" 2026-02-23T08:15:02.123Z"),
        _line(ts="yesterday"),
        _line(ts=5),
        _line(request=_DROP),
        _line(response=_DROP),
        _line(response=None),
        _line(request=None),
        _line(request='{"model": "from-string"}'),
        _line(response="null"),
        _line(meta="[]"),
        _line(meta='{"b": 2}'),
        _line(custom="kept", other={"x": [1, 2]}),
        _line(ts=_DROP),
        b'{"id":"dup","id":"dup-2","ts":"2026-02-23T08:15:02.123Z","account_id":"a",'
        b'"request":{},"response":null}',
        b'{"id":"dup3","ts":"2026-02-23T08:15:02.123Z","account_id":"a","request":{},'
        b'"response":null,"key_id":"k","key_id":null}',
        b'{"i\\u0064":"esc","ts":"2026-02-23T08:15:02.123Z","account_id":"a","request":{},'
        b'"response":null}',
        b'{"id":"\\ud800","ts":"2026-02-23T08:15:02.123Z","account_id":"a","request":{},'
        b'"response":null}',
        b'{"id":"bad\xff","ts":"2026-02-23T08:15:02.123Z","account_id":"a","request":{},'
        b'"response":null}',
        b' {"id" : "spaced", "ts" : "2026-02-23T08:15:02.123Z", "account_id" : "a", '
        b'"request" : {"model" : "m"}, "response" : null}\r',
        _line(id="crlf") + b"\r",
        b"",
        b"   ",
        b"\t\r",
        b"[1, 2]",
        b"null",
        b'"text"',
        b"{",
        b'{"id":"x"} trailing',
        b"not json at all",
    ]
    _assert_same(b"\n".join(lines))


def test_json_dumps_styles_fall_back_and_store_the_same() -> None:
    """Logs written by other tools (spaces after separators, ASCII escapes) are stored
    exactly as if decoded and re-encoded."""
    rng = random.Random(5)
    lines = []
    for i in range(300):
        rec = dict(_BASE, id=f"j{i}", request=_random_value(rng, 4), response=_random_body(rng))
        rec["request"] = {"model": "m", "payload": rec["request"]}
        style = i % 4
        if style == 0:
            lines.append(json.dumps(rec).encode())
        elif style == 1:
            lines.append(json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode())
        elif style == 2:
            lines.append(json.dumps(rec, separators=(",", ":")).encode())
        else:
            lines.append(_dumps(rec))
    _assert_same(b"\n".join(lines))


_CHARS = 'aZ09 _-"\\/\n\t\r\b\f\x00\x1f\x7f é✓日🙂\u2028'


def _random_string(rng: random.Random) -> str:
    return "".join(rng.choice(_CHARS) for _ in range(rng.randint(0, 12)))


def _random_number(rng: random.Random) -> Any:
    kind = rng.randint(0, 6)
    if kind == 0:
        return rng.randint(-(10**6), 10**6)
    if kind == 1:
        return rng.randint(-(2**64), 2**64)
    if kind == 2:
        return round(rng.uniform(-1000, 1000), rng.randint(0, 17))
    if kind == 3:
        return rng.uniform(-1, 1) * 10 ** rng.randint(-12, 20)
    if kind == 4:
        return float(rng.randint(-(10**16), 10**16))
    if kind == 5:
        return rng.choice([0.0, -0.0, 1e-5, 1e-6, 1e16, 1e15, 0.1, 5e-324])
    return rng.random()


def _random_value(rng: random.Random, depth: int) -> Any:
    kind = rng.randint(0, 7 if depth > 0 else 4)
    if kind == 0:
        return _random_string(rng)
    if kind in (1, 2):
        return _random_number(rng)
    if kind == 3:
        return rng.choice([True, False, None])
    if kind == 4:
        return _random_string(rng)
    if kind in (5, 6):
        return {
            _random_string(rng): _random_value(rng, depth - 1) for _ in range(rng.randint(0, 4))
        }
    return [_random_value(rng, depth - 1) for _ in range(rng.randint(0, 4))]


def _random_body(rng: random.Random) -> dict[str, Any]:
    return {_random_string(rng): _random_value(rng, 3) for _ in range(rng.randint(0, 5))}


def test_random_records_store_the_same() -> None:
    rng = random.Random(11)
    lines = []
    for i in range(1500):
        rec: dict[str, Any] = dict(_BASE, id=f"x{i % 1400}")
        rec["request"] = dict(_random_body(rng), model=rng.choice(["m", 3, None, "é"]))
        rec["response"] = rng.choice([None, _random_body(rng)])
        if rng.random() < 0.5:
            rec["meta"] = _random_body(rng)
        if rng.random() < 0.3:
            rec["latency_ms"] = _random_number(rng)
        if rng.random() < 0.1:
            rec["status"] = rng.choice([200, 404, 1000, -1])
        lines.append(_dumps(rec))
    _assert_same(b"\n".join(lines))


def test_deep_nesting_is_judged_the_same_with_a_raised_recursion_limit() -> None:
    lines = [
        _raw_line("request", b'{"a":' + b"[" * 1100 + b"]" * 1100 + b"}", id="deep"),
        _raw_line("request", b'{"a":' + b"[" * 900 + b"]" * 900 + b"}", id="ok"),
    ]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)
    try:
        _assert_same(b"\n".join(lines))
    finally:
        sys.setrecursionlimit(limit)


def test_canonical_pattern_only_admits_what_orjson_writes_back_unchanged() -> None:
    """Every number or string the pattern accepts round-trips through orjson byte for byte."""
    rng = random.Random(3)
    tokens: list[bytes] = []
    for _ in range(20_000):
        x = _random_number(rng)
        for text in (repr(x), f"{x:.{rng.randint(0, 18)}f}", f"{x:.{rng.randint(1, 17)}g}"):
            tokens.append(text.encode())
    tokens += [b"-0", b"0", b"-0.0", b"1.0", b"1.00", b"10.0", b"0.00001", b"0.000001"]
    tokens += [b'"%s"' % s for s in (b"\\u0041", b"\\/", b"a\\nb", b"\\\\", b'\\"')]
    valid = []
    for token in tokens:
        try:
            orjson.loads(token)
        except orjson.JSONDecodeError:
            continue
        valid.append(token)
    array = pa.array(valid, type=pa.binary()).view(pa.string())
    admitted = pc.match_substring_regex(array, CANONICAL).to_pylist()
    assert sum(admitted) > len(valid) // 4  # the pattern is useful, not just safe
    for token, ok in zip(valid, admitted, strict=True):
        if ok:
            assert orjson.dumps(orjson.loads(token)) == token


@pytest.mark.parametrize("field", ["request", "response", "meta"])
def test_duplicate_keys_inside_a_body_are_stored_as_sent(field: str) -> None:
    """The one documented difference from decode-and-re-encode (decision Store-5)."""
    body = b'{"k":1,"k":2}'
    table, rejects, read, _ = parse_exchange_lines(_raw_line(field, body), "f", 1)
    assert (read, rejects) == (1, [])
    assert table[field].to_pylist() == [body.decode()]
    assert orjson.loads(table[field][0].as_py()) == {"k": 2}
