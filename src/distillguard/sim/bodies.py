"""Request and response bodies for each endpoint the exchange log allows.

A behaviour decides *what* is asked (a :class:`Call`: model, conversation in OpenAI chat
form, tools, sampling parameters) and *what* the model says (text or tool calls); this
module renders both as the body the client would send and the body the API would return,
for OpenAI Chat Completions, legacy Completions or the Anthropic Messages API. Token
counts follow text length, ``finish_reason`` is ``length`` when ``max_tokens`` cut the
answer, and latency grows with the number of output tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from random import Random
from typing import Any

import orjson

from distillguard.sim.text import trace

__all__ = ["Call", "Rendered", "render"]

_SNAPSHOT = {
    "dg-chat-2": "dg-chat-2-2025-11-04",
    "dg-chat-2-mini": "dg-chat-2-mini-2025-11-04",
    "dg-chat-3": "dg-chat-3-preview",
}
# (time to first token ms, ms per output token) per model.
_SPEED = {"dg-chat-2": (420.0, 18.0), "dg-chat-2-mini": (260.0, 8.0), "dg-chat-3": (650.0, 24.0)}
_EFFORT = {"low": (100, 800), "medium": (600, 3000), "high": (2000, 9000)}
_VOCAB = (
    "the", " of", " and", " to", " a", " in", " is", " that", "ing", " for", " it", " was",
    " on", " with", " as", " be", " at", " by", " this", " Yes", " No", " The", " answer",
    " 1", " 2", " 3", " A", " B", " C", " D", ".", ",", "\n", " not", " true", " false",
)  # fmt: skip
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(slots=True)
class Call:
    """What a client asks: endpoint, model, conversation (OpenAI form) and parameters."""

    endpoint: str
    model: str
    messages: list[dict[str, Any]]
    tools: tuple[dict[str, Any], ...] | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    max_tokens_field: str = "max_tokens"
    stream: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    #: texts of choices 2..n when the request asks for ``n`` > 1 samples (chat only)
    alternatives: tuple[str, ...] = ()


@dataclass(slots=True)
class Rendered:
    """The bodies and outcome of one exchange."""

    endpoint: str
    request: dict[str, Any]
    response: dict[str, Any] | None
    status: int
    latency_ms: float


_ID_TABLE = bytes(_ALNUM[i % 62].encode()[0] for i in range(256))


def _rid(rng: Random, n: int = 24) -> str:
    return rng.randbytes(n).translate(_ID_TABLE).decode()


def _tokens(text: str) -> int:
    return len(text) // 4 + 1


def _prompt_tokens(call: Call) -> int:
    chars = 0
    for msg in call.messages:
        content = msg.get("content")
        if content.__class__ is str:
            chars += len(content)
        calls = msg.get("tool_calls")
        if calls:
            for tc in calls:
                chars += len(tc["function"]["arguments"]) + 32
    tools = call.tools
    return 3 + 4 * len(call.messages) + chars // 4 + (70 * len(tools) if tools else 0)


def _truncate(text: str, max_tokens: int | None) -> tuple[str, bool]:
    if max_tokens is not None and _tokens(text) > max_tokens:
        return text[: max(1, max_tokens * 4 - 2)], True
    return text, False


# --------------------------------------------------------------------------------------
# Anthropic conversion


def _anthropic_tools(tools: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    out = []
    for tool in tools:
        fn = tool.get("function", tool)
        out.append(
            {
                "name": fn.get("name", "tool"),
                "description": fn.get("description", ""),
                "input_schema": fn.get("parameters", {"type": "object", "properties": {}}),
            }
        )
    return out


def _anthropic_messages(messages: list[dict[str, Any]]) -> tuple[str | None, list[dict]]:
    system = [m["content"] for m in messages if m["role"] in ("system", "developer")]
    out: list[dict[str, Any]] = []
    for msg in messages:
        role = msg["role"]
        if role in ("system", "developer"):
            continue
        if role == "tool":
            block = {
                "type": "tool_result",
                "tool_use_id": msg.get("tool_call_id", ""),
                "content": msg["content"],
            }
            if out and out[-1]["role"] == "user" and isinstance(out[-1]["content"], list):
                out[-1]["content"].append(block)
            else:
                out.append({"role": "user", "content": [block]})
            continue
        if role == "assistant" and msg.get("tool_calls"):
            blocks: list[dict[str, Any]] = []
            if msg.get("content"):
                blocks.append({"type": "text", "text": msg["content"]})
            for tc in msg["tool_calls"]:
                blocks.append(
                    {
                        "type": "tool_use",
                        "id": tc["id"],
                        "name": tc["function"]["name"],
                        "input": orjson.loads(tc["function"]["arguments"]),
                    }
                )
            out.append({"role": "assistant", "content": blocks})
            continue
        out.append({"role": role, "content": msg.get("content") or ""})
    return ("\n\n".join(system) if system else None), out


def _flatten(messages: list[dict[str, Any]]) -> str:
    parts = []
    for msg in messages:
        content = msg.get("content")
        if isinstance(content, str) and content:
            parts.append(content if msg["role"] == "user" else f"{msg['role']}: {content}")
    return "\n\n".join(parts)


# --------------------------------------------------------------------------------------
# Rendering


def _top_logprobs(rng: Random, token: str, k: int) -> list[dict[str, Any]]:
    picks = [token, *rng.sample(_VOCAB, min(k, len(_VOCAB)) - 1)][:k]
    lp = -rng.random() * 0.3
    out = []
    for tok in picks:
        out.append({"token": tok, "logprob": round(lp, 5), "bytes": list(tok.encode())})
        lp -= rng.random() * 2.5 + 0.05
    return out


_TOKEN_RE = re.compile(r"\s*\S+|\s+")


def _pieces(text: str, limit: int = 16) -> list[str]:
    """Rough tokens of ``text`` (a word with its leading space), at most ``limit``."""
    out = []
    for match in _TOKEN_RE.finditer(text):
        out.append(match.group())
        if len(out) >= limit:
            break
    return out


def _chat_logprobs(rng: Random, text: str, top: int) -> dict[str, Any]:
    content = []
    for tok in _pieces(text):
        alts = _top_logprobs(rng, tok, top) if top else []
        lp = alts[0]["logprob"] if alts else round(-rng.random(), 5)
        content.append(
            {"token": tok, "logprob": lp, "bytes": list(tok.encode()), "top_logprobs": alts}
        )
    return {"content": content, "refusal": None}


def render(
    call: Call,
    rng: Random,
    ts_ms: int,
    *,
    text: str = "",
    tool_calls: list[tuple[str, dict[str, Any]]] | None = None,
    status: int = 200,
) -> Rendered:
    """Render ``call`` answered by ``text`` (and/or ``tool_calls``) as spec bodies.

    ``tool_calls`` entries get ids assigned here; the caller reads them back from the
    returned response to build the tool messages of the next turn.
    """
    endpoint = call.endpoint
    if endpoint == "messages":
        request = _messages_request(call)
    elif endpoint == "responses":
        request = _responses_request(call)
    elif endpoint == "completions":
        request = _completions_request(call)
    else:
        request = _chat_request(call)
    if status != 200:
        if status == 429:
            latency = 4.0 + rng.random() * 40.0
        elif status >= 500:
            latency = 800.0 + rng.random() * 20_000.0
        else:
            latency = 8.0 + rng.random() * 60.0
        return Rendered(endpoint, request, None, status, round(latency, 1))

    text, cut = _truncate(text, call.max_tokens)
    if cut:
        tool_calls = None
    completion_tokens = _tokens(text) if text else 0
    calls_out = []
    for name, args in tool_calls or ():
        cid = ("toolu_" if endpoint == "messages" else "call_") + _rid(rng, 22)
        calls_out.append((cid, name, args))
        completion_tokens += 12 + len(str(args)) // 4
    prompt_tokens = _prompt_tokens(call)
    created = ts_ms // 1000
    extra = call.extra
    thinking = None
    reasoning_tokens = 0
    if extra:
        if endpoint == "messages" and extra.get("thinking"):
            thinking = trace(rng)
            completion_tokens += _tokens(thinking)
        elif endpoint == "chat.completions" and extra.get("reasoning_effort"):
            lo, hi = _EFFORT.get(extra["reasoning_effort"], (200, 1000))
            reasoning_tokens = lo + int(rng.random() * (hi - lo))
            completion_tokens += reasoning_tokens
    if endpoint == "messages":
        response = _messages_response(
            call, rng, text, calls_out, cut, prompt_tokens, completion_tokens, thinking
        )
    elif endpoint == "responses":
        response = _responses_response(call, rng, text, cut, prompt_tokens, completion_tokens)
        response["created_at"] = created
    elif endpoint == "completions":
        response = _completions_response(call, rng, text, cut, prompt_tokens, created)
        completion_tokens = response["usage"]["completion_tokens"]
    else:
        response = _chat_response(
            call, rng, text, calls_out, cut, prompt_tokens, completion_tokens, created
        )
        if reasoning_tokens:
            response["usage"]["completion_tokens_details"] = {"reasoning_tokens": reasoning_tokens}
        if call.alternatives:
            usage = response["usage"]
            for i, alt in enumerate(call.alternatives, 1):
                alt, alt_cut = _truncate(alt, call.max_tokens)
                message = {"role": "assistant", "content": alt, "refusal": None}
                finish = "length" if alt_cut else "stop"
                response["choices"].append(
                    {"index": i, "message": message, "logprobs": None, "finish_reason": finish}
                )
                usage["completion_tokens"] += _tokens(alt)
            usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    ttft, per_token = _SPEED.get(call.model, (400.0, 16.0))
    latency = (ttft * (0.6 + rng.random()) + completion_tokens * per_token) * (
        0.85 + 0.3 * rng.random()
    )
    latency += prompt_tokens * 0.05
    return Rendered(endpoint, request, response, 200, round(latency, 1))


def _chat_request(call: Call) -> dict[str, Any]:
    req: dict[str, Any] = {"model": call.model, "messages": call.messages}
    if call.tools:
        req["tools"] = list(call.tools)
    if call.temperature is not None:
        req["temperature"] = call.temperature
    if call.max_tokens is not None:
        req[call.max_tokens_field] = call.max_tokens
    if call.stream:
        req["stream"] = True
        req["stream_options"] = {"include_usage": True}
    if call.extra:
        req.update(call.extra)
    return req


def _messages_request(call: Call) -> dict[str, Any]:
    system, messages = _anthropic_messages(call.messages)
    req: dict[str, Any] = {"model": call.model, "max_tokens": call.max_tokens or 1024}
    if system:
        req["system"] = system
    req["messages"] = messages
    if call.tools:
        req["tools"] = _anthropic_tools(call.tools)
    thinking = call.extra.get("thinking")
    if call.temperature is not None and not thinking:
        req["temperature"] = min(call.temperature, 1.0)
    if thinking:
        req["max_tokens"] = max(req["max_tokens"], thinking["budget_tokens"] + 1024)
    if call.stream:
        req["stream"] = True
    for key in ("thinking", "top_p", "stop_sequences"):
        if key in call.extra:
            req[key] = call.extra[key]
    return req


def _responses_request(call: Call) -> dict[str, Any]:
    system = [m["content"] for m in call.messages if m["role"] in ("system", "developer")]
    req: dict[str, Any] = {"model": call.model}
    if system:
        req["instructions"] = "\n\n".join(system)
    req["input"] = [
        {"role": m["role"], "content": m.get("content") or ""}
        for m in call.messages
        if m["role"] in ("user", "assistant")
    ]
    if call.temperature is not None:
        req["temperature"] = call.temperature
    if call.max_tokens is not None:
        req["max_output_tokens"] = call.max_tokens
    if call.stream:
        req["stream"] = True
    return req


def _responses_response(
    call: Call, rng: Random, text: str, cut: bool, prompt_tokens: int, completion_tokens: int
) -> dict[str, Any]:
    item = {
        "type": "message",
        "id": "msg_" + _rid(rng, 40),
        "status": "incomplete" if cut else "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }
    response: dict[str, Any] = {
        "id": "resp_" + _rid(rng, 40),
        "object": "response",
        "status": "incomplete" if cut else "completed",
        "model": _SNAPSHOT.get(call.model, call.model),
        "output": [item],
        "usage": {
            "input_tokens": prompt_tokens,
            "output_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
    if cut:
        response["incomplete_details"] = {"reason": "max_output_tokens"}
    return response


def _completions_request(call: Call) -> dict[str, Any]:
    req: dict[str, Any] = {"model": call.model, "prompt": _flatten(call.messages)}
    req["max_tokens"] = call.max_tokens if call.max_tokens is not None else 16
    if call.temperature is not None:
        req["temperature"] = call.temperature
    for key in ("logit_bias", "seed", "n", "top_p", "echo"):
        if key in call.extra:
            req[key] = call.extra[key]
    if call.extra.get("logprobs"):
        req["logprobs"] = int(call.extra.get("top_logprobs") or 5)
    if call.stream:
        req["stream"] = True
    return req


def _chat_response(
    call: Call,
    rng: Random,
    text: str,
    calls: list[tuple[str, str, dict[str, Any]]],
    cut: bool,
    prompt_tokens: int,
    completion_tokens: int,
    created: int,
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text or None, "refusal": None}
    if calls:
        message["tool_calls"] = [
            {
                "id": cid,
                "type": "function",
                "function": {"name": name, "arguments": orjson.dumps(args).decode()},
            }
            for cid, name, args in calls
        ]
    finish = "length" if cut else ("tool_calls" if calls else "stop")
    logprobs = None
    if call.extra.get("logprobs"):
        logprobs = _chat_logprobs(rng, text, int(call.extra.get("top_logprobs") or 0))
    return {
        "id": "chatcmpl-" + _rid(rng, 29),
        "object": "chat.completion",
        "created": created,
        "model": _SNAPSHOT.get(call.model, call.model),
        "choices": [
            {"index": 0, "message": message, "logprobs": logprobs, "finish_reason": finish}
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
        "system_fingerprint": "fp_" + _SNAPSHOT.get(call.model, call.model)[-6:].replace("-", ""),
    }


def _messages_response(
    call: Call,
    rng: Random,
    text: str,
    calls: list[tuple[str, str, dict[str, Any]]],
    cut: bool,
    prompt_tokens: int,
    completion_tokens: int,
    thinking: str | None = None,
) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if thinking:
        content.append({"type": "thinking", "thinking": thinking, "signature": _rid(rng, 48)})
    if text:
        content.append({"type": "text", "text": text})
    for cid, name, args in calls:
        content.append({"type": "tool_use", "id": cid, "name": name, "input": args})
    stop = "max_tokens" if cut else ("tool_use" if calls else "end_turn")
    return {
        "id": "msg_" + _rid(rng, 24),
        "type": "message",
        "role": "assistant",
        "model": _SNAPSHOT.get(call.model, call.model),
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": prompt_tokens, "output_tokens": completion_tokens},
    }


def _completions_response(
    call: Call, rng: Random, text: str, cut: bool, prompt_tokens: int, created: int
) -> dict[str, Any]:
    n_logprobs = call.extra.get("top_logprobs") if call.extra.get("logprobs") else None
    logprobs = None
    if n_logprobs:
        words = _pieces(text)
        tops = [_top_logprobs(rng, w, int(n_logprobs)) for w in words]
        logprobs = {
            "tokens": words,
            "token_logprobs": [t[0]["logprob"] for t in tops],
            "top_logprobs": [{a["token"]: a["logprob"] for a in t} for t in tops],
            "text_offset": [sum(len(w) for w in words[:i]) for i in range(len(words))],
        }
    completion_tokens = _tokens(text) if text else 0
    return {
        "id": "cmpl-" + _rid(rng, 29),
        "object": "text_completion",
        "created": created,
        "model": _SNAPSHOT.get(call.model, call.model),
        "choices": [
            {
                "text": text,
                "index": 0,
                "logprobs": logprobs,
                "finish_reason": "length" if cut else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
