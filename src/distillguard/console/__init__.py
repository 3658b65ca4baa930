"""The analyst console: a read-only web UI over the store, detection results and gateway state.

    server = serve_in_thread("demo.duckdb", "results/", state="demo.state.sqlite")
    print(server.url)   # http://127.0.0.1:<port>
    server.stop()

Pages and their ``/api`` mirrors are listed in ``docs/console.md``.
"""

from __future__ import annotations

from distillguard.console._queries import ConsoleData
from distillguard.console._server import ConsoleServer, check_binding, serve_in_thread
from distillguard.console.app import create_app

__all__ = ["ConsoleData", "ConsoleServer", "check_binding", "create_app", "serve_in_thread"]
