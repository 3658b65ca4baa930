"""``distillguard console``: serve the read-only analyst web console."""

from __future__ import annotations

import argparse
import contextlib
import sys

from distillguard.console._server import ENV_TOKEN, ConsoleServer, resolve_token
from distillguard.store import resolve_db

__all__ = ["configure_console", "run_console"]


def configure_console(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="FILE", help="DuckDB store (default: $DISTILLGUARD_DB)")
    parser.add_argument(
        "--results", required=True, metavar="DIR", help="folder written by 'detect --out'"
    )
    parser.add_argument("--state", metavar="FILE", help="gateway state file: live verdicts, audit")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8090, help="port (default 8090; 0 = any)")
    parser.add_argument(
        "--token",
        help=f"require this token (prefer ${ENV_TOKEN}: a command line is visible to others)",
    )


def run_console(args: argparse.Namespace) -> int:
    token = resolve_token(args.token)
    server = ConsoleServer.start(
        resolve_db(args.db),
        args.results,
        state=args.state,
        host=args.host,
        port=args.port,
        token=token,
        in_thread=False,
    )
    auth = "token required" if token else "no token: loopback only"
    print(f"distillguard console: serving on {server.url} ({auth}); Ctrl-C to stop", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.run_forever()
    print("distillguard console: stopped", file=sys.stderr)
    return 0
