"""A mock model server speaking the OpenAI and Anthropic APIs, for tests, benchmarks and demos.

It stands for the customer's model server: ``/v1/chat/completions``, ``/v1/completions``,
``/v1/messages`` (streamed as SSE or not), ``/v1/models`` and ``/v1/embeddings``, with
deterministic plausible text (a function of the prompt and ``seed``), configurable latency
before the answer and between streamed tokens, and configurable faults.

Faults come at random (``fail_rate``: an even mix of 500, a stalled answer and a connection
dropped mid-response) or on demand, per request, with the ``x-mock-fault`` header or by
asking for the model ``fault-<name>`` (which passes through a gateway unchanged):
``500``, ``503``, ``timeout`` (never answers), ``drop`` (closes before answering),
``drop-mid-stream`` (closes half-way through the body), ``malformed`` (invalid JSON body).
Tests use the header so they are deterministic.

Run it with ``distillguard mock-upstream`` or in-process with :func:`start_mock_thread`.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from distillguard.gateway.server import Request, ResponseWriter, ServerLimits, serve, stop_serving

__all__ = ["MOCK_MODELS", "MockOptions", "MockUpstream", "start_mock_thread"]

MOCK_MODELS: tuple[str, ...] = ("mock-gpt", "mock-gpt-mini", "mock-reasoner", "mock-claude")

_WORDS = [
    "the",
    "model",
    "considers",
    "each",
    "step",
    "carefully",
    "and",
    "returns",
    "a",
    "concise",
    "answer",
    "based",
    "on",
    "the",
    "given",
    "context",
    "first",
    "we",
    "outline",
    "the",
    "approach",
    "then",
    "verify",
    "the",
    "result",
    "against",
    "known",
    "cases",
    "this",
    "keeps",
    "the",
    "output",
    "accurate",
    "and",
    "easy",
    "to",
    "follow",
    "for",
    "the",
    "reader",
    "in",
    "practice",
    "a",
    "short",
    "example",
    "helps",
    "clarify",
    "how",
    "the",
    "function",
    "handles",
    "edge",
    "cases",
    "such",
    "as",
    "empty",
    "input",
    "large",
    "values",
    "or",
    "unexpected",
    "types",
    "which",
    "should",
    "raise",
    "a",
    "clear",
    "error",
    "instead",
    "of",
    "failing",
    "silently",
    # words real prose is full of and the text watermark can vary (spellings, adverbs)
    "usually",
    "behavior",
    "often",
    "optimize",
    "maybe",
    "analyze",
    "toward",
    "summarize",
    "realize",
    "color",
    "favorite",
    "among",
    "center",
    "organize",
]


@dataclass(frozen=True, slots=True)
class MockOptions:
    """How the mock behaves. Latencies in milliseconds; ``fail_rate`` in [0, 1]."""

    latency_ms: float = 0.0
    token_latency_ms: float = 0.0
    fail_rate: float = 0.0
    seed: int = 0
    max_words: int = 48
    fixed: bool = False  # answer every request with the same short body (cheap, for benchmarks)
    models: tuple[str, ...] = MOCK_MODELS  # the models it serves; others get 404


def _peek_model(raw: bytes) -> str | None:
    try:
        model = orjson.loads(raw).get("model")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return model if isinstance(model, str) else None


def _error(status: int, message: str, kind: str = "invalid_request_error") -> bytes:
    return orjson.dumps({"error": {"message": message, "type": kind, "param": None, "code": None}})


def _anthropic_error(message: str, kind: str) -> bytes:
    return orjson.dumps({"type": "error", "error": {"type": kind, "message": message}})


class MockUpstream:
    """The request handler; ``handle`` is a :data:`~distillguard.gateway.server.Handler`."""

    def __init__(self, options: MockOptions | None = None) -> None:
        self.options = options or MockOptions()
        self._rng = random.Random(self.options.seed)
        self._counter = 0
        self.requests = 0
        self._fixed_chat = orjson.dumps(
            {
                "id": "chatcmpl-mock",
                "object": "chat.completion",
                "created": 1700000000,
                "model": "mock-gpt",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "Hello from the mock."},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17},
            }
        )

    # ---- text

    def _words(self, prompt: str, max_tokens: int | None) -> tuple[list[str], bool]:
        digest = hashlib.blake2b(f"{self.options.seed}:{prompt}".encode(), digest_size=8).digest()
        rng = random.Random(int.from_bytes(digest, "big"))
        n = rng.randint(max(4, self.options.max_words // 3), self.options.max_words)
        truncated = max_tokens is not None and 0 < max_tokens < n
        if truncated:
            n = max_tokens  # type: ignore[assignment]
        words = [rng.choice(_WORDS) for _ in range(n)]
        if words:
            words[0] = words[0].capitalize()
        return words, truncated

    def _next_id(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}-mock{self.options.seed:x}{self._counter:08d}"

    # ---- faults

    def _fault(self, req: Request) -> str | None:
        fault = req.headers.get("x-mock-fault")
        if fault:
            return fault
        if self.options.fail_rate > 0 and self._rng.random() < self.options.fail_rate:
            return self._rng.choice(("500", "timeout", "drop-mid-stream"))
        return None

    # ---- handler

    async def handle(self, req: Request, resp: ResponseWriter) -> None:
        self.requests += 1
        path = req.path
        if (
            self.options.fixed
            and path == "/v1/chat/completions"
            and b'"stream":true' not in req.body
        ):
            resp.send(200, (), self._fixed_chat)
            return
        fault = self._fault(req)
        if fault is None and req.body[:1] == b"{" and b'"fault-' in req.body:
            model = _peek_model(req.body)
            if model is not None and model.startswith("fault-"):
                fault = model[6:]
        if fault == "timeout":
            await asyncio.sleep(3600)
            return
        if fault == "drop":
            resp.abort()
            return
        if fault in ("500", "503"):
            resp.send(int(fault), (), _error(int(fault), "mock upstream failure", "server_error"))
            return
        if self.options.latency_ms > 0:
            await asyncio.sleep(self.options.latency_ms / 1000)
        if req.method == "GET" and path == "/v1/models":
            data = [
                {"id": m, "object": "model", "created": 1700000000, "owned_by": "mock"}
                for m in self.options.models
            ]
            resp.send(200, (), orjson.dumps({"object": "list", "data": data}))
            return
        if req.method != "POST" or path not in (
            "/v1/chat/completions",
            "/v1/completions",
            "/v1/messages",
            "/v1/embeddings",
        ):
            resp.send(404, (), _error(404, f"no route {req.method} {path}"))
            return
        try:
            body = orjson.loads(req.body)
        except orjson.JSONDecodeError:
            resp.send(400, (), _error(400, "body is not JSON"))
            return
        if not isinstance(body, dict):
            resp.send(400, (), _error(400, "body must be a JSON object"))
            return
        model = body.get("model")
        if isinstance(model, str) and model.startswith("fault-"):
            body["model"] = model = "mock-gpt"
        if model not in self.options.models:
            if path == "/v1/messages":
                resp.send(
                    404, (), _anthropic_error(f"model {model!r} not found", "not_found_error")
                )
            else:
                resp.send(
                    404, (), _error(404, f"model {model!r} does not exist", "not_found_error")
                )
            return
        if fault == "malformed":
            resp.send(200, (), b'{"id": "broken", "choices": [')
            return
        if path == "/v1/embeddings":
            await self._embeddings(body, resp)
        elif path == "/v1/messages":
            await self._messages(body, resp, fault)
        else:
            await self._openai(path, body, resp, fault)

    async def _embeddings(self, body: dict, resp: ResponseWriter) -> None:
        inputs = body.get("input")
        items = inputs if isinstance(inputs, list) else [inputs]
        data = []
        for i, item in enumerate(items):
            digest = hashlib.sha256(str(item).encode()).digest()
            vec = [round((b - 128) / 128, 4) for b in digest[:16]]
            data.append({"object": "embedding", "index": i, "embedding": vec})
        tokens = sum(len(str(x)) // 4 + 1 for x in items)
        out = {
            "object": "list",
            "data": data,
            "model": body.get("model"),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
        resp.send(200, (), orjson.dumps(out))

    @staticmethod
    def _prompt_text(body: dict) -> str:
        if "prompt" in body:
            return str(body.get("prompt"))
        return orjson.dumps(body.get("messages") or []).decode() + str(body.get("system") or "")

    async def _sleep_token(self) -> None:
        if self.options.token_latency_ms > 0:
            await asyncio.sleep(self.options.token_latency_ms / 1000)

    async def _openai(self, path: str, body: dict, resp: ResponseWriter, fault: str | None) -> None:
        prompt = self._prompt_text(body)
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
        words, truncated = self._words(prompt, max_tokens if isinstance(max_tokens, int) else None)
        finish = "length" if truncated else "stop"
        p_tokens = len(prompt) // 4 + 1
        usage = {
            "prompt_tokens": p_tokens,
            "completion_tokens": len(words),
            "total_tokens": p_tokens + len(words),
        }
        chat = path == "/v1/chat/completions"
        ex_id = self._next_id("chatcmpl" if chat else "cmpl")
        created = int(time.time())
        model = body["model"]
        reasoning = model == "mock-reasoner"
        if not body.get("stream"):
            text = " ".join(words)
            if chat:
                message: dict = {"role": "assistant", "content": text}
                if reasoning:
                    message["reasoning_content"] = "Let me think. " + " ".join(words[:6])
                choice: dict = {"index": 0, "message": message, "finish_reason": finish}
                obj = "chat.completion"
            else:
                choice = {"index": 0, "text": text, "finish_reason": finish, "logprobs": None}
                obj = "text_completion"
            out = {
                "id": ex_id,
                "object": obj,
                "created": created,
                "model": model,
                "choices": [choice],
                "usage": usage,
            }
            resp.send(200, (), orjson.dumps(out))
            return
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        resp.start(200, ())
        obj = "chat.completion.chunk" if chat else "text_completion"

        def event(choice: dict | None, extra: dict | None = None) -> bytes:
            payload: dict = {
                "id": ex_id,
                "object": obj,
                "created": created,
                "model": model,
                "choices": [choice] if choice is not None else [],
            }
            if extra:
                payload.update(extra)
            return b"data: " + orjson.dumps(payload) + b"\n\n"

        if chat:
            await resp.write(
                event(
                    {
                        "index": 0,
                        "delta": {"role": "assistant", "content": ""},
                        "finish_reason": None,
                    }
                )
            )
            if reasoning:
                for w in ("Let", "me", "think."):
                    await self._sleep_token()
                    d = {"reasoning_content": w + " "}
                    await resp.write(event({"index": 0, "delta": d, "finish_reason": None}))
        for i, w in enumerate(words):
            if fault == "drop-mid-stream" and i == len(words) // 2:
                resp.abort()
                return
            await self._sleep_token()
            piece = w if i == 0 else " " + w
            if chat:
                choice = {"index": 0, "delta": {"content": piece}, "finish_reason": None}
            else:
                choice = {"index": 0, "text": piece, "finish_reason": None, "logprobs": None}
            await resp.write(event(choice))
        if chat:
            await resp.write(event({"index": 0, "delta": {}, "finish_reason": finish}))
        else:
            await resp.write(
                event({"index": 0, "text": "", "finish_reason": finish, "logprobs": None})
            )
        if include_usage:
            await resp.write(event(None, {"usage": usage}))
        resp.end(b"data: [DONE]\n\n")

    async def _messages(self, body: dict, resp: ResponseWriter, fault: str | None) -> None:
        prompt = self._prompt_text(body)
        max_tokens = body.get("max_tokens")
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
            resp.send(
                400, (), _anthropic_error("max_tokens: field required", "invalid_request_error")
            )
            return
        words, truncated = self._words(prompt, max_tokens)
        stop = "max_tokens" if truncated else "end_turn"
        in_tokens = len(prompt) // 4 + 1
        msg_id = self._next_id("msg")
        model = body["model"]
        if not body.get("stream"):
            out = {
                "id": msg_id,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [{"type": "text", "text": " ".join(words)}],
                "stop_reason": stop,
                "stop_sequence": None,
                "usage": {"input_tokens": in_tokens, "output_tokens": len(words)},
            }
            resp.send(200, (), orjson.dumps(out))
            return
        resp.start(200, ())

        def event(name: str, data: dict) -> bytes:
            return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"

        start = {
            "id": msg_id,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": in_tokens, "output_tokens": 1},
        }
        await resp.write(event("message_start", {"type": "message_start", "message": start}))
        await resp.write(
            event(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
            )
        )
        for i, w in enumerate(words):
            if fault == "drop-mid-stream" and i == len(words) // 2:
                resp.abort()
                return
            await self._sleep_token()
            piece = w if i == 0 else " " + w
            delta = {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": piece},
            }
            await resp.write(event("content_block_delta", delta))
        await resp.write(event("content_block_stop", {"type": "content_block_stop", "index": 0}))
        await resp.write(
            event(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop, "stop_sequence": None},
                    "usage": {"output_tokens": len(words)},
                },
            )
        )
        resp.end(event("message_stop", {"type": "message_stop"}))


async def run_mock(
    host: str, port: int, options: MockOptions, *, ready: Callable[[int], None] | None = None
) -> None:
    """Serve the mock until cancelled."""
    mock = MockUpstream(options)
    server = await serve(mock.handle, host, port, limits=ServerLimits(max_body=64 * 1024 * 1024))
    bound = server.sockets[0].getsockname()[1]
    if ready is not None:
        ready(bound)
    try:
        async with server:
            await server.serve_forever()
    finally:
        stop_serving(server)
        await asyncio.sleep(0)  # let the cancelled sweeper finish before the loop closes


class _MockThread:
    """A mock upstream running on its own event loop in a daemon thread."""

    def __init__(self, host: str, options: MockOptions) -> None:
        self.host = host
        self.port = 0
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._thread = threading.Thread(target=self._main, args=(options,), daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("mock upstream did not start")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _main(self, options: MockOptions) -> None:
        import uvloop

        loop = uvloop.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop

        def ready(port: int) -> None:
            self.port = port
            self._ready.set()

        self._task = loop.create_task(run_mock(self.host, 0, options, ready=ready))
        try:
            loop.run_until_complete(self._task)
        except asyncio.CancelledError:
            pass
        finally:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    def stop(self) -> None:
        if self._loop is not None and self._task is not None:
            self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(5)


def start_mock_thread(options: MockOptions | None = None, host: str = "127.0.0.1") -> _MockThread:
    """Start a mock upstream on a free loopback port in a background thread.

    Returns an object with ``.url``, ``.port`` and ``.stop()``.
    """
    return _MockThread(host, options or MockOptions())
