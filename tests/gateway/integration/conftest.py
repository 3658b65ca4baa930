"""Fixtures for the gateway integration tests: a prose-writing mock upstream, a real gateway.

The mock model answers every prompt with deterministic English prose (a function of the
prompt only, byte for byte: fixed ids and timestamps) that is rich in the words the text
watermark can vary, with a fenced code block when the prompt asks for code. It speaks the
OpenAI chat and completions APIs and the Anthropic Messages API, streamed or not, and fails
on demand when the model is ``fault-500``, ``fault-drop`` or ``fault-timeout`` (or, for
a streamed chat answer, ``fault-drop-mid``: the connection drops half-way through).

The gateway runs in-process on its own uvloop in a background thread (real HTTP, policy,
SQLite control plane and log sink), like ``tests/gateway/server``.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest

from distillguard.gateway.app import GatewayApp, start_in_thread
from distillguard.gateway.config import load_settings
from distillguard.gateway.keys import create_key
from distillguard.gateway.server import Request, ResponseWriter, ServerLimits, serve
from distillguard.gateway.state import StateDB

# words the text watermark varies (tier 1 and tier 2) and plain filler between them
_SITES = [
    "color",
    "favorite",
    "behavior",
    "center",
    "organize",
    "realize",
    "recognize",
    "optimize",
    "analyze",
    "summarize",
    "prioritize",
    "toward",
    "among",
    "gray",
    "judgment",
    "modeling",
    "labeled",
    "do not",
    "does not",
    "cannot",
    "will not",
    "should not",
    "you are",
    "we are",
    "for example",
    "maybe",
    "often",
    "usually",
    "quickly",
    "nearly",
    "therefore",
    "big",
    "mostly",
]
_FILLER = [
    "the",
    "team",
    "model",
    "data",
    "system",
    "user",
    "result",
    "plan",
    "value",
    "answer",
    "process",
    "change",
    "each",
    "every",
    "some",
    "this",
    "that",
    "our",
    "your",
    "their",
    "clear",
    "simple",
    "careful",
    "useful",
    "new",
    "first",
    "then",
    "next",
    "also",
    "still",
    "again",
    "here",
    "there",
    "when",
    "while",
    "after",
    "before",
    "report",
    "layer",
    "query",
    "table",
    "graph",
    "review",
    "design",
    "input",
    "output",
    "metric",
    "budget",
]
_CODE = "```python\ncolor = favorite(behavior)  # do not optimize\nprint(color)\n```"
TOOL_ARGS = '{"color": "gray", "note": "do not optimize the behavior, for example"}'
THINKING = "I realize the color and behavior matter; we cannot optimize toward gray.\nOften."
SECRET_HEX = "5a" * 32  # the tests' fixed watermark master secret (deterministic marks)


def prose(prompt: str, n_words: int = 90) -> str:
    """Deterministic prose for ``prompt``: sentences, paragraphs, a code block on demand."""
    rng = random.Random(int.from_bytes(hashlib.blake2b(prompt.encode(), digest_size=8).digest()))
    lines: list[str] = []
    sentence: list[str] = []
    words: list[str] = []
    for _ in range(n_words):
        if rng.random() < 0.3:
            sentence.append(rng.choice(_SITES))
        else:
            sentence.append(rng.choice(_FILLER))
        if len(sentence) >= rng.randint(7, 14):
            sentence[0] = sentence[0].capitalize()
            words.append(" ".join(sentence) + ".")
            sentence = []
            if rng.random() < 0.35:
                lines.append(" ".join(words))
                words = []
    if sentence:
        sentence[0] = sentence[0].capitalize()
        words.append(" ".join(sentence) + ".")
    if words:
        lines.append(" ".join(words))
    if "code" in prompt:
        lines.insert(1, _CODE)
    return "\n".join(lines)


def _prompt(body: dict) -> str:
    if "prompt" in body:
        p = body["prompt"]
        return p if isinstance(p, str) else " ".join(map(str, p))
    parts = []
    for m in body.get("messages") or ():
        c = m.get("content")
        if isinstance(c, str):
            parts.append(c)
        elif isinstance(c, list):
            parts.extend(x.get("text", "") for x in c if isinstance(x, dict))
    return "\n".join(parts)


def _pieces(text: str) -> list[str]:
    """Stream pieces of 1-9 characters, cut deterministically (not on word boundaries)."""
    rng = random.Random(len(text))
    out, i = [], 0
    while i < len(text):
        n = rng.randint(1, 9)
        out.append(text[i : i + n])
        i += n
    return out


class ProseUpstream:
    """The mock model (see the module docstring); ``requests`` counts what it received."""

    def __init__(self) -> None:
        self.requests = 0
        self.bodies: list[dict] = []  # every JSON body received, in order

    async def handle(self, req: Request, resp: ResponseWriter) -> None:
        self.requests += 1
        if req.method == "GET" and req.path == "/v1/models":
            resp.send(200, (), b'{"object":"list","data":[]}')
            return
        body = orjson.loads(req.body)
        self.bodies.append(body)
        model = body.get("model", "")
        if model == "fault-500":
            resp.send(500, (), b'{"error":{"message":"boom","type":"server_error"}}')
            return
        if model == "fault-drop":
            resp.abort()
            return
        if model == "fault-timeout":
            await asyncio.sleep(30)
            return
        text = prose(_prompt(body))
        if req.path == "/v1/messages":
            self._messages(body, text, resp)
        else:
            await self._openai(req.path, body, text, resp)

    @staticmethod
    def _usage(body: dict, text: str) -> dict:
        p, c = len(_prompt(body)) // 4 + 1, len(text) // 4 + 1
        return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}

    async def _openai(self, path: str, body: dict, text: str, resp: ResponseWriter) -> None:
        chat = path == "/v1/chat/completions"
        head = {
            "id": "chatcmpl-prose" if chat else "cmpl-prose",
            "object": "chat.completion" if chat else "text_completion",
            "created": 1700000000,
            "model": body["model"],
        }
        tool = chat and "tool" in _prompt(body)
        call = {"id": "call_1", "type": "function", "function": {"name": "set_color"}}
        if not body.get("stream"):
            if chat:
                choice: dict = {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
                if tool:
                    call["function"]["arguments"] = TOOL_ARGS
                    choice["message"]["tool_calls"] = [call]
                    choice["finish_reason"] = "tool_calls"
            else:
                choice = {"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}
            out = {**head, "choices": [choice], "usage": self._usage(body, text)}
            resp.send(200, (), orjson.dumps(out))
            return
        head["object"] = "chat.completion.chunk" if chat else "text_completion"
        resp.start(200, ())

        def ev(choice: dict) -> bytes:
            return b"data: " + orjson.dumps({**head, "choices": [choice]}) + b"\n\n"

        if chat:
            first = {"index": 0, "delta": {"role": "assistant", "content": ""}}
            await resp.write(ev({**first, "finish_reason": None}))
        pieces = _pieces(text)
        for i, piece in enumerate(pieces):
            if body["model"] == "fault-drop-mid" and i == len(pieces) // 2:
                resp.abort()
                return
            if chat:
                c: dict = {"index": 0, "delta": {"content": piece}, "finish_reason": None}
            else:
                c = {"index": 0, "text": piece, "finish_reason": None, "logprobs": None}
            await resp.write(ev(c))
        if tool:
            for i, piece in enumerate(_pieces(TOOL_ARGS)):
                tc: dict = {"index": 0, "function": {"arguments": piece}}
                if i == 0:
                    tc = {**call, "index": 0, "function": {"name": "set_color", "arguments": piece}}
                await resp.write(ev({"index": 0, "delta": {"tool_calls": [tc]}}))
        last = {"index": 0, "delta": {}} if chat else {"index": 0, "text": "", "logprobs": None}
        await resp.write(ev({**last, "finish_reason": "stop"}))
        resp.end(b"data: [DONE]\n\n")

    def _messages(self, body: dict, text: str, resp: ResponseWriter) -> None:
        usage = {"input_tokens": len(_prompt(body)) // 4 + 1, "output_tokens": len(text) // 4 + 1}
        msg = {
            "id": "msg_prose",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": usage,
        }
        think = "think" in _prompt(body)
        if think:
            block = {"type": "thinking", "thinking": THINKING, "signature": "sig-1"}
            msg["content"] = [block, *msg["content"]]
        if not body.get("stream"):
            resp.send(200, (), orjson.dumps(msg))
            return

        def ev(name: str, data: dict) -> bytes:
            return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"

        def block(idx: int, kind: str, field: str, value: str) -> bytes:
            empty = {"type": kind, field: "", **({"signature": ""} if kind == "thinking" else {})}
            start = {"type": "content_block_start", "index": idx, "content_block": empty}
            b = ev("content_block_start", start)
            for piece in _pieces(value):
                delta = {"type": f"{kind}_delta", field: piece}
                d = {"type": "content_block_delta", "index": idx, "delta": delta}
                b += ev("content_block_delta", d)
            if kind == "thinking":
                sig = {"type": "signature_delta", "signature": "sig-1"}
                d = {"type": "content_block_delta", "index": idx, "delta": sig}
                b += ev("content_block_delta", d)
            return b + ev("content_block_stop", {"type": "content_block_stop", "index": idx})

        out = ev("message_start", {"type": "message_start", "message": {**msg, "content": []}})
        if think:
            out += block(0, "thinking", "thinking", THINKING)
        out += block(1 if think else 0, "text", "text", text)
        md = {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": usage}
        out += ev("message_delta", md)
        out += ev("message_stop", {"type": "message_stop"})
        resp.start(200, ())
        resp.end(out)


class _Thread:
    """Serve a handler on a free loopback port from a daemon thread's own uvloop."""

    def __init__(self, handle: Callable[[Request, ResponseWriter], Any]) -> None:
        import uvloop

        self.port = 0
        self.loop = uvloop.new_event_loop()
        ready = threading.Event()
        self._stop = asyncio.Event()

        async def main() -> None:
            server = await serve(handle, "127.0.0.1", 0, limits=ServerLimits(max_body=1 << 24))
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            async with server:
                await self._stop.wait()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            try:
                self.loop.run_until_complete(main())
            finally:  # end handlers still running (a stalled "fault-timeout" answer)
                pending = asyncio.all_tasks(self.loop)
                for task in pending:
                    task.cancel()
                self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                self.loop.close()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        if not ready.wait(10):
            raise RuntimeError("mock upstream did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(10)


@pytest.fixture(scope="module")
def prose_upstream() -> Iterator[_Thread]:
    """The prose mock model on a free loopback port."""
    upstream = ProseUpstream()
    t = _Thread(upstream.handle)
    t.upstream = upstream  # type: ignore[attr-defined]
    yield t
    t.stop()


@dataclass
class Gw:
    """A running gateway: ``url``, API ``keys`` per account, the ``app``."""

    app: GatewayApp
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread
    port: int
    keys: dict[str, str] = field(default_factory=dict)
    stop_event: asyncio.Event | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the gateway's loop thread and return its result."""
        done = threading.Event()
        box: list[Any] = []

        def run() -> None:
            box.append(fn())
            done.set()

        self.loop.call_soon_threadsafe(run)
        done.wait(10)
        return box[0]

    def stop(self) -> None:
        """Stop serving; closing rotates every log segment to ``.jsonl``."""
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.stop_event.set)  # type: ignore[union-attr]
            self.thread.join(20)

    def records(self) -> list[dict]:
        """Every exchange record submitted so far, once written."""
        sink = self.app.sink
        target = sink.submitted
        for _ in range(1000):
            if sink.written >= target:
                break
            time.sleep(0.01)
        out = []
        for path in sorted(self.app.log_dir.rglob("seg-*")):
            try:
                data = path.read_bytes()
            except FileNotFoundError:  # renamed while we looked: read the new name
                continue
            out.extend(orjson.loads(line) for line in data.splitlines() if line.strip())
        return out


def start_gateway(
    tmp: Path, upstream_url: str, accounts: tuple[str, ...] = ("acct-a", "acct-b"), **kw: Any
) -> Gw:
    """Create one API key per account and start a gateway with settings ``kw``."""
    state = tmp / "gw.state.sqlite"
    keys = {}
    with StateDB(state) as db:
        for acct in accounts:
            keys[acct] = create_key(db, acct, actor="test")[1]
    settings = load_settings(
        None,
        upstream_url=upstream_url,
        port=0,
        state_path=state,
        db_path=tmp / "gw.duckdb",
        log_dir=tmp / "log",
        **kw,
    )
    app = GatewayApp(settings, live_detection=False, segment_seconds=0.5, ingest=False)
    runner = start_in_thread(app)
    return Gw(app, runner.loop, runner.thread, runner.port, keys, runner.stop_event)


@pytest.fixture
def gw_start(tmp_path: Path) -> Iterator[Callable[..., Gw]]:
    """``start(upstream_url, **settings)``; every gateway started is stopped at teardown."""
    started: list[Gw] = []

    def start(upstream_url: str, **kw: Any) -> Gw:
        sub = tmp_path / f"gw{len(started)}"
        sub.mkdir()
        gw = start_gateway(sub, upstream_url, **kw)
        started.append(gw)
        return gw

    yield start
    for gw in started:
        gw.stop()


@pytest.fixture
def wm_keyring(tmp_path: Path) -> Path:
    """A watermark keyring file with the tests' fixed master secret (mode 0600)."""
    from distillguard.watermark import Keyring

    path = tmp_path / "watermark-keys.json"
    Keyring.from_secret(SECRET_HEX).save(path)
    return path


@pytest.fixture(scope="session")
def prose_for() -> Callable[[str], str]:
    """What the prose mock answers to a prompt (test modules cannot import conftest)."""
    return prose


@pytest.fixture(scope="session")
def untouchable() -> tuple[str, str]:
    """``(tool call arguments, thinking text)`` the prose mock sends, full of marking sites."""
    return TOOL_ARGS, THINKING
