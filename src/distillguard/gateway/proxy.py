"""The hot path: authenticate, admit, forward, relay, log — one request at a time.

:class:`Gateway` is the request handler the HTTP server calls. For the model routes it
authenticates the API key (``Authorization: Bearer`` or ``x-api-key``), validates the JSON
body, asks the policy for a decision, applies degradation, forwards the request through the
keep-alive pool, relays the answer (streamed answers chunk by chunk), and writes one
exchange record per request — refused and failed ones included — to the durable log.

Errors are OpenAI-style JSON (``{"error": {"message", "type", "param", "code"}}``), or
Anthropic-style (``{"type": "error", "error": {"type", "message"}}``) on ``/v1/messages``.
Upstream failures map to 502 (5xx, dropped connection, invalid answer) and 504 (timeout);
the upstream's own 4xx answers pass through with their status.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import orjson

from distillguard._types import JSONObject
from distillguard.errors import DistillGuardError, RecordError, UpstreamError
from distillguard.exchange import format_ts, parse_ts
from distillguard.gateway.config import REPLAY_TS_HEADER
from distillguard.gateway.logsink import LogSink
from distillguard.gateway.metrics import GatewayMetrics
from distillguard.gateway.policy import Decision, Policy, Principal
from distillguard.gateway.server import ClientGone, Request, ResponseWriter
from distillguard.gateway.streaming import (
    ChatAssembler,
    ChatToMessagesStream,
    CompletionAssembler,
    MessagesAssembler,
    SSEParser,
    chat_to_messages_response,
    messages_to_chat_request,
    sse_event,
)
from distillguard.gateway.upstream import UpstreamPool, UpstreamTimeout

__all__ = ["Gateway", "error_body"]

log = logging.getLogger("distillguard.gateway")

_ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    502: "api_error",
    503: "overloaded_error",
    504: "api_error",
    529: "overloaded_error",
}
_OPENAI_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
    500: "server_error",
    502: "upstream_error",
    503: "server_error",
    504: "upstream_timeout",
}
_LLM_ROUTES = {
    "/v1/chat/completions": "chat.completions",
    "/v1/completions": "completions",
    "/v1/messages": "messages",
}
_DEFAULT_MAX_TOKENS = 512
_STRICT_TAILS = (b"data: [DONE]", b"event: message_stop")


class _Refusal(Exception):
    """A request answered with an error before (or instead of) reaching the upstream."""

    def __init__(
        self,
        status: int,
        message: str,
        kind: str | None = None,
        code: str | None = None,
        param: str | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.code = code
        self.param = param
        self.headers = headers


def error_body(
    status: int,
    message: str,
    *,
    anthropic: bool = False,
    kind: str | None = None,
    code: str | None = None,
    param: str | None = None,
) -> bytes:
    """An error body in the dialect of the route."""
    if anthropic:
        etype = (
            kind if kind in _ANTHROPIC_TYPES.values() else _ANTHROPIC_TYPES.get(status, "api_error")
        )
        return orjson.dumps({"type": "error", "error": {"type": etype, "message": message}})
    etype = kind or _OPENAI_TYPES.get(
        status, "server_error" if status >= 500 else "invalid_request_error"
    )
    return orjson.dumps(
        {"error": {"message": message, "type": etype, "param": param, "code": code}}
    )


def _json_line(raw: bytes) -> orjson.Fragment:
    """Embed already-valid JSON bytes in a record; newlines are only whitespace in JSON."""
    if b"\n" in raw or b"\r" in raw:
        raw = raw.replace(b"\r", b" ").replace(b"\n", b" ")
    return orjson.Fragment(raw)


_TS_CACHE: list[Any] = [-1, ""]
_MILLIS = tuple(f".{ms:03d}Z" for ms in range(1000))


def _now_ts() -> str:
    """The current time as RFC 3339 UTC with milliseconds (formatting cached per second)."""
    now = time.time()
    sec = int(now)
    if sec != _TS_CACHE[0]:
        _TS_CACHE[0] = sec
        _TS_CACHE[1] = format_ts(datetime.fromtimestamp(sec, UTC))[:-5]
    return _TS_CACHE[1] + _MILLIS[int((now - sec) * 1000)]


def _check_content(content: Any, param: str) -> None:
    """Message content must be a string, null, or a list of part objects whose text is text."""
    if content is None or isinstance(content, str):
        return
    if not isinstance(content, list):
        raise _Refusal(400, f"'{param}' content must be a string or an array of parts", param=param)
    for part in content:
        if not isinstance(part, dict) or not isinstance(part.get("type", ""), str):
            raise _Refusal(400, f"each '{param}' content part must be an object", param=param)
        if "text" in part and not isinstance(part["text"], str):
            raise _Refusal(400, f"'{param}' text parts must hold strings", param=param)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class Gateway:
    """The gateway's request handler (see the module docstring)."""

    def __init__(
        self,
        *,
        policy: Policy,
        pool: UpstreamPool,
        sink: LogSink | None,
        metrics: GatewayMetrics,
        upstream_kind: str = "openai",
        upstream_api_key: str | None = None,
        strict: bool = False,
        signer: Any = None,
        marker: Any = None,
        stream_max_hold: int = 4000,
        generation_field: str | None = None,
        trusted_proxies: tuple[str, ...] = (),
        fingerprint_header: str | None = None,
        replay_timestamps: bool = False,
        worker: int = 0,
        admin: Callable[..., Awaitable[tuple[int, dict[str, str], bytes]]] | None = None,
        openapi: bytes = b"{}",
        extra_routes: dict[tuple[str, str], Callable[[Request, ResponseWriter], Awaitable[None]]]
        | None = None,
    ) -> None:
        self.policy = policy
        self.pool = pool
        self.sink = sink
        self.metrics = metrics
        self.kind = upstream_kind
        self.strict = strict
        self.signer = signer
        self.marker = marker  # TextWatermarker when [watermark] is on, else None
        self._max_hold = stream_max_hold
        # generation-level watermark: the upstream is a model we run and marks while it
        # samples; the gateway only tells it whose key and how strong, in this body field
        self._gen_field = generation_field
        if marker is not None:  # imported only when on: NumPy and the lexicon load lazily
            from distillguard.gateway.marking import StreamMarker, mark_body, wants_json

            self._mark_body, self._stream_marker, self._wants_json = (
                mark_body,
                StreamMarker,
                wants_json,
            )
        self._trusted = (
            tuple(ipaddress.ip_network(n) for n in trusted_proxies) if trusted_proxies else None
        )
        self._peer_trust: dict[str, bool] = {}  # TCP peer -> in a trusted network
        # the client's TLS fingerprint as the edge in front computed it (JA4): believed only
        # when the TCP peer is one of the trusted proxies
        self._fp_header = fingerprint_header if self._trusted is not None else None
        # replaying a past log: the replayer's X-Replay-TS is the exchange's time, so live
        # detection sees the log's own timing (trusted peers only)
        self._replay_ts = replay_timestamps and self._trusted is not None
        self.admin = admin
        self.openapi = openapi
        self._id_prefix = f"ex-{os.urandom(5).hex()}-{worker}-"
        self._seq = 0
        if upstream_kind == "anthropic":
            self._up_headers: tuple[tuple[str, str], ...] = (("content-type", "application/json"),)
            if upstream_api_key:
                self._up_headers += (("x-api-key", upstream_api_key),)
        else:
            self._up_headers = (("content-type", "application/json"),)
            if upstream_api_key:
                self._up_headers += (("authorization", f"Bearer {upstream_api_key}"),)
        self._routes: dict[
            tuple[str, str], Callable[[Request, ResponseWriter], Awaitable[None]]
        ] = {
            ("GET", "/healthz"): self._healthz,
            ("GET", "/readyz"): self._readyz,
            ("GET", "/metrics"): self._metrics,
            ("GET", "/openapi.json"): self._openapi,
            ("GET", "/v1/models"): self._models,
            ("POST", "/v1/embeddings"): self._embeddings,
            ("GET", "/v1/provenance/keys"): self._provenance_keys,
        }
        self._routes.update(extra_routes or {})
        self._ready_cache: tuple[float, bool] = (0.0, False)

    # ------------------------------------------------------------------ dispatch

    async def handle(self, req: Request, resp: ResponseWriter) -> None:
        path = req.path
        endpoint = _LLM_ROUTES.get(path)
        if endpoint is not None:
            if req.method != "POST":
                self._send_error(resp, path, 405, f"{req.method} is not allowed on {path}")
                return
            await self._llm(req, resp, endpoint)
            return
        route = self._routes.get((req.method, path))
        if route is not None:
            await route(req, resp)
        elif path.startswith("/admin/") or path == "/admin":
            await self._admin(req, resp)
        else:
            known = any(p == path for _, p in self._routes)
            status = 405 if known else 404
            msg = f"{req.method} is not allowed on {path}" if known else f"no route {path}"
            self._send_error(resp, path, status, msg)

    def _send_error(
        self,
        resp: ResponseWriter,
        path: str,
        status: int,
        message: str,
        *,
        kind: str | None = None,
        code: str | None = None,
        param: str | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> bytes:
        body = error_body(
            status,
            message,
            anthropic=path == "/v1/messages",
            kind=kind,
            code=code,
            param=param,
        )
        if not resp.started:
            resp.send(status, headers, body)
        self.metrics.requests.inc(
            path if path in _LLM_ROUTES or path in _KNOWN else "other", str(status)
        )
        return body

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def api_key(req: Request) -> str | None:
        auth = req.headers.get("authorization")
        if auth:
            scheme, _, token = auth.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
        key = req.headers.get("x-api-key")
        return key.strip() if key and key.strip() else None

    def _authenticate(self, req: Request) -> Principal:
        key = self.api_key(req)
        if key is None:
            raise _Refusal(
                401,
                "missing API key (use 'Authorization: Bearer KEY' or 'x-api-key')",
                "authentication_error",
                "missing_api_key",
            )
        principal = self.policy.authenticate(key)
        if principal is None:
            raise _Refusal(
                401, "invalid or revoked API key", "authentication_error", "invalid_api_key"
            )
        return principal

    def _next_id(self) -> str:
        self._seq += 1
        return f"{self._id_prefix}{self._seq}"

    # ------------------------------------------------------------------ the model routes

    async def _llm(self, req: Request, resp: ResponseWriter, endpoint: str) -> None:
        started = time.perf_counter()
        ts = _now_ts()
        principal: Principal | None = None
        body: JSONObject | None = None
        meta: JSONObject = {}
        try:
            principal = self._authenticate(req)
            if self._replay_ts:
                ts = self._replayed_ts(req, ts)
            if req.too_large:
                raise _Refusal(
                    413, "request body is larger than the gateway allows", None, "request_too_large"
                )
            body = self._parse_body(req, endpoint)
            await self._forward(req, resp, endpoint, principal, body, ts, started, meta)
        except _Refusal as r:
            await self._refuse(req, resp, endpoint, principal, body, ts, started, meta, r)
        except DistillGuardError as exc:  # e.g. the control plane failed: answer, never crash
            if resp.started:
                raise
            log.error("request refused, gateway component failed: %s", exc)
            r = _Refusal(
                503,
                f"the gateway cannot serve this request now: {exc}",
                "server_error",
                "gateway_unavailable",
            )
            await self._refuse(req, resp, endpoint, principal, body, ts, started, meta, r)

    async def _refuse(
        self,
        req: Request,
        resp: ResponseWriter,
        endpoint: str,
        principal: Principal | None,
        body: JSONObject | None,
        ts: str,
        started: float,
        meta: JSONObject,
        r: _Refusal,
    ) -> None:
        """Answer a refusal and log it (authenticated callers only: a record needs an account)."""
        path = req.path
        if principal is not None and self.sink is not None:
            meta["error"] = r.message
            err = error_body(
                r.status,
                r.message,
                anthropic=path == "/v1/messages",
                kind=r.kind,
                code=r.code,
                param=r.param,
            )
            line = self._failed_record(
                req,
                endpoint,
                principal,
                ts,
                started,
                r.status,
                meta,
                body_parsed=body is not None,
                error=err,
            )
            if self.strict:
                if not await self._durable(resp, path, line):
                    return
            else:
                self.sink.submit(line)
        self._send_error(
            resp,
            path,
            r.status,
            r.message,
            kind=r.kind,
            code=r.code,
            param=r.param,
            headers=r.headers,
        )

    def _parse_body(self, req: Request, endpoint: str) -> JSONObject:
        ctype = req.headers.get("content-type", "application/json")
        if "json" not in ctype:
            raise _Refusal(415, f"content-type must be application/json, got {ctype!r}")
        try:
            body = orjson.loads(req.body)
        except orjson.JSONDecodeError as exc:
            raise _Refusal(400, f"request body is not valid JSON: {exc}") from None
        if not isinstance(body, dict):
            raise _Refusal(400, "request body must be a JSON object")
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise _Refusal(400, "'model' is required and must be a string", param="model")
        if endpoint == "completions":
            prompt = body.get("prompt")
            if not isinstance(prompt, str | list):
                raise _Refusal(400, "'prompt' is required (a string or a list)", param="prompt")
        else:
            msgs = body.get("messages")
            if not isinstance(msgs, list) or not msgs:
                raise _Refusal(
                    400, "'messages' is required and must be a non-empty array", param="messages"
                )
            for m in msgs:
                if not isinstance(m, dict) or not isinstance(m.get("role"), str):
                    raise _Refusal(
                        400, "each message must be an object with a 'role'", param="messages"
                    )
                content = m.get("content")
                if content is not None and type(content) is not str:  # plain text: done
                    _check_content(content, "messages")
            if endpoint == "messages" and body.get("system") is not None:
                _check_content(body["system"], "system")
        stream = body.get("stream", False)
        if stream is not None and not isinstance(stream, bool):
            raise _Refusal(400, "'stream' must be a boolean", param="stream")
        for key in ("max_tokens", "max_completion_tokens"):
            value = body.get(key)
            # parsed JSON: an integer is exactly int (True/False are bool)
            if value is not None and (type(value) is not int or value < 1):
                raise _Refusal(400, f"'{key}' must be a positive integer", param=key)
        if endpoint == "messages" and body.get("max_tokens") is None:
            raise _Refusal(400, "'max_tokens' is required", param="max_tokens")
        known = self.policy.known_models()
        if known is not None and model not in known:
            raise _Refusal(
                404,
                f"the model {model!r} does not exist or you do not have access to it",
                "not_found_error" if endpoint == "messages" else "invalid_request_error",
                "model_not_found",
                "model",
            )
        return body

    async def _forward(
        self,
        req: Request,
        resp: ResponseWriter,
        endpoint: str,
        principal: Principal,
        body: JSONObject,
        ts: str,
        started: float,
        meta: JSONObject,
    ) -> None:
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
        est = len(req.body) // 4 + (max_tokens if _is_int(max_tokens) else _DEFAULT_MAX_TOKENS)
        decision = self.policy.admit_nowait(principal, model=body["model"], est_tokens=est)
        if decision is None:  # the buckets live in Redis
            decision = await self.policy.admit(principal, model=body["model"], est_tokens=est)
        verdict = decision.verdict
        meta["verdict"] = str(verdict)
        if not decision.allowed:
            self.metrics.decisions.inc(str(verdict), "refused")
            headers: tuple[tuple[str, str], ...] = ()
            if decision.retry_after is not None:
                headers = (("retry-after", str(max(1, int(decision.retry_after + 0.999)))),)
            status = decision.status if decision.status >= 400 else 403
            raise _Refusal(
                status,
                decision.message or "request refused",
                decision.error_type or None,
                decision.error_type or None,
                headers=headers,
            )
        self.metrics.decisions.inc(str(verdict), "allowed")
        if decision.log_full:
            meta["headers"] = {
                k: v
                for k, v in req.headers.items()
                if k not in ("authorization", "x-api-key", "cookie")
            }

        stream = bool(body.get("stream"))
        translate = endpoint == "messages" and self.kind == "openai"
        out_body = self._degrade(body, endpoint, decision, meta)
        if translate:
            out_body = messages_to_chat_request(out_body or body, stream)
            up_path = "/v1/chat/completions"
            meta["translated"] = "messages->chat.completions"
        else:
            up_path = req.path
        if self._gen_field is not None:
            out_body = self._generation_mark(out_body or body, principal, decision, meta)
        payload = req.body if out_body is None else orjson.dumps(out_body)
        headers = self._up_headers
        if self.kind == "anthropic":
            headers += (("anthropic-version", req.headers.get("anthropic-version", "2023-06-01")),)
            beta = req.headers.get("anthropic-beta")
            if beta:
                headers += (("anthropic-beta", beta),)
        try:
            try:
                if stream:
                    up = await self.pool.request("POST", up_path, headers, payload)
                    up_status = up.status
                    if up_status != 200:
                        raw = await up.read()
                else:  # the whole answer in one wait: no response object, no chunk loop
                    up = None
                    up_status, raw = await self.pool.fetch("POST", up_path, headers, payload)
            except UpstreamError as exc:
                raise self._upstream_refusal(exc) from None
            if up is None or up_status != 200:
                await self._finish_plain(
                    req,
                    resp,
                    endpoint,
                    principal,
                    decision,
                    up_status,
                    raw,
                    ts,
                    started,
                    meta,
                    translate,
                    body,
                )
            else:
                await self._relay_stream(
                    req, resp, endpoint, principal, decision, up, ts, started, meta, translate, body
                )
        except _Refusal:
            # the upstream failed or refused: nothing was served, refund admit's estimate
            await self._refund(principal)
            raise

    async def _refund(self, principal: Principal) -> None:
        try:
            await self.policy.settle(principal, used_tokens=0)
        except DistillGuardError as exc:
            log.error("refunding a failed request's token estimate failed: %s", exc)

    def _generation_mark(
        self, body: JSONObject, principal: Principal, decision: Decision, meta: JSONObject
    ) -> JSONObject:
        """A copy of the upstream request that tells our model server whose key to sample
        with (``account_id``) and how strongly; a client's own values are overwritten."""
        field = self._gen_field or "vllm_xargs"
        out = dict(body)
        extra = out.get(field)
        out[field] = {
            **(extra if isinstance(extra, dict) else {}),
            "account_id": principal.account_id,
            "watermark_strength": decision.watermark_strength,
        }
        meta["watermark"] = {"scheme": "generation", "strength": decision.watermark_strength}
        return out

    def _degrade(
        self, body: JSONObject, endpoint: str, decision: Decision, meta: JSONObject
    ) -> JSONObject | None:
        """A modified copy of the request when the decision degrades it, else ``None``."""
        cap = decision.max_tokens_cap
        route = decision.route_model
        if cap is None and route is None:
            return None
        out = dict(body)
        changes = []
        if cap is not None:
            keys = (
                ["max_tokens"]
                if endpoint == "messages"
                else ["max_tokens", "max_completion_tokens"]
            )
            present = [k for k in keys if _is_int(out.get(k))]
            if not present:
                out["max_tokens"] = cap
                changes.append("max_tokens")
            for k in present:
                if out[k] > cap:
                    out[k] = cap
                    changes.append(k)
        if route is not None and route != out.get("model"):
            out["model"] = route
            changes.append("model")
        meta["degraded"] = changes
        return out

    def _upstream_refusal(self, exc: UpstreamError) -> _Refusal:
        timeout = isinstance(exc, UpstreamTimeout)
        self.metrics.upstream_errors.inc("timeout" if timeout else "unavailable")
        if timeout:
            return _Refusal(504, f"the model server timed out: {exc}", code="upstream_timeout")
        return _Refusal(502, f"the model server failed: {exc}", code="upstream_unavailable")

    async def _finish_plain(
        self,
        req: Request,
        resp: ResponseWriter,
        endpoint: str,
        principal: Principal,
        decision: Decision,
        up_status: int,
        raw: bytes,
        ts: str,
        started: float,
        meta: JSONObject,
        translate: bool,
        request: JSONObject | None = None,
    ) -> None:
        if up_status != 200:
            meta["upstream_status"] = up_status
            if up_status >= 500:
                self.metrics.upstream_errors.inc(f"http_{up_status}")
                raise _Refusal(502, f"the model server answered {up_status}", code="upstream_error")
            message = self._upstream_message(raw) or f"the model server answered {up_status}"
            raise _Refusal(up_status, message)
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict):
            self.metrics.upstream_errors.inc("invalid_json")
            raise _Refusal(
                502, "the model server answered with invalid JSON", code="upstream_error"
            )
        changed = False
        if decision.strip_reasoning and self._strip(
            parsed, endpoint if not translate else "chat.completions"
        ):
            changed = True
            meta.setdefault("degraded", []).append("reasoning")
        if translate:
            parsed = chat_to_messages_response(parsed, req_model(req, parsed))
            changed = True
        if self.marker is not None:  # after stripping/translation, before signing
            marked, meta["watermark"] = self._mark_body(
                self.marker,
                endpoint,
                request,
                parsed,
                principal.account_id,
                decision.watermark_strength,
            )
            if marked is not None:
                parsed, changed = marked, True
        out = orjson.dumps(parsed) if changed else raw
        usage = parsed.get("usage") or {}
        used = _tokens(usage) or (len(req.body) + len(out)) // 4
        headers: tuple[tuple[str, str], ...] = ()
        if self.signer is not None:
            headers = self._sign(req.body, out, principal, parsed.get("model"), ts)
            if headers:
                meta["provenance"] = dict(headers)
        line = self._record(req, endpoint, principal, ts, started, 200, _json_line(out), meta)
        if self.strict:
            if not await self._durable(resp, req.path, line):
                return
        elif self.sink is not None:
            self.sink.submit(line)
        resp.send(200, headers, out)
        self._count(req.path, 200, started)
        if not self.policy.settle_nowait(principal, used_tokens=used):
            await self.policy.settle(principal, used_tokens=used)

    @staticmethod
    def _upstream_message(raw: bytes) -> str | None:
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
        err = obj.get("error") if isinstance(obj, dict) else None
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return err["message"]
        return None

    @staticmethod
    def _strip(obj: JSONObject, endpoint: str) -> bool:
        """Remove reasoning content from a response body in place; True when any was removed."""
        removed = False
        if endpoint == "messages":
            content = obj.get("content")
            if isinstance(content, list):
                kept = [
                    b
                    for b in content
                    if not (
                        isinstance(b, dict) and b.get("type") in ("thinking", "redacted_thinking")
                    )
                ]
                removed = len(kept) != len(content)
                obj["content"] = kept
            return removed
        for ch in obj.get("choices") or ():
            if isinstance(ch, dict):
                for part in (ch.get("message"), ch.get("delta")):
                    if isinstance(part, dict):
                        for key in ("reasoning_content", "reasoning"):
                            if part.pop(key, None) is not None:
                                removed = True
        return removed

    def _sign(
        self, request_body: bytes, response_body: bytes, principal: Principal, model: Any, ts: str
    ) -> tuple[tuple[str, str], ...]:
        try:
            hdrs = self.signer.sign(
                request_body=request_body,
                response_body=response_body,
                account_id=principal.account_id,
                key_id=principal.key_id,
                model=model if isinstance(model, str) else None,
                ts=ts,
            )
        except DistillGuardError as exc:
            log.error("signing failed: %s", exc)
            return ()
        return tuple(hdrs.items())

    async def _relay_stream(
        self,
        req: Request,
        resp: ResponseWriter,
        endpoint: str,
        principal: Principal,
        decision: Decision,
        up: Any,
        ts: str,
        started: float,
        meta: JSONObject,
        translate: bool,
        request: JSONObject | None = None,
    ) -> None:
        parser = SSEParser()
        asm: Any
        if translate or endpoint == "chat.completions":
            asm = ChatAssembler()
        elif endpoint == "completions":
            asm = CompletionAssembler()
        else:
            asm = MessagesAssembler()
        translator = ChatToMessagesStream(req_model(req, None)) if translate else None
        strip = decision.strip_reasoning
        smark: Any = None
        if self.marker is not None and not self._wants_json(request):
            smark = self._stream_marker(
                self.marker,
                "chat.completions" if translate else endpoint,
                principal.account_id,
                decision.watermark_strength,
                request,
                self._max_hold,
            )
        rewrite = translator is not None or strip or smark is not None
        native_thinking = (
            _ThinkingFilter() if strip and endpoint == "messages" and not translate else None
        )
        anthropic = req.path == "/v1/messages"
        resp.start(200, ())
        status = 200
        ttft: float | None = None
        held = b""
        try:
            try:
                async for chunk in up:
                    if ttft is None:
                        ttft = time.perf_counter()
                    if not rewrite:
                        # relay first, then look: the client's next token never waits for
                        # the assembler
                        out = chunk
                        if self.strict:
                            out = held + chunk
                            held = b""
                            for tail in _STRICT_TAILS:
                                at = out.find(tail)
                                if at >= 0:
                                    out, held = out[:at], out[at:]
                                    break
                        await resp.write(out)
                        for _, data in parser.feed(chunk):
                            asm.feed(data)
                        continue
                    out = b""
                    for name, data in parser.feed(chunk):
                        if smark is None:
                            obj = asm.feed(data)
                            batch = () if obj is None else ((name, obj),)
                        else:  # the watermark rewrites text before anything else sees it
                            batch = smark.feed(name, data)
                            for _, obj in batch:
                                asm.add(obj)
                        if data == "[DONE]":
                            asm.done = True
                            if translator is None:
                                held += b"data: [DONE]\n\n"
                        out += self._events(batch, strip, native_thinking, translator)
                    await resp.write(out)
                if smark is not None:
                    tail = self._flush_marks(smark, asm, strip, native_thinking, translator)
                    if tail:
                        await resp.write(tail)
                if translator is not None:
                    held += translator.finish_events()
            except UpstreamError as exc:
                status = 504 if isinstance(exc, UpstreamTimeout) else 502
                self.metrics.upstream_errors.inc(
                    "stream_" + ("timeout" if status == 504 else "dropped")
                )
                meta["error"] = f"upstream stream failed: {exc}"
                err = error_body(status, meta["error"], anthropic=anthropic)
                held = (
                    (b"event: error\ndata: " + err + b"\n\n")
                    if anthropic
                    else (b"data: " + err + b"\n\n")
                )
                if smark is not None:  # what the watermark held back still reaches the client
                    held = self._flush_marks(smark, asm, strip, native_thinking, translator) + held
        except ClientGone:
            up.close()
            status = 499
            meta["error"] = "client disconnected mid-stream"
        if ttft is not None:
            meta["ttft_ms"] = round((ttft - started) * 1000, 3)
        if smark is not None:
            meta["watermark"] = smark.meta()
        result = (
            asm.result()
            if (asm.choices if not isinstance(asm, MessagesAssembler) else asm.message)
            else None
        )
        if result is not None and translate:
            result = chat_to_messages_response(result, req_model(req, result))
        if strip and result is not None:
            self._strip(result, endpoint)
        line = self._record(req, endpoint, principal, ts, started, status, result, meta)
        if self.strict and status != 499:
            if not await self._durable(resp, req.path, line, streaming=True):
                return
        elif self.sink is not None:
            self.sink.submit(line)
        if status != 499:
            resp.end(held)
        self._count(req.path, status, started)
        usage = getattr(asm, "usage", None) or {}
        used = _tokens(usage) or (len(req.body) + asm.text_length()) // 4
        if not self.policy.settle_nowait(principal, used_tokens=used):
            await self.policy.settle(principal, used_tokens=used)

    def _flush_marks(
        self,
        smark: Any,
        asm: Any,
        strip: bool,
        native_thinking: _ThinkingFilter | None,
        translator: ChatToMessagesStream | None,
    ) -> bytes:
        """Events carrying the text the stream watermark still holds (logged as relayed)."""
        batch = smark.finish()
        for _, obj in batch:
            asm.add(obj)
        return self._events(batch, strip, native_thinking, translator)

    def _events(
        self,
        batch: Any,
        strip: bool,
        native_thinking: _ThinkingFilter | None,
        translator: ChatToMessagesStream | None,
    ) -> bytes:
        """The bytes to relay for decoded stream events (reasoning stripped, translated)."""
        out = b""
        for name, obj in batch:
            if strip:
                if native_thinking is not None:
                    if not native_thinking.keep(obj):
                        continue
                else:
                    self._strip(obj, "chat.completions")
            out += translator.feed(obj) if translator is not None else sse_event(obj, name)
        return out

    # ------------------------------------------------------------------ logging

    def _record(
        self,
        req: Request,
        endpoint: str,
        principal: Principal,
        ts: str,
        started: float,
        status: int,
        response: Any,
        meta: JSONObject,
        request: Any = None,
    ) -> bytes:
        rec: dict[str, Any] = {
            "id": self._next_id(),
            "ts": ts,
            "account_id": principal.account_id,
            "request": _json_line(req.body) if request is None else request,
            "response": response,
            "endpoint": endpoint,
            "key_id": principal.key_id,
            "status": status,
            "latency_ms": round((time.perf_counter() - started) * 1000, 3),
        }
        ip = req.client_ip if self._trusted is None else self._forwarded_ip(req)
        if ip:
            rec["ip"] = ip
        ua = req.headers.get("user-agent")
        if ua:
            rec["user_agent"] = ua
        if self._fp_header is not None:
            fp = self._edge_fingerprint(req)
            if fp:
                rec["client_fingerprint"] = fp
        if principal.org_id:
            meta["org_id"] = principal.org_id
        if meta:
            rec["meta"] = meta
        return orjson.dumps(rec)

    def _replayed_ts(self, req: Request, now: str) -> str:
        """A trusted replayer's ``X-Replay-TS`` (RFC 3339) as the exchange time, else now."""
        value = req.headers.get(REPLAY_TS_HEADER)
        peer = req.client_ip
        if value is None or peer is None or not self._is_trusted(peer):
            return now
        try:
            return format_ts(parse_ts(value, REPLAY_TS_HEADER))
        except RecordError:
            raise _Refusal(
                400,
                f"{REPLAY_TS_HEADER} must be an RFC 3339 time with an offset, got {value[:64]!r}",
            ) from None

    def _edge_fingerprint(self, req: Request) -> str | None:
        """The configured fingerprint header, when a trusted proxy sent it and it is sane
        (printable ASCII, at most 256 characters); otherwise nothing is logged for it."""
        value = req.headers.get(self._fp_header or "")
        if not value or len(value) > 256 or not value.isascii() or not value.isprintable():
            return None
        peer = req.client_ip
        if peer is None or not self._is_trusted(peer):
            return None
        return value.strip() or None

    def _forwarded_ip(self, req: Request) -> str | None:
        """The client address behind trusted proxies: the right-most untrusted
        ``X-Forwarded-For`` hop when the TCP peer is trusted, else the peer itself."""
        peer = req.client_ip
        if peer is None or not self._is_trusted(peer):
            return peer
        header = req.headers.get("x-forwarded-for")
        if not header:
            return peer
        found = peer
        for hop in reversed(header.split(",")):
            try:
                addr = _plain_ip(hop.strip())
            except ValueError:
                return peer  # malformed: believe nothing the header says
            found = str(addr)
            if not any(addr in n for n in self._trusted or ()):
                return found
        return found  # every hop is a trusted proxy: the left-most is the client

    def _is_trusted(self, peer: str) -> bool:
        # asked up to three times per request (forwarded address, edge fingerprint,
        # replayed time) about a handful of peers (the load balancers): remembered per peer
        known = self._peer_trust.get(peer)
        if known is not None:
            return known
        try:
            addr = _plain_ip(peer)
        except ValueError:
            trusted = False
        else:
            trusted = any(addr in n for n in self._trusted or ())
        if len(self._peer_trust) >= 4096:
            self._peer_trust.clear()
        self._peer_trust[peer] = trusted
        return trusted

    def _failed_record(
        self,
        req: Request,
        endpoint: str,
        principal: Principal,
        ts: str,
        started: float,
        status: int,
        meta: JSONObject,
        *,
        body_parsed: bool,
        error: bytes,
    ) -> bytes:
        """The record of a refused or failed exchange (request as sent, or a stand-in)."""
        request = None
        if req.too_large:
            request = {"_too_large": True}
        elif not body_parsed:
            try:
                obj = orjson.loads(req.body)
                request = None if isinstance(obj, dict) else {"_invalid": True}
            except orjson.JSONDecodeError:
                request = {"_invalid": True, "_bytes": len(req.body)}
        meta["error_body"] = orjson.Fragment(error)
        return self._record(
            req, endpoint, principal, ts, started, status, None, meta, request=request
        )

    async def _durable(
        self, resp: ResponseWriter, path: str, line: bytes, *, streaming: bool = False
    ) -> bool:
        """Strict mode: wait until ``line`` is fsynced; on failure answer 503 and say False."""
        if self.sink is None:
            return True
        try:
            await self.sink.submit_durable(line)
        except DistillGuardError as exc:
            self.metrics.log_errors.inc()
            if streaming:
                resp.abort()
            else:
                self._send_error(
                    resp,
                    path,
                    503,
                    f"the exchange log is unavailable: {exc}",
                    code="log_unavailable",
                )
            return False
        return True

    def _count(self, path: str, status: int, started: float) -> None:
        self.metrics.requests.inc(path, str(status))
        self.metrics.latency.observe(time.perf_counter() - started, path)

    # ------------------------------------------------------------------ other routes

    async def _healthz(self, req: Request, resp: ResponseWriter) -> None:
        resp.send(200, (), b'{"status":"ok"}')

    async def _readyz(self, req: Request, resp: ResponseWriter) -> None:
        now = time.monotonic()
        at, up_ok = self._ready_cache
        if now - at > 1.0:
            up_ok = await self.pool.check("/v1/models", self._up_headers)
            self._ready_cache = (now, up_ok)
        sink_ok = self.sink is None or self.sink.healthy
        ok = up_ok and sink_ok
        body = {
            "status": "ready" if ok else "not ready",
            "upstream": "ok" if up_ok else "unreachable",
            "log_sink": "ok"
            if sink_ok
            else f"failing: {self.sink.last_error if self.sink else ''}",
        }
        resp.send(200 if ok else 503, (), orjson.dumps(body))

    async def _metrics(self, req: Request, resp: ResponseWriter) -> None:
        resp.send(200, (), self.metrics.render(), "text/plain; version=0.0.4; charset=utf-8")

    async def _openapi(self, req: Request, resp: ResponseWriter) -> None:
        resp.send(200, (), self.openapi)

    async def _provenance_keys(self, req: Request, resp: ResponseWriter) -> None:
        if self.signer is None:
            self._send_error(resp, req.path, 404, "response signing is not enabled")
            return
        resp.send(200, (), self.signer.public_keys())

    async def _models(self, req: Request, resp: ResponseWriter) -> None:
        try:
            self._authenticate(req)
        except _Refusal as r:
            self._send_error(resp, req.path, r.status, r.message, kind=r.kind, code=r.code)
            return
        known = self.policy.known_models()
        if known is not None:
            data = [
                {"id": m, "object": "model", "created": 0, "owned_by": "distillguard"}
                for m in sorted(known)
            ]
            resp.send(200, (), orjson.dumps({"object": "list", "data": data}))
            self._count(req.path, 200, time.perf_counter())
            return
        await self._pass_through(req, resp, "GET")

    async def _embeddings(self, req: Request, resp: ResponseWriter) -> None:
        try:
            self._authenticate(req)
            if req.too_large:
                raise _Refusal(
                    413, "request body is larger than the gateway allows", code="request_too_large"
                )
            try:
                body = orjson.loads(req.body)
            except orjson.JSONDecodeError:
                raise _Refusal(400, "request body is not valid JSON") from None
            if not isinstance(body, dict) or not isinstance(body.get("model"), str):
                raise _Refusal(400, "'model' is required and must be a string", param="model")
        except _Refusal as r:
            self._send_error(
                resp, req.path, r.status, r.message, kind=r.kind, code=r.code, param=r.param
            )
            return
        await self._pass_through(req, resp, "POST")

    async def _pass_through(self, req: Request, resp: ResponseWriter, method: str) -> None:
        started = time.perf_counter()
        try:
            up = await self.pool.request(
                method, req.path, self._up_headers, req.body if method == "POST" else b""
            )
            raw = await up.read()
        except UpstreamError as exc:
            r = self._upstream_refusal(exc)
            self._send_error(resp, req.path, r.status, r.message, code=r.code)
            return
        status = up.status if up.status < 500 else 502
        if up.status >= 500:
            self.metrics.upstream_errors.inc(f"http_{up.status}")
            self._send_error(resp, req.path, 502, f"the model server answered {up.status}")
            return
        resp.send(status, (), raw, up.headers.get("content-type", "application/json"))
        self._count(req.path, status, started)

    async def _admin(self, req: Request, resp: ResponseWriter) -> None:
        if self.admin is None:
            self._send_error(resp, req.path, 501, "the admin API is not available")
            return
        if req.too_large:
            self._send_error(resp, req.path, 413, "request body too large")
            return
        status, headers, body = await self.admin(
            self.policy, req.method, req.path, req.query, req.headers, req.body
        )
        ctype = headers.pop("content-type", "application/json") if headers else "application/json"
        resp.send(status, tuple((headers or {}).items()), body, ctype)
        self.metrics.requests.inc("/admin", str(status))


class _ThinkingFilter:
    """Drops thinking blocks from an Anthropic event stream, renumbering the other blocks."""

    def __init__(self) -> None:
        self.skip: set[int] = set()
        self.remap: dict[int, int] = {}

    def keep(self, ev: JSONObject) -> bool:
        kind = ev.get("type")
        idx = ev.get("index")
        if kind == "content_block_start":
            block = ev.get("content_block") or {}
            if block.get("type") in ("thinking", "redacted_thinking"):
                self.skip.add(idx)  # type: ignore[arg-type]
                return False
            self.remap[idx] = len(self.remap)  # type: ignore[index]
        elif kind not in ("content_block_delta", "content_block_stop"):
            return True
        if idx in self.skip:
            return False
        ev["index"] = self.remap.get(idx, idx)  # type: ignore[call-overload]
        return True


_KNOWN = {
    "/healthz",
    "/readyz",
    "/metrics",
    "/openapi.json",
    "/v1/models",
    "/v1/embeddings",
    "/v1/provenance/keys",
}


def req_model(req: Request, parsed: JSONObject | None) -> str | None:
    """The model the client asked for (what an Anthropic client expects to see back)."""
    try:
        model = orjson.loads(req.body).get("model")
    except (orjson.JSONDecodeError, AttributeError):
        model = None
    if isinstance(model, str):
        return model
    return parsed.get("model") if parsed else None


def _plain_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An address, with IPv4-mapped IPv6 (``::ffff:10.0.0.1``) unwrapped to IPv4."""
    addr = ipaddress.ip_address(text)
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def _tokens(usage: Any) -> int:
    if not isinstance(usage, dict):
        return 0
    total = usage.get("total_tokens")
    if _is_int(total):
        return total
    n = 0
    for key in ("prompt_tokens", "completion_tokens", "input_tokens", "output_tokens"):
        if _is_int(usage.get(key)):
            n += usage[key]
    return n
