"""Access control for the console: a shared token, as a bearer header or a session cookie.

Prompts are customers' confidential data, so when a token is configured EVERY path except
the login form and the stylesheet needs it. :class:`TokenGate` is plain ASGI middleware:

- ``Authorization: Bearer <token>`` (scripts, ``/api``), compared in constant time;
- or the ``dg_console`` cookie set by the login form. The cookie never holds the token:
  it holds a random session value made when the process starts (so a restart logs
  everyone out), compared in constant time, ``HttpOnly`` and ``SameSite=Strict``.

Unauthenticated requests get 401 JSON (OpenAI-style error body) under ``/api`` and a
redirect to the login form elsewhere.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import quote

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["COOKIE", "TokenGate", "safe_next"]

COOKIE = "dg_console"
_OPEN_PATHS = ("/login", "/static/")


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def safe_next(value: str | None) -> str:
    """A local path to return to after login; anything else (``//host``, URLs) becomes ``/``."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def _cookies(header: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            out[name] = value
    return out


class TokenGate:
    """ASGI middleware letting through only requests that prove they know the token."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token
        self.session = secrets.token_urlsafe(32)

    def check_token(self, candidate: str) -> bool:
        """Whether ``candidate`` is the configured token (constant time)."""
        return self.token is not None and _same(candidate, self.token)

    def authorised(self, headers: dict[bytes, bytes]) -> bool:
        if self.token is None:
            return True
        auth = headers.get(b"authorization", b"").decode("latin-1")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer" and value and self.check_token(value.strip()):
            return True
        cookie = _cookies(headers.get(b"cookie", b"").decode("latin-1")).get(COOKIE)
        return bool(cookie) and _same(cookie, self.session)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.token is None:
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "/")
        if path == "/login" or path.startswith(_OPEN_PATHS[1]):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if self.authorised(headers):
            await self.app(scope, receive, send)
            return
        if path.startswith("/api"):
            body = orjson.dumps(
                {
                    "error": {
                        "message": "a console token is required (Authorization: Bearer ...)",
                        "type": "authentication_error",
                        "param": None,
                        "code": "unauthorized",
                    }
                }
            )
            await _respond(
                send,
                401,
                body,
                [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")],
            )
            return
        target = path + (
            "?" + scope["query_string"].decode("latin-1") if scope.get("query_string") else ""
        )
        location = "/login?next=" + quote(target, safe="")
        await _respond(send, 303, b"", [(b"location", location.encode("latin-1"))])


async def _respond(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]):
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                *headers,
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
