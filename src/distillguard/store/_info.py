"""A summary of what a store holds, for ``distillguard info`` and the console."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb

__all__ = ["StoreSummary", "summarise"]


@dataclass
class StoreSummary:
    """Counts and breakdowns of a store's contents."""

    exchanges: int = 0
    first_ts: datetime | None = None
    last_ts: datetime | None = None
    accounts_seen: int = 0
    accounts_known: int = 0
    endpoints: list[tuple[str, int]] = field(default_factory=list)
    models: list[tuple[str | None, int]] = field(default_factory=list)
    statuses: list[tuple[int, int]] = field(default_factory=list)
    top_accounts: list[tuple[str, int]] = field(default_factory=list)


def summarise(con: duckdb.DuckDBPyConnection, *, top: int = 10) -> StoreSummary:
    """Summarise the ``exchanges`` and ``accounts`` tables (one scan each breakdown)."""
    n, first, last, seen = con.execute(
        "SELECT count(*), min(ts), max(ts), count(DISTINCT account_id) FROM exchanges"
    ).fetchone()  # type: ignore[misc]
    (known,) = con.execute("SELECT count(*) FROM accounts").fetchone()  # type: ignore[misc]

    def breakdown(col: str, limit: int | None = None) -> list[tuple]:  # type: ignore[type-arg]
        sql = f"SELECT {col}, count(*) AS n FROM exchanges GROUP BY 1 ORDER BY n DESC, 1"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [tuple(r) for r in con.execute(sql).fetchall()]

    return StoreSummary(
        exchanges=int(n),
        first_ts=first,
        last_ts=last,
        accounts_seen=int(seen),
        accounts_known=int(known),
        endpoints=breakdown("endpoint"),
        models=breakdown("model", 20),
        statuses=breakdown("status"),
        top_accounts=breakdown("account_id", top),
    )
