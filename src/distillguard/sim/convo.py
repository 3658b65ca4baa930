"""Conversation plumbing shared by behaviours: tool calls, tool results, history trimming.

Keeps the OpenAI chat form as the one internal representation of a conversation (the
Anthropic form is derived from it when a request is rendered), and turns a rendered
response back into the assistant message a client would append to its history.
"""

from __future__ import annotations

from random import Random
from typing import Any

import orjson

from distillguard.exchange import response_text
from distillguard.sim.bodies import Rendered

__all__ = ["CODING_TOOLS", "assistant_message", "tool_args", "tool_result", "trim"]


def _fn(name: str, description: str, props: dict[str, Any], required: list[str]) -> dict:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": props, "required": required},
        },
    }


#: The tool set coding agents expose (names and shapes common to popular agents).
CODING_TOOLS: tuple[dict[str, Any], ...] = (
    _fn("read_file", "Read a file from the workspace.", {"path": {"type": "string"}}, ["path"]),
    _fn(
        "edit_file",
        "Replace text in a file.",
        {
            "path": {"type": "string"},
            "old_str": {"type": "string"},
            "new_str": {"type": "string"},
        },
        ["path", "old_str", "new_str"],
    ),
    _fn(
        "run_command",
        "Run a shell command in the workspace and return its output.",
        {"command": {"type": "string"}},
        ["command"],
    ),
    _fn(
        "search_code",
        "Search the repository for a regular expression.",
        {"pattern": {"type": "string"}, "glob": {"type": "string"}},
        ["pattern"],
    ),
)

_PATHS = (
    "src/app/main.py", "src/utils/io.py", "tests/test_api.py", "package.json", "README.md",
    "src/server/routes.ts", "cmd/worker/main.go", "src/lib.rs", "app/models/user.rb",
    "src/components/Table.tsx", "Makefile", "pyproject.toml", "src/db/schema.sql",
)  # fmt: skip
_COMMANDS = (
    "pytest -q", "npm test", "go test ./...", "cargo build", "git status", "ls -la src",
    "python -m mypy src", "npm run lint", "git diff --stat", "make build",
)  # fmt: skip
_WORDS = ("config", "timeout", "retry", "parse", "user_id", "cache", "handler", "TODO", "error")
_RESULTS = (
    "ok",
    "3 passed, 1 failed",
    "FAILED tests/test_api.py::test_retry - AssertionError: expected 3, got 2",
    "def handler(event):\n    return process(event['body'])",
    "src/app/main.py:42: timeout = 30",
    "Build succeeded.",
    '{"status": "ok", "rows": 12}',
    "No matches found.",
    "modified: src/utils/io.py",
)


def _value(spec: dict[str, Any], name: str, rng: Random) -> Any:
    kind = spec.get("type") if isinstance(spec, dict) else None
    enum = spec.get("enum") if isinstance(spec, dict) else None
    if isinstance(enum, list) and enum:
        return enum[int(rng.random() * len(enum))]
    if kind in ("integer", "number"):
        return rng.randrange(1, 500)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "array":
        return [_value(spec.get("items") or {"type": "string"}, name, rng)]
    if kind in ("object", "dict"):
        return {}
    if name == "path":
        return rng.choice(_PATHS)
    if name == "command":
        return rng.choice(_COMMANDS)
    if name in ("pattern", "old_str", "new_str", "query"):
        return rng.choice(_WORDS)
    return rng.choice(_WORDS) if rng.random() < 0.3 else f"{name}_{rng.randrange(100)}"


def tool_args(tool: dict[str, Any], rng: Random) -> tuple[str, dict[str, Any]]:
    """A plausible call of ``tool`` (OpenAI function format): its name and arguments."""
    fn = tool.get("function", tool)
    params = fn.get("parameters") or {}
    props = params.get("properties") or {} if isinstance(params, dict) else {}
    required = params.get("required") or list(props)[:1] if isinstance(params, dict) else []
    args = {}
    for name in required:
        if isinstance(name, str):
            args[name] = _value(props.get(name) or {}, name, rng)
    return str(fn.get("name", "tool")), args


def tool_result(rng: Random) -> str:
    """What a tool returned, as the client would report it."""
    return rng.choice(_RESULTS)


def assistant_message(rendered: Rendered) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The OpenAI-form assistant message a client appends after ``rendered``, and its
    tool calls as ``(id, name)`` pairs."""
    resp = rendered.response or {}
    calls: list[dict[str, Any]] = []
    if rendered.endpoint == "messages":
        for block in resp.get("content") or ():
            if block.get("type") == "tool_use":
                calls.append(
                    {
                        "id": block["id"],
                        "type": "function",
                        "function": {
                            "name": block["name"],
                            "arguments": orjson.dumps(block["input"]).decode(),
                        },
                    }
                )
    elif rendered.endpoint == "chat.completions":
        choices = resp.get("choices") or [{}]
        calls = list(choices[0].get("message", {}).get("tool_calls") or ())
    text = response_text(rendered.endpoint, resp)
    msg: dict[str, Any] = {"role": "assistant", "content": text or None}
    if calls:
        msg["tool_calls"] = calls
    return msg, [(c["id"], c["function"]["name"]) for c in calls]


def trim(messages: list[dict[str, Any]], keep: int) -> list[dict[str, Any]]:
    """Drop the oldest turns beyond ``keep`` messages, never splitting a tool round and
    always keeping the system prompt and the first user message."""
    if len(messages) <= keep:
        return messages
    head = [m for m in messages[:2] if m["role"] in ("system", "user")]
    tail = messages[len(head) :]
    cut = len(tail) - (keep - len(head))
    while cut < len(tail) and tail[cut]["role"] == "tool":
        cut += 1
    return head + tail[cut:]
