"""A minimal aiohttp proxy: the reference point the gateway benchmark compares against.

It does what ``shared/notes/gateway-benchmarking.md`` calls the floor of a useful proxy:
parse the JSON body, look the key up in a dict, append a log line, forward through one
shared ``aiohttp.ClientSession``, return the upstream's bytes. No limits, no verdicts, no
durability, no streaming relay: anything the gateway costs beyond this is its features.

Usage: python bench/gateway_baseline_aiohttp.py UPSTREAM_URL PORT KEY LOGFILE
"""

from __future__ import annotations

import sys

import orjson
import uvloop
from aiohttp import ClientSession, web


def main() -> None:
    upstream, port, key, log_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    keys = {key: "bench-acct"}
    log = open(log_path, "ab")  # noqa: SIM115 - lives as long as the process
    session: dict[str, ClientSession] = {}

    async def chat(request: web.Request) -> web.Response:
        auth = request.headers.get("authorization", "")
        account = keys.get(auth.removeprefix("Bearer "))
        if account is None:
            return web.json_response({"error": {"message": "bad key"}}, status=401)
        raw = await request.read()
        body = orjson.loads(raw)
        async with session["s"].post(
            upstream + "/v1/chat/completions",
            data=raw,
            headers={"content-type": "application/json"},
        ) as resp:
            out = await resp.read()
            status = resp.status
        log.write(orjson.dumps({"account_id": account, "model": body.get("model")}) + b"\n")
        return web.Response(body=out, status=status, content_type="application/json")

    async def on_startup(app: web.Application) -> None:
        session["s"] = ClientSession()

    app = web.Application()
    app.on_startup.append(on_startup)
    app.router.add_post("/v1/chat/completions", chat)
    uvloop.install()
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
