"""Server-sent events: parsing, assembling streams into final messages, and translating
between the OpenAI Chat Completions and the Anthropic Messages formats.

The gateway relays a stream's bytes to the client as they arrive and, beside it, feeds the
same bytes to an assembler here so the exchange log gets the final message the client
reconstructed (the spec logs a streamed response "as its assembled message"). When an
Anthropic client talks to an OpenAI-style model server, :class:`ChatToMessagesStream`
rewrites each chunk into the Messages API's event sequence, and the request and
non-streamed response are mapped by :func:`messages_to_chat_request` and
:func:`chat_to_messages_response`.
"""

from __future__ import annotations

from typing import Any

import orjson

from distillguard._types import JSONObject

__all__ = [
    "ChatAssembler",
    "ChatToMessagesStream",
    "CompletionAssembler",
    "MessagesAssembler",
    "SSEParser",
    "chat_to_messages_response",
    "messages_to_chat_request",
    "sse_event",
]


def sse_event(data: JSONObject, event: str | None = None) -> bytes:
    """One SSE event (``event:`` line when named, then ``data:``)."""
    head = b"event: " + event.encode() + b"\n" if event else b""
    return head + b"data: " + orjson.dumps(data) + b"\n\n"


class SSEParser:
    """Incremental SSE parser: :meth:`feed` bytes, get complete ``(event, data)`` pairs."""

    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = b""

    def feed(self, chunk: bytes) -> list[tuple[str | None, str]]:
        buf = self._buf + chunk
        if b"\r" in buf:
            buf = buf.replace(b"\r\n", b"\n")
        out: list[tuple[str | None, str]] = []
        start = 0
        while True:
            end = buf.find(b"\n\n", start)
            if end < 0:
                break
            block = buf[start:end]
            start = end + 2
            event: str | None = None
            data: list[str] = []
            for line in block.split(b"\n"):
                if line.startswith(b"data:"):
                    data.append(line[5:].lstrip(b" ").decode("utf-8", "replace"))
                elif line.startswith(b"event:"):
                    event = line[6:].strip().decode("utf-8", "replace")
            if data:
                out.append((event, "\n".join(data)))
        self._buf = buf[start:]
        return out


def _loads(data: str) -> JSONObject | None:
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    return obj if isinstance(obj, dict) else None


# ---------------------------------------------------------------------------- assemblers


class _ChunkAssembler:
    """What the OpenAI-style assemblers share: the ``[DONE]`` marker and chunk decoding."""

    def __init__(self) -> None:
        self.head: JSONObject = {}
        self.choices: dict[int, JSONObject] = {}
        self.usage: JSONObject | None = None
        self.done = False

    def feed(self, data: str) -> JSONObject | None:
        """Add one event's data; returns the decoded chunk (``None`` for ``[DONE]``/junk)."""
        if data == "[DONE]":
            self.done = True
            return None
        chunk = _loads(data)
        if chunk is None:
            return None
        self.add(chunk)
        return chunk

    def add(self, chunk: JSONObject) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class ChatAssembler(_ChunkAssembler):
    """Builds the final ``chat.completion`` object from ``chat.completion.chunk`` events."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: dict[tuple[int, str], list[str]] = {}

    def add(self, chunk: JSONObject) -> None:
        if not self.head:
            self.head = {k: chunk.get(k) for k in ("id", "created", "model", "system_fingerprint")}
        if isinstance(chunk.get("usage"), dict):
            self.usage = chunk["usage"]
        for ch in chunk.get("choices") or ():
            if not isinstance(ch, dict):
                continue
            idx = ch.get("index", 0)
            cur = self.choices.get(idx)
            if cur is None:
                cur = self.choices[idx] = {"message": {"role": "assistant"}, "finish_reason": None}
            msg = cur["message"]
            delta = ch.get("delta") or {}
            for key in ("content", "reasoning_content", "reasoning", "refusal"):
                piece = delta.get(key)
                if isinstance(piece, str):
                    # pieces are joined once at the end: no quadratic string growth
                    parts = self._parts.get((idx, key))
                    if parts is None:
                        parts = self._parts[(idx, key)] = []
                        msg[key] = ""
                    parts.append(piece)
            for tc in delta.get("tool_calls") or ():
                if not isinstance(tc, dict):
                    continue
                calls = msg.setdefault("tool_calls", [])
                i = tc.get("index", len(calls))
                while len(calls) <= i:
                    calls.append(
                        {"id": None, "type": "function", "function": {"name": "", "arguments": ""}}
                    )
                call = calls[i]
                if tc.get("id"):
                    call["id"] = tc["id"]
                fn = tc.get("function") or {}
                if fn.get("name"):
                    call["function"]["name"] += fn["name"]
                if fn.get("arguments"):
                    call["function"]["arguments"] += fn["arguments"]
            if ch.get("finish_reason"):
                cur["finish_reason"] = ch["finish_reason"]

    def result(self) -> JSONObject:
        for (idx, key), parts in self._parts.items():
            self.choices[idx]["message"][key] = "".join(parts)
        choices = []
        for idx in sorted(self.choices):
            ch = self.choices[idx]
            msg = ch["message"]
            msg.setdefault("content", None)
            choices.append({"index": idx, "message": msg, "finish_reason": ch["finish_reason"]})
        out: JSONObject = {
            "id": self.head.get("id"),
            "object": "chat.completion",
            "created": self.head.get("created"),
            "model": self.head.get("model"),
            "choices": choices,
        }
        if self.usage is not None:
            out["usage"] = self.usage
        return out

    def text_length(self) -> int:
        return sum(
            len(c["message"].get("content") or "")
            + len(c["message"].get("reasoning_content") or "")
            for c in self.choices.values()
        )


class CompletionAssembler(_ChunkAssembler):
    """Builds the final ``text_completion`` object from streamed ``text_completion`` events."""

    def add(self, chunk: JSONObject) -> None:
        """Add one decoded chunk (what :meth:`feed` does after decoding)."""
        if not self.head:
            self.head = {k: chunk.get(k) for k in ("id", "created", "model")}
        if isinstance(chunk.get("usage"), dict):
            self.usage = chunk["usage"]
        for ch in chunk.get("choices") or ():
            if not isinstance(ch, dict):
                continue
            cur = self.choices.setdefault(ch.get("index", 0), {"text": "", "finish_reason": None})
            if isinstance(ch.get("text"), str):
                cur["text"] += ch["text"]
            if ch.get("finish_reason"):
                cur["finish_reason"] = ch["finish_reason"]

    def result(self) -> JSONObject:
        out: JSONObject = {
            "id": self.head.get("id"),
            "object": "text_completion",
            "created": self.head.get("created"),
            "model": self.head.get("model"),
            "choices": [{"index": i, **self.choices[i]} for i in sorted(self.choices)],
        }
        if self.usage is not None:
            out["usage"] = self.usage
        return out

    def text_length(self) -> int:
        return sum(len(c["text"]) for c in self.choices.values())


class MessagesAssembler:
    """Builds the final Anthropic ``message`` from a Messages API event stream."""

    def __init__(self) -> None:
        self.message: JSONObject = {}
        self.blocks: dict[int, JSONObject] = {}
        self._json: dict[int, str] = {}
        self.done = False

    def feed(self, data: str) -> JSONObject | None:
        ev = _loads(data)
        if ev is None:
            return None
        self.add(ev)
        return ev

    def add(self, ev: JSONObject) -> None:
        """Add one decoded event (what :meth:`feed` does after decoding)."""
        kind = ev.get("type")
        if kind == "message_start" and isinstance(ev.get("message"), dict):
            self.message = dict(ev["message"])
        elif kind == "content_block_start" and isinstance(ev.get("content_block"), dict):
            self.blocks[ev.get("index", 0)] = dict(ev["content_block"])
        elif kind == "content_block_delta":
            idx = ev.get("index", 0)
            block = self.blocks.setdefault(idx, {"type": "text", "text": ""})
            delta = ev.get("delta") or {}
            dkind = delta.get("type")
            if dkind == "text_delta":
                block["text"] = block.get("text", "") + (delta.get("text") or "")
            elif dkind == "thinking_delta":
                block["thinking"] = block.get("thinking", "") + (delta.get("thinking") or "")
            elif dkind == "signature_delta":
                block["signature"] = block.get("signature", "") + (delta.get("signature") or "")
            elif dkind == "input_json_delta":
                self._json[idx] = self._json.get(idx, "") + (delta.get("partial_json") or "")
        elif kind == "content_block_stop":
            idx = ev.get("index", 0)
            if idx in self._json and idx in self.blocks:
                try:
                    self.blocks[idx]["input"] = orjson.loads(self._json.pop(idx) or "{}")
                except orjson.JSONDecodeError:
                    self.blocks[idx]["input"] = {}
        elif kind == "message_delta":
            delta = ev.get("delta") or {}
            for key in ("stop_reason", "stop_sequence"):
                if key in delta:
                    self.message[key] = delta[key]
            if isinstance(ev.get("usage"), dict):
                usage = dict(self.message.get("usage") or {})
                usage.update(ev["usage"])
                self.message["usage"] = usage
        elif kind == "message_stop":
            self.done = True

    def result(self) -> JSONObject:
        out = dict(self.message)
        out["content"] = [self.blocks[i] for i in sorted(self.blocks)]
        return out

    @property
    def usage(self) -> JSONObject | None:
        u = self.message.get("usage")
        return u if isinstance(u, dict) else None

    def text_length(self) -> int:
        return sum(len(b.get("text") or b.get("thinking") or "") for b in self.blocks.values())


# --------------------------------------------------------------------------- translation

_STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "refusal",
}


def _blocks(content: Any) -> list[JSONObject]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if isinstance(content, list):
        return [b for b in content if isinstance(b, dict)]
    return []


def _text_of(content: Any) -> str:
    return "\n".join(str(b.get("text", "")) for b in _blocks(content) if b.get("type") == "text")


def messages_to_chat_request(body: JSONObject, stream: bool) -> JSONObject:
    """Map an Anthropic Messages request onto an OpenAI Chat Completions request."""
    messages: list[JSONObject] = []
    system = body.get("system")
    if system:
        messages.append({"role": "system", "content": _text_of(system)})
    for msg in body.get("messages") or ():
        if not isinstance(msg, dict):
            continue
        role = msg.get("role")
        blocks = _blocks(msg.get("content"))
        if role == "assistant":
            text = "".join(str(b.get("text", "")) for b in blocks if b.get("type") == "text")
            out: JSONObject = {"role": "assistant", "content": text or None}
            calls = [
                {
                    "id": b.get("id"),
                    "type": "function",
                    "function": {
                        "name": b.get("name"),
                        "arguments": orjson.dumps(b.get("input") or {}).decode(),
                    },
                }
                for b in blocks
                if b.get("type") == "tool_use"
            ]
            if calls:
                out["tool_calls"] = calls
            messages.append(out)
            continue
        parts: list[JSONObject] = []
        for b in blocks:
            kind = b.get("type")
            if kind == "tool_result":
                messages.append(
                    {
                        "role": "tool",
                        "tool_call_id": b.get("tool_use_id"),
                        "content": _text_of(b.get("content"))
                        if not isinstance(b.get("content"), str)
                        else b["content"],
                    }
                )
            elif kind == "text":
                parts.append({"type": "text", "text": str(b.get("text", ""))})
            elif kind == "image":
                src = b.get("source") or {}
                if src.get("type") == "base64":
                    url = f"data:{src.get('media_type')};base64,{src.get('data')}"
                else:
                    url = src.get("url")
                parts.append({"type": "image_url", "image_url": {"url": url}})
        if parts:
            if all(p["type"] == "text" for p in parts):
                messages.append({"role": "user", "content": "\n".join(p["text"] for p in parts)})
            else:
                messages.append({"role": "user", "content": parts})
    req: JSONObject = {"model": body.get("model"), "messages": messages}
    if body.get("max_tokens") is not None:
        req["max_tokens"] = body["max_tokens"]
    for key in ("temperature", "top_p"):
        if body.get(key) is not None:
            req[key] = body[key]
    if body.get("stop_sequences"):
        req["stop"] = body["stop_sequences"]
    tools = body.get("tools")
    if isinstance(tools, list) and tools:
        req["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": t.get("name"),
                    "description": t.get("description", ""),
                    "parameters": t.get("input_schema") or {"type": "object"},
                },
            }
            for t in tools
            if isinstance(t, dict)
        ]
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        kind = choice.get("type")
        if kind == "any":
            req["tool_choice"] = "required"
        elif kind == "tool":
            req["tool_choice"] = {"type": "function", "function": {"name": choice.get("name")}}
        elif kind in ("auto", "none"):
            req["tool_choice"] = kind
    meta = body.get("metadata")
    if isinstance(meta, dict) and isinstance(meta.get("user_id"), str):
        req["user"] = meta["user_id"]
    if stream:
        req["stream"] = True
        req["stream_options"] = {"include_usage": True}
    return req


def chat_to_messages_response(chat: JSONObject, model: str | None) -> JSONObject:
    """Map an OpenAI ``chat.completion`` onto an Anthropic ``message``."""
    choices = chat.get("choices") or [{}]
    first = choices[0] if isinstance(choices[0], dict) else {}
    msg = first.get("message") or {}
    content: list[JSONObject] = []
    reasoning = msg.get("reasoning_content") or msg.get("reasoning")
    if isinstance(reasoning, str) and reasoning:
        content.append({"type": "thinking", "thinking": reasoning, "signature": ""})
    if isinstance(msg.get("content"), str) and msg["content"]:
        content.append({"type": "text", "text": msg["content"]})
    for call in msg.get("tool_calls") or ():
        fn = call.get("function") or {}
        try:
            args = orjson.loads(fn.get("arguments") or "{}")
        except orjson.JSONDecodeError:
            args = {}
        content.append(
            {"type": "tool_use", "id": call.get("id"), "name": fn.get("name"), "input": args}
        )
    usage = chat.get("usage") or {}
    return {
        "id": _msg_id(chat.get("id")),
        "type": "message",
        "role": "assistant",
        "model": model or chat.get("model"),
        "content": content,
        "stop_reason": _STOP_REASONS.get(first.get("finish_reason") or "stop", "end_turn"),
        "stop_sequence": None,
        "usage": {
            "input_tokens": int(usage.get("prompt_tokens") or 0),
            "output_tokens": int(usage.get("completion_tokens") or 0),
        },
    }


def _msg_id(chat_id: Any) -> str:
    text = str(chat_id or "gw")
    return text if text.startswith("msg_") else f"msg_{text}"


class ChatToMessagesStream:
    """Rewrites OpenAI ``chat.completion.chunk`` events into Anthropic stream events."""

    def __init__(self, model: str | None) -> None:
        self.model = model
        self.started = False
        self.block: str | None = None  # "text" | "thinking" | "tool:<i>"
        self.index = -1
        self.finish: str | None = None
        self.usage: JSONObject = {}

    def _start(self, chunk: JSONObject) -> bytes:
        self.started = True
        msg = {
            "id": _msg_id(chunk.get("id")),
            "type": "message",
            "role": "assistant",
            "model": self.model or chunk.get("model"),
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 0, "output_tokens": 0},
        }
        return sse_event({"type": "message_start", "message": msg}, "message_start")

    def _open(self, kind: str, block: JSONObject) -> bytes:
        out = self._close()
        self.index += 1
        self.block = kind
        ev = {"type": "content_block_start", "index": self.index, "content_block": block}
        return out + sse_event(ev, "content_block_start")

    def _close(self) -> bytes:
        if self.block is None:
            return b""
        self.block = None
        return sse_event({"type": "content_block_stop", "index": self.index}, "content_block_stop")

    def _delta(self, delta: JSONObject) -> bytes:
        ev = {"type": "content_block_delta", "index": self.index, "delta": delta}
        return sse_event(ev, "content_block_delta")

    def feed(self, chunk: JSONObject) -> bytes:
        """Events for one chunk (possibly none)."""
        out = b"" if self.started else self._start(chunk)
        if isinstance(chunk.get("usage"), dict):
            self.usage = chunk["usage"]
        for ch in chunk.get("choices") or ():
            if not isinstance(ch, dict) or ch.get("index", 0) != 0:
                continue
            delta = ch.get("delta") or {}
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if isinstance(reasoning, str) and reasoning:
                if self.block != "thinking":
                    out += self._open(
                        "thinking", {"type": "thinking", "thinking": "", "signature": ""}
                    )
                out += self._delta({"type": "thinking_delta", "thinking": reasoning})
            text = delta.get("content")
            if isinstance(text, str) and text:
                if self.block != "text":
                    out += self._open("text", {"type": "text", "text": ""})
                out += self._delta({"type": "text_delta", "text": text})
            for tc in delta.get("tool_calls") or ():
                key = f"tool:{tc.get('index', 0)}"
                fn = tc.get("function") or {}
                if self.block != key:
                    block = {
                        "type": "tool_use",
                        "id": tc.get("id"),
                        "name": fn.get("name"),
                        "input": {},
                    }
                    out += self._open(key, block)
                if fn.get("arguments"):
                    out += self._delta(
                        {"type": "input_json_delta", "partial_json": fn["arguments"]}
                    )
            if ch.get("finish_reason"):
                self.finish = ch["finish_reason"]
        return out

    def finish_events(self) -> bytes:
        """The closing events, once the upstream stream ended."""
        out = b"" if self.started else self._start({})
        out += self._close()
        delta = {
            "type": "message_delta",
            "delta": {
                "stop_reason": _STOP_REASONS.get(self.finish or "stop", "end_turn"),
                "stop_sequence": None,
            },
            "usage": {
                "input_tokens": int(self.usage.get("prompt_tokens") or 0),
                "output_tokens": int(self.usage.get("completion_tokens") or 0),
            },
        }
        out += sse_event(delta, "message_delta")
        out += sse_event({"type": "message_stop"}, "message_stop")
        return out
