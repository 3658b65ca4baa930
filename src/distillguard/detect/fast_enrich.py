"""Batch enrichment: :func:`~distillguard.detect.enrich.enrich`'s values for many rows, faster.

The batch executor enriches millions of stored exchanges, and the per-row Python work
(JSON decode, regex taggers, normalisation and hashing) is most of ``detect``'s cost. This
module computes exactly what ``enrich`` computes, from the same helpers, but

- caches the text-derived parts by their input text: capability tags by the tagged text,
  template and duplicate keys by the user turn, system-prompt fields by the system prompt.
  Harvesting campaigns and agent loops resend the same texts (the same task, the same few
  system prompts), so those parts are often computed once per text, not once per row;
- returns columns (one list per :class:`~distillguard.detect.enrich.Enriched` field, no
  object per row), which go straight into an Arrow table;
- exchanges work with worker processes as Arrow IPC bytes both ways (:func:`enrich_ipc`),
  so the only pickling is of flat buffers.

The caches are bounded (cleared when full), so memory stays flat on any log size, and
they change nothing but speed: ``tests/detect/test_enrich_fast.py`` pins every column
against ``enrich`` row by row.
"""

from __future__ import annotations

from typing import Any

import orjson
import pyarrow as pa

from distillguard.detect.enrich import (
    CHAT,
    Enriched,
    _bias_key,
    _max_tokens,
    _probe,
    _request_bits,
    _response_fields,
    _tools_key,
    enrich,
    system_fields,
    tag_text,
    user_keys,
)
from distillguard.exchange import prompt_messages

__all__ = ["ENRICHED_SCHEMA", "Enricher", "enrich_ipc", "to_ipc"]

_FIELDS = Enriched._fields
_BOOL = frozenset(("probe", "truncated"))
_INT32 = frozenset(("tags", "max_tokens", "depth", "out_chars", "sys_tags"))
_I32_MIN, _I32_MAX = -(2**31), 2**31 - 1

#: Arrow types of the enrichment columns (the ``enrichment`` table's types).
ENRICHED_SCHEMA = pa.schema(
    [
        (name, pa.bool_() if name in _BOOL else pa.int32() if name in _INT32 else pa.int64())
        for name in _FIELDS
    ]
)


class _Memo:
    """A dict cache that empties itself when it reaches ``cap`` entries (bounded memory)."""

    __slots__ = ("cap", "data")

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.data: dict[str, Any] = {}

    def put(self, key: str, value: Any) -> Any:
        if len(self.data) >= self.cap:
            self.data.clear()
        self.data[key] = value
        return value


class Enricher:
    """Enriches rows of stored JSON bodies into columns, with per-text caches.

    ``cache_size`` bounds each of the three caches (entries, keyed by text; texts are at
    most a few kB, so the default costs well under 100 MB even when full).
    """

    def __init__(self, cache_size: int = 20_000) -> None:
        self._tags = _Memo(cache_size)
        self._users = _Memo(cache_size)
        self._systems = _Memo(min(cache_size, 4_096))

    def enrich(
        self, endpoint: str, request: dict[str, Any], response: dict[str, Any] | None
    ) -> Enriched:
        """:func:`~distillguard.detect.enrich.enrich` of one decoded exchange, with the
        caches (what the live detector calls for every exchange)."""
        return enrich(
            endpoint, request, response, text_tags=self._tag, system=self._system, user=self._user
        )

    def _tag(self, text: str) -> int:
        bits = self._tags.data.get(text)
        return self._tags.put(text, tag_text(text)) if bits is None else bits

    def _system(self, text: str) -> tuple[int, int, int]:
        got = self._systems.data.get(text)
        return self._systems.put(text, system_fields(text)) if got is None else got

    def _user(self, text: str) -> tuple[int, int, int]:
        got = self._users.data.get(text)
        return self._users.put(text, user_keys(text)) if got is None else got

    def columns(
        self,
        endpoints: list[str | None],
        requests: list[str | bytes],
        responses: list[str | bytes | None],
    ) -> dict[str, list[Any]]:
        """The enrichment of each row, as one list per :class:`Enriched` field."""
        cols: dict[str, list[Any]] = {name: [] for name in _FIELDS}
        appends = [cols[name].append for name in _FIELDS]
        (
            a_tags,
            a_prefix,
            a_suffix,
            a_dup,
            a_sys,
            a_sim,
            a_tools,
            a_max,
            a_probe,
            a_trunc,
            a_depth,
            a_out,
            a_bias,
            a_systags,
        ) = appends
        loads = orjson.loads
        tag_cache, user_cache, sys_cache = self._tags.data, self._users.data, self._systems.data
        for endpoint, request, response in zip(endpoints, requests, responses, strict=True):
            req = loads(request)
            if not isinstance(req, dict):
                req = {}
            resp = loads(response) if response else None
            ep = endpoint or "chat.completions"
            msgs = prompt_messages(ep, req)
            system_parts: list[str] = []
            users: list[str] = []
            has_tool_msgs = False
            for role, text in msgs:
                if role == "user":
                    if text:
                        users.append(text)
                elif role == "system":
                    system_parts.append(text)
                elif role == "tool":
                    has_tool_msgs = True
            user = users[-1] if users else ""
            tagged = user if len(users) < 2 else f"{users[0]}\n{user}"
            bits = tag_cache.get(tagged)
            if bits is None:
                bits = self._tags.put(tagged, tag_text(tagged))
            tools = req.get("tools") or req.get("functions")
            bits |= _request_bits(req, bool(tools or has_tool_msgs))
            if system_parts:
                system = "\n".join(system_parts)
                sys_fields = sys_cache.get(system)
                if sys_fields is None:
                    sys_fields = self._systems.put(system, system_fields(system))
                bits |= sys_fields[0]
                a_sys(sys_fields[1])
                a_sim(sys_fields[2])
                a_systags(sys_fields[0])
            else:
                a_sys(0)
                a_sim(0)
                a_systags(0)
            a_tags(bits or CHAT)
            keys = user_cache.get(user)
            if keys is None:
                keys = self._users.put(user, user_keys(user))
            a_prefix(keys[0])
            a_suffix(keys[1])
            a_dup(keys[2])
            a_tools(_tools_key(tools))
            max_tokens = _max_tokens(req)
            a_max(max_tokens)
            a_probe(_probe(req, max_tokens))
            truncated, out_chars = _response_fields(ep, resp)
            a_trunc(truncated)
            a_depth(len(msgs))
            a_out(out_chars)
            a_bias(_bias_key(req.get("logit_bias")))
        return cols

    def table(
        self,
        endpoints: list[str | None],
        requests: list[str | bytes],
        responses: list[str | bytes | None],
    ) -> pa.Table:
        """:meth:`columns` as an Arrow table typed by :data:`ENRICHED_SCHEMA`."""
        cols = self.columns(endpoints, requests, responses)
        # the store's column is 32-bit; an absurd max_tokens saturates instead of failing
        cols["max_tokens"] = [min(max(m, _I32_MIN), _I32_MAX) for m in cols["max_tokens"]]
        return pa.table(
            [pa.array(cols[f.name], type=f.type) for f in ENRICHED_SCHEMA], schema=ENRICHED_SCHEMA
        )


def to_ipc(data: pa.RecordBatch | pa.Table) -> bytes:
    """Arrow IPC stream bytes of ``data`` (only its rows: slices are not padded out)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, data.schema) as writer:
        writer.write(data)
    return sink.getvalue().to_pybytes()


_WORKER: Enricher | None = None


def enrich_ipc(payload: bytes) -> bytes:
    """Worker entry point: IPC rows (``endpoint``, ``request``, ``response``) in, IPC
    enrichment columns out. Each worker process keeps one :class:`Enricher` (and its
    caches) across calls."""
    global _WORKER
    if _WORKER is None:
        _WORKER = Enricher()
    rows = pa.ipc.open_stream(payload).read_all()
    out = _WORKER.table(
        rows.column("endpoint").to_pylist(),
        rows.column("request").to_pylist(),
        rows.column("response").to_pylist(),
    )
    return to_ipc(out)
