"""JSON Lines blocks of exchanges → Arrow tables, without decoding the bodies.

Most of the old per-record cost was building Python objects for ``request`` and
``response`` (JSON decode) and turning them back into text (JSON encode), only to store
that text. Here the top level of each line is decoded with msgspec into a typed struct
whose ``request``, ``response`` and ``meta`` are :class:`msgspec.Raw` (their exact bytes,
syntax-checked but never decoded), and those bytes are stored as they are *when they are
already what the old path would store*: compact JSON exactly as ``orjson.dumps`` writes it.
That is checked for the whole block at once with one RE2 pattern per column
(:data:`CANONICAL`), a conservative subset of orjson's output (no whitespace outside
strings, only the escapes orjson writes, numbers orjson writes back digit for digit).

Anything the fast path is not sure about (a field of an unexpected type, a field beyond the
spec, a body that is a JSON string or is not in that compact form, invalid UTF-8, deep
nesting, a time not in the usual ``...Z`` form) goes through the reference path instead:
``orjson.loads`` and :func:`distillguard.store._rows.exchange_row`, which gives the verdict,
the message and the values. So the rows and rejects equal the reference path's
(``tests/store/test_store_lines_equivalence.py``), with one documented exception: a body
holding the same key twice in one object is stored as sent, where decoding and
re-encoding kept only the last value (decision Store-5).
"""

from __future__ import annotations

import sys
from typing import Any

import msgspec
import pyarrow as pa
import pyarrow.compute as pc

from distillguard._types import ENDPOINTS
from distillguard.store._readers import Reject, parse_line, rows_to_table
from distillguard.store._rows import ExchangeRow, _checked_ts, _fast_ts, exchange_row
from distillguard.store._schema import EXCHANGE_SCHEMA

__all__ = ["CANONICAL", "parse_exchange_lines"]

_NULL = msgspec.Raw(b"null")


class _Record(msgspec.Struct, forbid_unknown_fields=True):
    """The spec's top-level exchange fields; any other field sends a line to the slow path."""

    id: str
    ts: str
    account_id: str
    request: msgspec.Raw
    response: msgspec.Raw
    endpoint: str | None = None
    key_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    client_fingerprint: str | None = None
    status: int | None = None
    latency_ms: float | None = None
    meta: msgspec.Raw = _NULL


class _Model(msgspec.Struct):
    """Just ``request.model``; every other key of the request is skipped, not decoded."""

    model: Any = None


_decode_record = msgspec.json.Decoder(_Record).decode
_decode_model = msgspec.json.Decoder(_Model).decode
_FAST_ERRORS = (msgspec.MsgspecError, ValueError, RecursionError, OverflowError)
_ENDPOINTS = frozenset(ENDPOINTS)
_DEFAULT_ENDPOINT = "chat.completions"
_OBJECT = 0x7B  # "{"
#: Beyond 2**53 an integer's float conversion may round differently across parsers.
_EXACT_FLOAT = float(2**53)
#: orjson reads at most 1,024 levels of nesting. msgspec gives up (RecursionError) before
#: that while Python's recursion limit is at its default; if something raised the limit,
#: lines long enough to nest that deep have their brackets counted instead.
_DEFAULT_RECURSION_LIMIT = 1000
_DEEP_LINE = 2000
_MAX_BRACKETS = 1000

_STRING = r'"(?:[^"\\\x00-\x1f]|\\["\\bfnrt])*"'
_INT = r"-?[1-9][0-9]{0,17}|0"
# Floats orjson writes back unchanged: no exponent, at most 15 significant digits (so the
# shortest representation of the parsed double is these very digits), no trailing zero
# after the point except a lone ".0", and within the range where both orjson and Python's
# json module write fixed notation (1e-4 to 1e16; see ``_rows._deep_dumps``).
_FLOAT = "|".join(
    [
        r"-?0\.0",
        r"-?0\.0{0,3}[1-9](?:[0-9]{0,13}[1-9])?",
        r"-?[1-9][0-9]{0,14}\.0",
        *(rf"-?[1-9][0-9]{{{i - 1}}}\.[0-9]{{0,{14 - i}}}[1-9]" for i in range(1, 15)),
    ]
)
#: RE2 pattern (Arrow's regex engine) matching compact JSON exactly as orjson writes it.
#: The input is known to be valid JSON; a number must end at ``,``, ``]`` or ``}`` so that
#: the pattern cannot read one number as two (``1.10`` as ``1.1`` then ``0``).
CANONICAL = rf"^(?:{_STRING}|[{{}}\[\]:,]|(?:{_FLOAT}|{_INT})(?:[,\]}}]|$)|true|false|null)*$"


def _fast_row(line: bytes) -> ExchangeRow | None:
    """The row of a plainly valid line with raw bodies, or None when the slow path decides."""
    try:
        rec = _decode_record(line)
    except _FAST_ERRORS:
        return None
    ex_id = rec.id
    account_id = rec.account_id
    if not ex_id or not account_id:
        return None
    request = bytes(rec.request)
    if request[0] != _OBJECT:
        return None
    response: bytes | None = bytes(rec.response)
    if response == b"null":
        response = None
    elif response[0] != _OBJECT:  # type: ignore[index]
        return None
    meta: bytes | None = bytes(rec.meta)
    if meta == b"null":
        meta = None
    elif meta[0] != _OBJECT:  # type: ignore[index]
        return None
    endpoint = rec.endpoint
    if not endpoint:
        endpoint = _DEFAULT_ENDPOINT
    elif endpoint not in _ENDPOINTS:
        return None
    status = rec.status
    if status is None:
        status = 200
    elif not 100 <= status <= 599:
        return None
    latency = rec.latency_ms
    if latency is not None and not -_EXACT_FLOAT < latency < _EXACT_FLOAT:
        return None
    if not line.isascii():
        try:
            line.decode()  # msgspec checks the top-level strings only, not the raw bodies
        except UnicodeDecodeError:
            return None
    if (
        len(line) > _DEEP_LINE
        and sys.getrecursionlimit() > _DEFAULT_RECURSION_LIMIT
        and line.count(b"[") + line.count(b"{") > _MAX_BRACKETS
    ):
        return None
    when = _fast_ts(rec.ts)
    if when is None:
        when = _checked_ts(rec.ts)
        if when is None:
            return None
    try:
        model = _decode_model(request).model
    except _FAST_ERRORS:
        return None
    return (
        ex_id,
        when,
        account_id,
        endpoint,
        model if type(model) is str else None,
        request,
        response,
        rec.key_id,
        rec.ip,
        rec.user_agent,
        rec.client_fingerprint,
        status,
        latency,
        meta,
        None,
    )


def _json_column(values: Any) -> pa.Array:
    """UTF-8 JSON bytes as a string column (every value was checked or written as UTF-8)."""
    return pa.array(values, type=pa.binary()).view(pa.string())


_JSON_COLUMNS = frozenset(("request", "response", "meta", "extra"))


def _table(rows: list[ExchangeRow]) -> pa.Table:
    if not rows:
        return EXCHANGE_SCHEMA.empty_table()
    columns = list(zip(*rows, strict=True))
    arrays = [
        _json_column(col) if f.name in _JSON_COLUMNS else pa.array(col, type=f.type)
        for col, f in zip(columns, EXCHANGE_SCHEMA, strict=True)
    ]
    return pa.Table.from_arrays(arrays, schema=EXCHANGE_SCHEMA)


def _canonical(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """True where a JSON column is null or holds orjson's compact form."""
    matched = pc.match_substring_regex(column, CANONICAL)
    return pc.or_(pc.is_null(column), pc.fill_null(matched, False))


def _not_canonical(table: pa.Table) -> list[int]:
    ok = pc.and_(
        pc.and_(_canonical(table["request"]), _canonical(table["response"])),
        _canonical(table["meta"]),
    )
    if pc.all(ok).as_py():
        return []
    return pc.indices_nonzero(pc.invert(ok)).to_pylist()


def parse_exchange_lines(
    data: bytes, file: str, first_line: int
) -> tuple[pa.Table, list[Reject], int, int]:
    """Exchange rows (as an Arrow table), rejects, the count of records read and the count
    of lines of one block of JSON Lines; the reference path's result, only cheaper."""
    rows: list[ExchangeRow] = []
    fast: list[tuple[int, int, bytes]] = []  # (row index, line number, line) of raw rows
    rejects: list[Reject] = []
    read = 0
    lines = data.split(b"\n")
    for lineno, line in enumerate(lines, first_line):
        if not line or line.isspace():
            continue
        read += 1
        row = _fast_row(line)
        if row is not None:
            fast.append((len(rows), lineno, line))
            rows.append(row)
            continue
        row, reject = parse_line(line, lineno, file, exchange_row)
        if row is not None:
            rows.append(row)
        else:
            rejects.append(reject)  # type: ignore[arg-type]
    table = _table(rows)
    if not fast:
        return table, rejects, read, len(lines)
    bad = set(_not_canonical(table))
    if not bad:
        return table, rejects, read, len(lines)
    # Bodies not in orjson's compact form: the reference path decides these lines.
    redo = [(i, lineno, line) for i, lineno, line in fast if i in bad]
    dropped: set[int] = set()
    for i, lineno, line in redo:
        row, reject = parse_line(line, lineno, file, exchange_row)
        if row is not None:
            rows[i] = row
        else:
            dropped.add(i)
            rejects.append(reject)  # type: ignore[arg-type]
    if dropped:
        rows = [row for i, row in enumerate(rows) if i not in dropped]
        rejects.sort(key=lambda r: r.line)
    return _table(rows), rejects, read, len(lines)


def reference_table(rows: list[ExchangeRow]) -> pa.Table:
    """The reference path's table of ``rows`` (for comparisons in tests and benchmarks)."""
    return rows_to_table(rows, EXCHANGE_SCHEMA)
