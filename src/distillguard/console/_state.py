"""The gateway's control-plane state, read-only: live verdicts, overrides, the audit log.

:class:`~distillguard.gateway.state.StateDB` opens its file for writing (it creates the
schema and is the one writer). The console must never write, so it opens the same SQLite
file with ``mode=ro`` and reads the tables ``StateDB`` defines with plain queries; a
missing file is an error, never silently created.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from distillguard.errors import StoreError

__all__ = ["StateReader"]

_TABLES = {"verdicts", "overrides", "audit"}


class StateReader:
    """A read-only connection to a gateway state file, safe to share between threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise StoreError(f"{self.path}: no such gateway state file")
        try:
            self._conn = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro",
                uri=True,
                timeout=5.0,
                check_same_thread=False,
            )
            names = {
                r[0]
                for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open gateway state {self.path}: {exc}") from None
        if not names >= _TABLES:
            self._conn.close()
            missing = ", ".join(sorted(_TABLES - names))
            raise StoreError(f"{self.path}: not a gateway state file (no {missing} table)")
        self._lock = threading.Lock()

    def close(self) -> None:
        self._conn.close()

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            with self._lock:
                return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"gateway state {self.path}: {exc}") from None

    def audit(
        self, *, limit: int = 50, before: int | None = None, target: str | None = None
    ) -> list[dict[str, Any]]:
        """Audit entries, newest first; ``before`` pages by id, ``target`` filters."""
        sql = "SELECT id, ts, actor, action, target, detail FROM audit WHERE 1=1"
        params: list[Any] = []
        if before is not None:
            sql += " AND id < ?"
            params.append(int(before))
        if target:
            sql += " AND target = ?"
            params.append(target)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(int(limit))
        out = []
        for r in self._rows(sql, tuple(params)):
            try:
                detail = json.loads(r[5])
            except (TypeError, ValueError):
                detail = r[5]
            out.append(
                {
                    "id": r[0],
                    "ts": r[1],
                    "actor": r[2],
                    "action": r[3],
                    "target": r[4],
                    "detail": detail,
                }
            )
        return out

    def live(self, account_id: str) -> dict[str, Any]:
        """The gateway's current detector verdict and manual override for one account."""
        v = self._rows(
            "SELECT verdict, score, cluster_id, reasons, source, updated_at FROM verdicts "
            "WHERE account_id = ?",
            (account_id,),
        )
        o = self._rows(
            "SELECT verdict, reason, actor, created_at FROM overrides WHERE account_id = ?",
            (account_id,),
        )
        verdict = None
        if v:
            r = v[0]
            try:
                reasons = json.loads(r[3])
            except (TypeError, ValueError):
                reasons = []
            verdict = {
                "verdict": r[0],
                "score": r[1],
                "cluster_id": r[2],
                "reasons": reasons,
                "source": r[4],
                "updated_at": r[5],
            }
        override = None
        if o:
            r = o[0]
            override = {"verdict": r[0], "reason": r[1], "actor": r[2], "created_at": r[3]}
        return {"verdict": verdict, "override": override}

    def counts(self) -> dict[str, int]:
        """How many live verdicts (by verdict), overrides and audit entries there are."""
        out: dict[str, int] = {}
        for verdict, n in self._rows("SELECT verdict, count(*) FROM verdicts GROUP BY 1"):
            out[f"live_{verdict}"] = int(n)
        out["overrides"] = int(self._rows("SELECT count(*) FROM overrides")[0][0])
        out["audit_entries"] = int(self._rows("SELECT count(*) FROM audit")[0][0])
        return out
