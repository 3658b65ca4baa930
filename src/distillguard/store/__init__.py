"""The exchange store: exchange logs and accounts in one DuckDB file.

Other packages read the ``exchanges`` and ``accounts`` tables directly with SQL (columns in
:mod:`distillguard.store._schema`); they write only through :class:`Store`::

    with Store("traffic.duckdb") as store:
        report = store.ingest(["logs/"], accounts="accounts.jsonl")
        store.con.execute("SELECT account_id, count(*) FROM exchanges GROUP BY 1")
"""

from __future__ import annotations

from distillguard.store._schema import ACCOUNT_COLUMNS, EXCHANGE_COLUMNS
from distillguard.store._store import DEFAULT_DB, IngestReport, Store, resolve_db

__all__ = [
    "ACCOUNT_COLUMNS",
    "DEFAULT_DB",
    "EXCHANGE_COLUMNS",
    "IngestReport",
    "Store",
    "resolve_db",
]
