"""Watermarking what the gateway relays: the keyring, whole bodies and event streams.

The watermark itself lives in :mod:`distillguard.watermark`; this module only adapts it to
the gateway. :func:`load_marker` opens (or creates, mode 0600) the keyring named by
``[watermark] keyring``. :func:`mark_body` marks a non-streamed response and says what it
did for the exchange's ``meta``. :class:`StreamMarker` marks a response stream event by
event, in the upstream's dialect, so the streamed text is exactly the text
:func:`mark_body` would produce for the same answer: each text field (per choice, per
Anthropic content block) gets its own :class:`~distillguard.watermark.TextStream`, whose
held-back last line is flushed into the event that ends the field (the chunk carrying
``finish_reason``; a ``text_delta`` inserted before ``content_block_stop``), or into a
closing chunk when the upstream never said it ended.

Tool calls, JSON-mode answers, choices with ``logprobs`` and thinking blocks are never
changed (the rules of :mod:`distillguard.watermark.bodies`). The module is imported only
when watermarking is on, so a gateway without it never loads NumPy for this.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path
from typing import Any

import orjson

from distillguard._types import JSONObject
from distillguard.errors import ConfigError, WatermarkError
from distillguard.watermark import Keyring, TextStream, TextWatermarker, watermark_response

__all__ = ["StreamMarker", "load_marker", "mark_body", "wants_json"]

_JSON_FORMATS = frozenset({"json_object", "json_schema"})


def load_marker(path: Path) -> TextWatermarker:
    """The text watermarker for the keyring at ``path``; a fresh keyring is created if missing.

    Like the signing keyring, a file that group or others may read is refused: whoever
    holds the master secret can erase or forge any account's mark.
    """
    path = Path(path)
    try:
        if not path.exists():
            _create(path)
        mode = stat.S_IMODE(path.stat().st_mode)
        if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(
                f"watermark keyring {path} is accessible by group or others "
                f"(mode {mode:o}); run: chmod 600 {path}"
            )
        return TextWatermarker(Keyring.load(path))
    except WatermarkError as exc:
        raise ConfigError(f"watermark.keyring: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"watermark.keyring {path}: {exc.strerror or exc}") from None


def _create(path: Path) -> None:
    """Write a fresh keyring to ``path`` unless another process got there first.

    Gateway workers start at once: each writes its own candidate to a private temporary
    file and hard-links it into place, which fails when the file exists, so every worker
    then loads the same, complete keyring (never one half written, never two secrets).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        Keyring.generate().save(tmp)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def wants_json(request: JSONObject | None) -> bool:
    """True when the client asked for JSON output (such answers are never marked)."""
    if not isinstance(request, dict):
        return False
    text = request.get("text")
    for fmt in (
        request.get("response_format"),
        text.get("format") if isinstance(text, dict) else None,
    ):
        if isinstance(fmt, dict) and fmt.get("type") in _JSON_FORMATS:
            return True
    return False


def _meta(key_id: str, strength: float, n_changed: int, n_words: int) -> JSONObject:
    return {
        "scheme": "text",
        "key_id": key_id,
        "strength": strength,
        "n_changed": n_changed,
        "n_words": n_words,
    }


def mark_body(
    marker: TextWatermarker,
    endpoint: str,
    request: JSONObject | None,
    response: JSONObject,
    account_id: str,
    strength: float,
) -> tuple[JSONObject | None, JSONObject]:
    """``(new body or None when nothing changed, meta entry)`` for one whole response."""
    res = watermark_response(marker, endpoint, request, response, account_id, strength)
    meta = _meta(res.key_id, strength, res.n_changed, res.n_words)
    if res.skipped:
        meta["skipped"] = res.skipped
    return (res.body if res.n_changed else None), meta


class StreamMarker:
    """Marks one response stream, event by event (see the module docstring).

    ``dialect`` is the upstream stream's format: ``chat.completions``, ``completions`` or
    ``messages``. :meth:`feed` takes one SSE event's ``(name, data)`` and returns the
    decoded events to relay, in order (the input event mutated in place, possibly preceded
    by an inserted one); :meth:`finish` returns closing events for text still held back.
    A line longer than ``max_hold`` characters is relayed unmarked rather than held longer
    (``[watermark] stream_max_hold``: the bound on how long the first text can wait).
    """

    def __init__(
        self,
        marker: TextWatermarker,
        dialect: str,
        account_id: str,
        strength: float,
        request: JSONObject | None,
        max_hold: int = 4000,
    ) -> None:
        self.marker = marker
        self.max_hold = max_hold
        self.dialect = dialect
        self.account_id = account_id
        self.strength = strength
        self.key_id = marker.keyring.account_key(account_id, marker.scheme.name).key_id
        self._streams: dict[tuple[int, str], TextStream] = {}
        self._done: list[TextStream] = []
        self._skip: set[int] = set()
        self._head: JSONObject = {}
        logprobs = request.get("logprobs") if isinstance(request, dict) else None
        # a choice that carries logprobs is left as is (its tokens would no longer match)
        self._no_choices = bool(logprobs) or (dialect == "completions" and logprobs is not None)

    def _stream(self, idx: int, field: str) -> TextStream:
        s = self._streams.get((idx, field))
        if s is None:
            s = self.marker.stream(self.account_id, self.strength, self.max_hold)
            self._streams[(idx, field)] = s
        return s

    def _close(self, idx: int, field: str) -> str:
        s = self._streams.pop((idx, field), None)
        if s is None:
            return ""
        self._done.append(s)
        return s.flush()

    def feed(self, name: str | None, data: str) -> list[tuple[str | None, JSONObject]]:
        if data == "[DONE]":
            return self.finish()
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError:
            return []
        if not isinstance(obj, dict):
            return []
        if self.dialect == "messages":
            return self._messages(name, obj)
        return self._choices(name, obj)

    def _choices(self, name: str | None, obj: JSONObject) -> list[tuple[str | None, JSONObject]]:
        if not self._head:
            self._head = {k: obj.get(k) for k in ("id", "object", "created", "model")}
        if self._no_choices:
            return [(name, obj)]
        chat = self.dialect != "completions"
        for ch in obj.get("choices") or ():
            if not isinstance(ch, dict):
                continue
            idx = ch.get("index", 0)
            if ch.get("logprobs") or idx in self._skip:
                self._skip.add(idx)
                continue
            part = ch.get("delta") if chat else ch
            if not isinstance(part, dict):
                if not (chat and ch.get("finish_reason")):
                    continue
                part = ch["delta"] = {}
            fields = ("content", "reasoning_content") if chat else ("text",)
            for field in fields:
                piece = part.get(field)
                if isinstance(piece, str) and piece:
                    part[field] = self._stream(idx, field).feed(piece)
            if ch.get("finish_reason"):
                for field in fields:
                    rest = self._close(idx, field)
                    if rest:
                        piece = part.get(field)
                        part[field] = (piece if isinstance(piece, str) else "") + rest
        return [(name, obj)]

    def _messages(self, name: str | None, ev: JSONObject) -> list[tuple[str | None, JSONObject]]:
        kind = ev.get("type")
        idx = ev.get("index", 0)
        if kind == "content_block_delta":
            delta = ev.get("delta")
            if isinstance(delta, dict) and delta.get("type") == "text_delta":
                text = delta.get("text")
                if isinstance(text, str) and text:
                    delta["text"] = self._stream(idx, "text").feed(text)
        elif kind == "content_block_stop":
            rest = self._close(idx, "text")
            if rest:
                return [("content_block_delta", _text_delta(idx, rest)), (name, ev)]
        elif kind in ("message_delta", "message_stop"):
            return [*self.finish(), (name, ev)]
        return [(name, ev)]

    def finish(self) -> list[tuple[str | None, JSONObject]]:
        """Events carrying every text still held back (the upstream never closed its fields)."""
        out: list[tuple[str | None, JSONObject]] = []
        for idx, field in list(self._streams):
            rest = self._close(idx, field)
            if not rest:
                continue
            if self.dialect == "messages":
                out.append(("content_block_delta", _text_delta(idx, rest)))
                continue
            part = {field: rest}
            choice = (
                {"index": idx, "delta": part, "finish_reason": None}
                if self.dialect != "completions"
                else {"index": idx, **part, "finish_reason": None}
            )
            out.append((None, {**self._head, "choices": [choice]}))
        return out

    def meta(self) -> JSONObject:
        """The exchange's ``meta.watermark`` entry (totals over every field)."""
        streams = self._done + list(self._streams.values())
        return _meta(
            self.key_id,
            self.strength,
            sum(s.n_changed for s in streams),
            sum(s.n_words for s in streams),
        )


def _text_delta(idx: Any, text: str) -> JSONObject:
    return {
        "type": "content_block_delta",
        "index": idx,
        "delta": {"type": "text_delta", "text": text},
    }
