"""The console's Starlette application: server-rendered pages and their ``/api`` mirrors.

Every page is a sync handler (Starlette runs it in its thread pool) that asks
:class:`~distillguard.console._queries.ConsoleData` for a plain dict, then either renders
a Jinja2 template (autoescaped: prompts and ids are data, never markup) or returns the
same dict as JSON under ``/api``. No JavaScript: charts are inline SVG from the server,
and the Content-Security-Policy forbids scripts outright.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

import jinja2
import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from distillguard.console import _charts
from distillguard.console._auth import COOKIE, TokenGate, safe_next
from distillguard.console._queries import ACCOUNT_SORTS, VERDICT_FILTERS, ConsoleData
from distillguard.errors import DistillGuardError

__all__ = ["create_app"]

_HERE = Path(__file__).parent
_MAX_PAGE = 1_000_000
_MAX_QUERY = 200
_FAILED_LOGIN_DELAY = 0.5
_SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        b"frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class _JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


class _SecurityHeaders:
    """Pure ASGI: adds the security headers, and ``no-store`` to every non-static response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                headers.extend(_SECURITY_HEADERS)
                if not static and not any(k == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, wrapped)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda n: "—" if n is None else f"{n:,}"
    env.filters["pct"] = lambda x: "—" if x is None else f"{x:.1%}"
    env.filters["score"] = lambda x: "—" if x is None else f"{x:.2f}"
    env.filters["u"] = lambda v: quote(str(v), safe="")
    env.filters["ts"] = lambda t: "—" if not t else str(t).replace("T", " ").replace("Z", " UTC")
    env.globals.update(bar_chart=_charts.bar_chart, hbar_chart=_charts.hbar_chart)
    env.globals["timeline_chart"] = _charts.timeline_chart
    return env


def _int_param(request: Request, name: str, default: int | None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPException(400, f"{name} must be a whole number") from None
    if not 1 <= value <= _MAX_PAGE * 1000:
        raise HTTPException(400, f"{name} is out of range")
    return value


def _page(request: Request) -> int:
    page = _int_param(request, "page", 1) or 1
    if page > _MAX_PAGE:
        raise HTTPException(400, "page is out of range")
    return page


def _choice(request: Request, name: str, allowed: Any, default: str) -> str:
    value = request.query_params.get(name, default)
    if value not in allowed:
        raise HTTPException(
            400, f"{name} must be one of: {', '.join(a or '(any)' for a in allowed)}"
        )
    return value


def _text(request: Request, name: str) -> str:
    value = request.query_params.get(name, "").strip()
    if len(value) > _MAX_QUERY:
        raise HTTPException(400, f"{name} is longer than {_MAX_QUERY} characters")
    return value


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api")


def create_app(data: ConsoleData, *, token: str | None = None) -> ASGIApp:
    """The console as an ASGI app over ``data``; every path needs ``token`` when given."""
    env = _environment()
    gate_holder: dict[str, TokenGate] = {}

    def render(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        def url_with(**changes: Any) -> str:
            params = dict(request.query_params)
            for k, v in changes.items():
                if v in (None, ""):
                    params.pop(k, None)
                else:
                    params[k] = str(v)
            return request.url.path + ("?" + urlencode(params) if params else "")

        html = env.get_template(template).render(
            request_path=request.url.path,
            has_eval=data.has_eval,
            has_state=data.has_state,
            auth=token is not None,
            url_with=url_with,
            **ctx,
        )
        return HTMLResponse(html, status_code=status)

    def overview(request: Request) -> Response:
        ov = data.overview()
        if _wants_json(request):
            return _JSON(ov)
        return render(request, "overview.html", ov=ov)

    def clusters(request: Request) -> Response:
        page = _page(request)
        verdict = _choice(request, "verdict", VERDICT_FILTERS, "")
        result = data.clusters(page=page, verdict=verdict)
        if _wants_json(request):
            return _JSON(result)
        return render(request, "clusters.html", result=result, verdict=verdict)

    def cluster(request: Request) -> Response:
        cid = request.path_params["cluster_id"]
        result = data.cluster(cid, page=_page(request))
        if result is None:
            raise HTTPException(404, f"no cluster {cid!r} in the results")
        if _wants_json(request):
            return _JSON(result)
        return render(request, "cluster.html", c=result)

    def accounts(request: Request) -> Response:
        page = _page(request)
        verdict = _choice(request, "verdict", VERDICT_FILTERS, "")
        sort = _choice(request, "sort", tuple(ACCOUNT_SORTS), "score")
        q = _text(request, "q")
        result = data.accounts(page=page, verdict=verdict, q=q, sort=sort)
        if _wants_json(request):
            return _JSON(result)
        return render(request, "accounts.html", result=result, filters=VERDICT_FILTERS)

    def account(request: Request) -> Response:
        aid = request.path_params["account_id"]
        result = data.account(aid)
        if result is None:
            raise HTTPException(404, f"no account {aid!r} in the store or the results")
        if _wants_json(request):
            return _JSON(result)
        return render(request, "account.html", a=result)

    def evaluation(request: Request) -> Response:
        ev = data.evaluation()
        if ev is None:
            raise HTTPException(404, "no eval.json in the results folder (run 'distillguard eval')")
        if _wants_json(request):
            return _JSON(ev)
        return render(request, "eval.html", ev=ev)

    def audit(request: Request) -> Response:
        before = _int_param(request, "before", None)
        result = data.audit(before=before, target=_text(request, "target"))
        if result is None:
            raise HTTPException(404, "no gateway state file (start the console with --state FILE)")
        if _wants_json(request):
            return _JSON(result)
        return render(request, "audit.html", result=result)

    async def login(request: Request) -> Response:
        nxt = safe_next(request.query_params.get("next"))
        if token is None:
            return RedirectResponse(nxt, status_code=303)
        if request.method == "GET":
            return render(request, "login.html", next=nxt, failed=False)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > 4096:
                raise HTTPException(413, "login form too large")
        form = parse_qs(body.decode("utf-8", "replace"))
        candidate = (form.get("token") or [""])[0]
        nxt = safe_next((form.get("next") or [nxt])[0])
        gate = gate_holder["gate"]
        if not gate.check_token(candidate):
            await asyncio.sleep(_FAILED_LOGIN_DELAY)  # slows guessing; other requests go on
            return render(request, "login.html", status=401, next=nxt, failed=True)
        response = RedirectResponse(nxt, status_code=303)
        response.set_cookie(COOKIE, gate.session, httponly=True, samesite="strict", path="/")
        return response

    def logout(request: Request) -> Response:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    def error_response(request: Request, status: int, message: str) -> Response:
        if _wants_json(request):
            kind = {
                400: "invalid_request_error",
                404: "not_found_error",
                413: "invalid_request_error",
            }.get(status, "server_error")
            return _JSON(
                {"error": {"message": message, "type": kind, "param": None, "code": str(status)}},
                status_code=status,
            )
        return render(request, "error.html", status=status, code=status, message=message)

    async def http_error(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        return error_response(request, status, str(getattr(exc, "detail", "error")))

    async def dg_error(request: Request, exc: Exception) -> Response:
        return error_response(request, 500, str(exc))

    async def any_error(request: Request, exc: Exception) -> Response:
        return error_response(request, 500, "internal error")

    routes = [
        Route("/", overview),
        Route("/clusters", clusters),
        Route("/clusters/{cluster_id:path}", cluster),
        Route("/accounts", accounts),
        Route("/accounts/{account_id:path}", account),
        Route("/eval", evaluation),
        Route("/audit", audit),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/api/overview", overview),
        Route("/api/clusters", clusters),
        Route("/api/clusters/{cluster_id:path}", cluster),
        Route("/api/accounts", accounts),
        Route("/api/accounts/{account_id:path}", account),
        Route("/api/eval", evaluation),
        Route("/api/audit", audit),
        Mount("/static", app=StaticFiles(directory=_HERE / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            HTTPException: http_error,
            DistillGuardError: dg_error,
            Exception: any_error,
        },
    )
    gate = TokenGate(app, token)
    gate_holder["gate"] = gate
    return _SecurityHeaders(gate)
