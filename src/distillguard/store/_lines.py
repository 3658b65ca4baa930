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

import contextlib
import sys
from typing import Any

import msgspec
import numpy as np
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

_STRING = r'"[^"\\\x00-\x1f]*(?:\\["\\bfnrt][^"\\\x00-\x1f]*)*"'
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


#: Times the vectorised parse reads exactly as ``datetime.fromisoformat`` does (the usual
#: ``...Z`` form with 0-6 fraction digits); others go through ``_rows`` one by one.
_TS_PATTERN = (
    r"^[12][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?Z$"
)
_UTC_US = pa.timestamp("us", "UTC")
_BAD = object()  # a value the fast path cannot take: the reference path decides the line
_ENDPOINT_SET = pa.array(ENDPOINTS, type=pa.string())


def _model(request: bytes) -> Any:
    """``request["model"]``, decoded by msgspec, which skips every other key without
    building it (cheaper than searching the bytes for the key)."""
    try:
        return _decode_model(request).model
    except _FAST_ERRORS:
        return _BAD


def _json_column(values: Any) -> pa.Array:
    """UTF-8 JSON bytes as a string column (every value was checked or written as UTF-8)."""
    return pa.array(values, type=pa.binary()).view(pa.string())


def _canonical_object(column: pa.Array, nullable: bool) -> pa.Array:
    """True where a body column holds a JSON object in orjson's compact form (or null)."""
    ok = pc.and_(pc.starts_with(column, "{"), pc.match_substring_regex(column, CANONICAL))
    return pc.fill_null(ok, nullable)


def _times(values: list[str]) -> tuple[pa.Array, list[bool] | None]:
    """The ``ts`` column, vectorised when every value has the usual form; else one by one
    (then also which rows have a time the fast path cannot read)."""
    array = pa.array(values, type=pa.string())
    if pc.all(pc.match_substring_regex(array, _TS_PATTERN)).as_py():
        with contextlib.suppress(pa.ArrowInvalid):  # e.g. 31 February: judged one by one
            return array.cast(_UTC_US).cast(EXCHANGE_SCHEMA.field("ts").type), None
    whens = []
    bad = []
    for ts in values:
        when = _fast_ts(ts)
        if when is None:
            when = _checked_ts(ts)
        whens.append(when)
        bad.append(when is None)
    return pa.array(whens, type=EXCHANGE_SCHEMA.field("ts").type), bad


def _fast_table(recs: list[_Record], suspect: set[int]) -> tuple[pa.Table, Any]:
    """All decoded records as one table, and a numpy mask of the rows it holds correctly
    (the others, and the ``suspect`` ones, are for the reference path)."""
    requests = [bytes(r.request) for r in recs]
    responses = [None if (b := bytes(r.response)) == b"null" else b for r in recs]
    metas = [None if (b := bytes(r.meta)) == b"null" else b for r in recs]
    models = [_model(q) if q[:1] == b"{" else _BAD for q in requests]
    statuses = [200 if (st := r.status) is None else st if 100 <= st <= 599 else 0 for r in recs]
    latencies = [
        None if (x := r.latency_ms) is None else x if -_EXACT_FLOAT < x < _EXACT_FLOAT else _BAD
        for r in recs
    ]
    ids = pa.array([r.id for r in recs], type=pa.string())
    accounts = pa.array([r.account_id for r in recs], type=pa.string())
    endpoints = pa.array([r.endpoint for r in recs], type=pa.string())
    endpoints = pc.if_else(
        pc.fill_null(pc.equal(endpoints, ""), True), _DEFAULT_ENDPOINT, endpoints
    )
    request = _json_column(requests)
    response = _json_column(responses)
    meta = _json_column(metas)
    ts, bad_ts = _times([r.ts for r in recs])
    ok = pc.and_(pc.not_equal(ids, ""), pc.not_equal(accounts, ""))
    ok = pc.and_(ok, pc.is_in(endpoints, value_set=_ENDPOINT_SET))
    ok = pc.and_(ok, _canonical_object(request, False))
    ok = pc.and_(ok, _canonical_object(response, True))
    ok = pc.and_(ok, _canonical_object(meta, True))
    mask = ok.to_numpy(zero_copy_only=False)
    for k, (model, status, latency) in enumerate(zip(models, statuses, latencies, strict=True)):
        if model is _BAD or status == 0 or latency is _BAD:
            mask[k] = False
            models[k] = None
            latencies[k] = None
    for k in suspect:
        mask[k] = False
    if bad_ts is not None:
        for k, bad in enumerate(bad_ts):
            if bad:
                mask[k] = False
    arrays = [
        ids,
        ts,
        accounts,
        endpoints,
        pa.array([m if type(m) is str else None for m in models], type=pa.string()),
        request,
        response,
        pa.array([r.key_id for r in recs], type=pa.string()),
        pa.array([r.ip for r in recs], type=pa.string()),
        pa.array([r.user_agent for r in recs], type=pa.string()),
        pa.array([r.client_fingerprint for r in recs], type=pa.string()),
        pa.array(statuses, type=pa.int32()),
        pa.array(latencies, type=pa.float64()),
        meta,
        pa.nulls(len(recs), type=pa.string()),
    ]
    return pa.Table.from_arrays(arrays, schema=EXCHANGE_SCHEMA), mask


def _suspects(data: bytes, lines: list[memoryview], where: list[int]) -> set[int]:
    """Decoded records the fast path must not store raw: bodies with invalid UTF-8 (msgspec
    checks the top-level strings only) and, if Python's recursion limit was raised, bodies
    that may nest deeper than orjson reads."""
    out: set[int] = set()
    if not data.isascii():
        try:
            data.decode()
        except UnicodeDecodeError:
            for k, i in enumerate(where):
                line = bytes(lines[i])
                if not line.isascii():
                    try:
                        line.decode()
                    except UnicodeDecodeError:
                        out.add(k)
    if sys.getrecursionlimit() > _DEFAULT_RECURSION_LIMIT:
        for k, i in enumerate(where):
            line = bytes(lines[i])
            if len(line) > _DEEP_LINE and line.count(b"[") + line.count(b"{") > _MAX_BRACKETS:
                out.add(k)
    return out


def _lines(data: bytes) -> list[memoryview]:
    """The lines of ``data`` as views into it: no line is copied (``split`` copies them
    all, and msgspec decodes from a view as well as from bytes)."""
    view = memoryview(data)
    find = data.find
    out = []
    append = out.append
    pos = 0
    while (nl := find(b"\n", pos)) >= 0:
        append(view[pos:nl])
        pos = nl + 1
    append(view[pos:])
    return out


def parse_exchange_lines(
    data: bytes, file: str, first_line: int
) -> tuple[pa.Table, list[Reject], int, int]:
    """Exchange rows (as an Arrow table), rejects, the count of records read and the count
    of lines of one block of JSON Lines; the reference path's result, only cheaper."""
    lines = _lines(data)
    recs: list[_Record] = []
    where: list[int] = []  # line index of each decoded record
    slow: list[int] = []  # line indices the reference path decides
    decode = _decode_record
    for i, line in enumerate(lines):
        if not line:
            continue
        try:
            recs.append(decode(line))
        except _FAST_ERRORS:
            if not bytes(line).isspace():  # a blank line is no record, as on the old path
                slow.append(i)
            continue
        where.append(i)
    read = len(recs) + len(slow)
    if recs:
        table, mask = _fast_table(recs, _suspects(data, lines, where))
        if not mask.all():
            slow.extend(i for i, good in zip(where, mask, strict=True) if not good)
            slow.sort()
            table = table.filter(pa.array(mask))
            where = [i for i, good in zip(where, mask, strict=True) if good]
    else:
        table = EXCHANGE_SCHEMA.empty_table()
    if not slow:
        return table, [], read, len(lines)
    rows: list[ExchangeRow] = []
    row_lines: list[int] = []
    rejects: list[Reject] = []
    for i in slow:
        row, reject = parse_line(bytes(lines[i]), first_line + i, file, exchange_row)
        if row is not None:
            rows.append(row)
            row_lines.append(i)
        else:
            rejects.append(reject)  # type: ignore[arg-type]
    if rows:
        order = np.argsort(np.array(where + row_lines, dtype=np.int64), kind="stable")
        both = pa.concat_tables([table, rows_to_table(rows, EXCHANGE_SCHEMA)])
        table = both.take(pa.array(order))
    return table, rejects, read, len(lines)
