"""Every read the console makes, as plain dicts that both the HTML pages and ``/api`` use.

One :class:`ConsoleData` holds ONE read-only DuckDB connection to the store (guarded by a
lock: DuckDB connections are not to be used from two threads at once), the detection
results loaded into TEMP tables of that connection, and optionally a read-only reader of
the gateway's state file. Every query is bounded: lists are paged with LIMIT/OFFSET,
per-account and per-cluster pages aggregate in SQL and fetch at most a page of rows, so a
page costs a few column scans however large the store is. The overview aggregates the
whole store once and is cached: the store cannot change under a read-only connection.
"""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import orjson

from distillguard.console._results import Results, load_results
from distillguard.console._state import StateReader
from distillguard.detect.enrich import TAGS, enrich_json
from distillguard.errors import StoreError
from distillguard.exchange import format_ts, prompt_messages

__all__ = ["ACCOUNT_SORTS", "PAGE_SIZE", "VERDICT_FILTERS", "ConsoleData"]

PAGE_SIZE = 50
#: Characters of a prompt shown on an account page (prompts are confidential: show little).
PROMPT_CHARS = 240
RECENT_EXCHANGES = 25
#: How many of an account's most recent exchanges its capability mix is computed over.
CAPABILITY_SAMPLE = 500
TIMELINE_MEMBERS = 40
VERDICTS = ("block", "throttle", "watch", "allow")
VERDICT_FILTERS = ("", "flagged", *VERDICTS)
_SEVERITY = "CASE verdict WHEN 'block' THEN 3 WHEN 'throttle' THEN 2 WHEN 'watch' THEN 1 ELSE 0 END"
ACCOUNT_SORTS = {
    "score": f"r.score DESC, {_SEVERITY.replace('verdict', 'r.verdict')} DESC, r.account_id",
    "flagged": "r.flagged_ts ASC NULLS LAST, r.score DESC, r.account_id",
    "id": "r.account_id",
}
_ACCOUNT_META = (
    "created_at",
    "org_id",
    "tier",
    "verified",
    "email_domain",
    "payment_fingerprint",
    "signup_ip",
    "country",
)


def _ts(value: Any) -> str | None:
    """A store TIMESTAMP (naive UTC) as RFC 3339 text."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return format_ts(value)
    return str(value)


def _reasons(text: str | None) -> list[str]:
    return [r for r in (text or "").split(";") if r]


def _pages(total: int, page: int) -> dict[str, int]:
    pages = max(1, math.ceil(total / PAGE_SIZE))
    return {"total": total, "page": page, "pages": pages, "page_size": PAGE_SIZE}


def _prompt_preview(endpoint: str | None, request: str | None) -> str:
    """The last user turn of a stored request, truncated (the template escapes it)."""
    if not request:
        return ""
    try:
        body = orjson.loads(request)
    except orjson.JSONDecodeError:
        return ""
    if not isinstance(body, dict):
        return ""
    try:
        messages = prompt_messages(endpoint or "chat.completions", body)
    except Exception:  # a malformed stored body must not break the page
        return ""
    text = next((t for role, t in reversed(messages) if role == "user"), "")
    if not text and messages:
        text = messages[-1][1]
    text = " ".join(text.split())
    return text if len(text) <= PROMPT_CHARS else text[: PROMPT_CHARS - 1] + "…"


def _capabilities(rows: list[tuple[Any, ...]]) -> dict[str, float] | None:
    """Share of ``rows`` (id, ts, endpoint, ..., request, response) per capability tag,
    computed with detect's own :func:`~distillguard.detect.enrich.enrich_json`."""
    counts = [0] * len(TAGS)
    n = 0
    for row in rows:
        try:
            tags = enrich_json(row[2], row[7], row[8]).tags
        except Exception:  # a malformed stored body must not break the page
            continue
        n += 1
        for i in range(len(TAGS)):
            if tags >> i & 1:
                counts[i] += 1
    if not n:
        return None
    return {name: round(counts[i] / n, 3) for i, name in enumerate(TAGS)}


def _shown(r: tuple[Any, ...]) -> dict[str, Any]:
    """One exchange as the account page shows it: metadata and a truncated prompt."""
    return {
        "id": r[0],
        "ts": _ts(r[1]),
        "endpoint": r[2] or "chat.completions",
        "model": r[3],
        "status": r[4] if r[4] is not None else 200,
        "latency_ms": r[5],
        "ip": r[6],
        "prompt": _prompt_preview(r[2], r[7]),
    }


class ConsoleData:
    """The console's read-only view of a store, a results folder and a gateway state file."""

    def __init__(
        self,
        db: str | Path,
        results: str | Path,
        state: str | Path | None = None,
    ) -> None:
        from distillguard.store import Store

        self._store = Store(db, read_only=True)
        self.con = self._store.con
        self._lock = threading.RLock()
        self.state: StateReader | None = None
        try:
            self.results: Results = load_results(self.con, results)
            if state is not None:
                self.state = StateReader(state)
        except BaseException:
            self._store.close()
            raise
        self._overview: dict[str, Any] | None = None

    def close(self) -> None:
        with self._lock:
            self._store.close()
            if self.state is not None:
                self.state.close()

    @property
    def has_eval(self) -> bool:
        return self.results.evaluation is not None

    @property
    def has_state(self) -> bool:
        return self.state is not None

    def _all(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        try:
            with self._lock:
                return self.con.execute(sql, params or []).fetchall()
        except duckdb.Error as exc:
            raise StoreError(f"store query failed: {str(exc).splitlines()[0]}") from None

    # -- overview -------------------------------------------------------------------------

    def overview(self) -> dict[str, Any]:
        """Totals, verdict counts, time span and per-day volume (computed once, cached),
        plus the gateway's live counts when a state file is open."""
        with self._lock:
            if self._overview is None:
                self._overview = self._compute_overview()
            out = dict(self._overview)
        if self.state is not None:  # the gateway keeps writing its state: read it fresh
            out["gateway_state"] = self.state.counts()
        return out

    def _compute_overview(self) -> dict[str, Any]:
        n, first, last = self._all("SELECT count(*), min(ts), max(ts) FROM exchanges")[0]
        days = self._all(
            """
            SELECT CAST(x.ts AS DATE) AS d, count(*) AS n,
                   count(*) FILTER (WHERE r.verdict IN ('throttle', 'block')) AS flagged,
                   count(*) FILTER (
                       WHERE x.ts >= r.flagged_ts AND r.verdict IN ('throttle', 'block')
                   ) AS withheld
            FROM exchanges x LEFT JOIN r_accounts r USING (account_id)
            GROUP BY 1 ORDER BY 1
            """
        )
        store_accounts = self._all("SELECT count(*) FROM accounts")[0][0]
        acc = dict(self._all("SELECT verdict, count(*) FROM r_accounts GROUP BY 1"))
        clu = dict(self._all("SELECT verdict, count(*) FROM r_clusters GROUP BY 1"))
        campaigns = None
        ev = self.results.evaluation
        if ev and isinstance(ev.get("campaigns"), dict):
            camps = ev["campaigns"]
            caught = sorted(k for k, v in camps.items() if (v or {}).get("flagged", 0) > 0)
            campaigns = {"total": len(camps), "caught": len(caught), "caught_names": caught}
        out: dict[str, Any] = {
            "exchanges": int(n),
            "first_ts": _ts(first),
            "last_ts": _ts(last),
            "store_accounts": int(store_accounts),
            "accounts": int(sum(acc.values())),
            "accounts_by_verdict": {v: int(acc.get(v, 0)) for v in VERDICTS},
            "flagged_accounts": int(acc.get("block", 0) + acc.get("throttle", 0)),
            "clusters": int(sum(clu.values())),
            "clusters_by_verdict": {v: int(clu.get(v, 0)) for v in VERDICTS},
            "exchanges_from_flagged": int(sum(r[2] for r in days)),
            "exchanges_withheld": int(sum(r[3] for r in days)),
            "per_day": [
                {"day": d.isoformat(), "exchanges": int(c), "flagged": int(f), "withheld": int(w)}
                for d, c, f, w in days
            ],
            "campaigns": campaigns,
            "top_clusters": self.clusters(page=1, limit=5)["items"],
        }
        return out

    # -- clusters -------------------------------------------------------------------------

    def _cluster_item(self, row: tuple[Any, ...]) -> dict[str, Any]:
        cid, n_acc, n_ex, score, verdict, reasons = row
        ev = self.results.cluster_evidence.get(cid) or {}
        return {
            "cluster_id": cid,
            "n_accounts": int(n_acc or 0),
            "n_exchanges": int(n_ex or 0),
            "score": float(score or 0.0),
            "verdict": verdict,
            "reasons": _reasons(reasons),
            "links": list(ev.get("links") or []),
            "evidence": list(ev.get("evidence") or []),
            "top_tags": dict(ev.get("top_tags") or {}),
        }

    def clusters(self, *, page: int = 1, verdict: str = "", limit: int = PAGE_SIZE) -> dict:
        """Clusters by score, most suspicious first, one page at a time."""
        where, params = self._verdict_where(verdict, "verdict")
        total = self._all(f"SELECT count(*) FROM r_clusters WHERE {where}", params)[0][0]
        rows = self._all(
            f"""SELECT cluster_id, n_accounts, n_exchanges, score, verdict, reasons
            FROM r_clusters WHERE {where}
            ORDER BY score DESC, {_SEVERITY} DESC, n_accounts DESC, cluster_id
            LIMIT ? OFFSET ?""",
            [*params, limit, (page - 1) * limit],
        )
        return {"items": [self._cluster_item(r) for r in rows], **_pages(int(total), page)}

    def cluster(self, cluster_id: str, *, page: int = 1) -> dict[str, Any] | None:
        """One cluster: its row, evidence, a page of members and the busiest members' timeline.

        The members' exchanges are read in ONE scan of ``exchanges`` into a scratch table of
        per-member, per-hour counts; the members table and the timeline both come from it.
        """
        rows = self._all(
            "SELECT cluster_id, n_accounts, n_exchanges, score, verdict, reasons "
            "FROM r_clusters WHERE cluster_id = ?",
            [cluster_id],
        )
        if not rows:
            return None
        out = self._cluster_item(rows[0])
        with self._lock:
            n_members = self._all(
                "SELECT count(*) FROM r_accounts WHERE cluster_id = ?", [cluster_id]
            )[0][0]
            members = self._all(
                f"""SELECT r.account_id, r.score, r.verdict, r.first_flagged_at, r.reasons,
                       a.created_at, a.org_id, a.tier, a.country
                FROM (SELECT * FROM r_accounts r WHERE r.cluster_id = ?
                      ORDER BY {ACCOUNT_SORTS["score"]} LIMIT ? OFFSET ?) r
                LEFT JOIN accounts a USING (account_id)
                ORDER BY {ACCOUNT_SORTS["score"]}""",
                [cluster_id, PAGE_SIZE, (page - 1) * PAGE_SIZE],
            )
            self._all(
                """CREATE OR REPLACE TEMP TABLE _console_hours AS
                SELECT account_id, CAST(floor(epoch(ts) / 3600) AS BIGINT) AS h,
                       count(*) AS n, min(ts) AS first_ts, max(ts) AS last_ts
                FROM exchanges
                WHERE account_id IN (SELECT account_id FROM r_accounts WHERE cluster_id = ?)
                GROUP BY 1, 2""",
                [cluster_id],
            )
            try:
                page_ids = [m[0] for m in members]
                marks = ",".join("?" * len(page_ids)) or "NULL"
                volume = {
                    r[0]: (int(r[1]), r[2], r[3])
                    for r in self._all(
                        f"""SELECT account_id, sum(n), min(first_ts), max(last_ts)
                        FROM _console_hours WHERE account_id IN ({marks}) GROUP BY 1""",
                        page_ids,
                    )
                }
                timeline = self._timeline()
            finally:
                self._all("DROP TABLE IF EXISTS _console_hours")
        none = (0, None, None)
        out["members"] = [
            {
                "account_id": m[0],
                "score": float(m[1] or 0.0),
                "verdict": m[2],
                "first_flagged_at": m[3],
                "reasons": _reasons(m[4]),
                "created_at": _ts(m[5]),
                "org_id": m[6],
                "tier": m[7],
                "country": m[8],
                "exchanges": volume.get(m[0], none)[0],
                "first_seen": _ts(volume.get(m[0], none)[1]),
                "last_seen": _ts(volume.get(m[0], none)[2]),
            }
            for m in members
        ]
        out.update(_pages(int(n_members), page))
        out["timeline"] = timeline
        return out

    def _timeline(self) -> dict[str, Any]:
        """Hourly counts of the busiest members, from the ``_console_hours`` scratch table."""
        busiest = [
            r[0]
            for r in self._all(
                """SELECT account_id FROM _console_hours GROUP BY 1
                ORDER BY sum(n) DESC, account_id LIMIT ?""",
                [TIMELINE_MEMBERS],
            )
        ]
        if not busiest:
            return {"members": [], "start_hour": 0, "end_hour": 0, "counts": {}, "flagged": {}}
        marks = ",".join("?" * len(busiest))
        counts: dict[str, dict[int, int]] = {a: {} for a in busiest}
        for acct, hour, n in self._all(
            f"SELECT account_id, h, n FROM _console_hours WHERE account_id IN ({marks})",
            busiest,
        ):
            counts[acct][int(hour)] = int(n)
        flagged = {
            a: int(f.replace(tzinfo=UTC).timestamp() // 3600)
            for a, f in self._all(
                f"""SELECT account_id, flagged_ts FROM r_accounts
                WHERE account_id IN ({marks}) AND flagged_ts IS NOT NULL""",
                busiest,
            )
        }
        hours = [h for c in counts.values() for h in c]
        return {
            "members": busiest,
            "start_hour": min(hours, default=0),
            "end_hour": max(hours, default=0),
            "counts": counts,
            "flagged": flagged,
        }

    # -- accounts -------------------------------------------------------------------------

    @staticmethod
    def _verdict_where(verdict: str, column: str) -> tuple[str, list[Any]]:
        if verdict == "flagged":
            return f"{column} IN ('throttle', 'block')", []
        if verdict:
            return f"{column} = ?", [verdict]
        return "TRUE", []

    def accounts(
        self, *, page: int = 1, verdict: str = "", q: str = "", sort: str = "score"
    ) -> dict[str, Any]:
        """A page of accounts from the results, filtered by verdict and id substring."""
        where, params = self._verdict_where(verdict, "r.verdict")
        if q:
            where += " AND contains(lower(r.account_id), lower(?))"
            params.append(q)
        total = self._all(f"SELECT count(*) FROM r_accounts r WHERE {where}", params)[0][0]
        rows = self._all(
            f"""SELECT r.account_id, r.score, r.verdict, r.cluster_id, r.first_flagged_at,
                   r.reasons, a.org_id, a.tier, a.country
            FROM (SELECT * FROM r_accounts r WHERE {where}
                  ORDER BY {ACCOUNT_SORTS[sort]} LIMIT ? OFFSET ?) r
            LEFT JOIN accounts a USING (account_id)
            ORDER BY {ACCOUNT_SORTS[sort]}""",
            [*params, PAGE_SIZE, (page - 1) * PAGE_SIZE],
        )
        items = [
            {
                "account_id": r[0],
                "score": float(r[1] or 0.0),
                "verdict": r[2],
                "cluster_id": r[3],
                "first_flagged_at": r[4],
                "reasons": _reasons(r[5]),
                "org_id": r[6],
                "tier": r[7],
                "country": r[8],
            }
            for r in rows
        ]
        return {"items": items, "verdict": verdict, "q": q, "sort": sort, **_pages(total, page)}

    def account(self, account_id: str) -> dict[str, Any] | None:
        """Everything about one account; None when neither the results nor the store know it.

        One scan of ``exchanges`` copies the account's slim columns (row id, time, client
        fields) into a scratch table; the activity and distinct counts come from it, and
        the bodies of the :data:`CAPABILITY_SAMPLE` most recent exchanges are then fetched
        by row id, without a second scan of the store's large text columns.
        """
        res = self._all(
            "SELECT score, verdict, cluster_id, first_flagged_at, reasons, flagged_ts "
            "FROM r_accounts WHERE account_id = ?",
            [account_id],
        )
        # withheld only while still flagged at the end: a lifted provisional throttle
        # withheld an unknown part of what followed it, so none is claimed
        held_from = res[0][5] if res and res[0][1] in ("throttle", "block") else None
        meta = self._all(
            f"SELECT {', '.join(_ACCOUNT_META)} FROM accounts WHERE account_id = ? LIMIT 1",
            [account_id],
        )
        with self._lock:
            # ONE scan of the store: the account's rows, slim, into a scratch table.
            self._all(
                """CREATE OR REPLACE TEMP TABLE _console_acct AS
                SELECT rowid AS rid, ts, ip, key_id, user_agent, client_fingerprint, model
                FROM exchanges WHERE account_id = ?""",
                [account_id],
            )
            try:
                activity = self._all(
                    """SELECT CAST(ts AS DATE), hour(ts), count(*), min(ts), max(ts),
                           count(*) FILTER (WHERE ts >= ?)
                    FROM _console_acct GROUP BY 1, 2""",
                    [held_from],
                )
                distinct = self._all(
                    """SELECT count(DISTINCT ip), count(DISTINCT key_id),
                           count(DISTINCT user_agent), count(DISTINCT client_fingerprint),
                           count(DISTINCT model)
                    FROM _console_acct"""
                )[0]
                recent = self._all(
                    f"""SELECT id, ts, endpoint, model, status, latency_ms, ip, request, response
                    FROM exchanges WHERE rowid IN (
                        SELECT rid FROM _console_acct ORDER BY ts DESC, rid DESC
                        LIMIT {CAPABILITY_SAMPLE})
                    ORDER BY ts DESC, id DESC"""
                )
            finally:
                self._all("DROP TABLE IF EXISTS _console_acct")
        if not res and not meta and not activity:
            return None
        ev = self.results.account_evidence.get(account_id) or {}
        out: dict[str, Any] = {"account_id": account_id}
        if res:
            score, verdict, cid, ff, reasons, _ = res[0]
            out["result"] = {
                "score": float(score or 0.0),
                "verdict": verdict,
                "cluster_id": cid,
                "first_flagged_at": ff,
                "reasons": _reasons(reasons),
                "evidence": list(ev.get("evidence") or []),
            }
        else:
            out["result"] = None
        out["metadata"] = (
            {
                k: (_ts(v) if k == "created_at" else v)
                for k, v in zip(_ACCOUNT_META, meta[0], strict=True)
            }
            if meta
            else None
        )
        hourly = [0] * 24
        daily: dict[str, int] = {}
        for day, hour, n, *_ in activity:
            hourly[int(hour)] += int(n)
            daily[day.isoformat()] = daily.get(day.isoformat(), 0) + int(n)
        total = sum(hourly)
        names = ("ips", "keys", "user_agents", "client_fingerprints", "models")
        out["activity"] = {
            "exchanges": total,
            "first_seen": _ts(min((g[3] for g in activity), default=None)),
            "last_seen": _ts(max((g[4] for g in activity), default=None)),
            "withheld_after_flag": sum(int(g[5]) for g in activity) if held_from else 0,
            "hourly": hourly,
            "daily": [{"day": d, "exchanges": n} for d, n in sorted(daily.items())],
            "distinct": {k: int(v) for k, v in zip(names, distinct, strict=True)},
        }
        out["capabilities"] = _capabilities(recent)
        out["capability_sample"] = len(recent)
        out["recent_exchanges"] = [_shown(r) for r in recent[:RECENT_EXCHANGES]]
        out["live"] = self.state.live(account_id) if self.state is not None else None
        out["audit"] = self.state.audit(target=account_id, limit=20) if self.state else None
        return out

    # -- evaluation and audit -------------------------------------------------------------

    def evaluation(self) -> dict[str, Any] | None:
        return self.results.evaluation

    def audit(self, *, before: int | None = None, target: str = "") -> dict[str, Any] | None:
        """A page of the gateway audit log (newest first); None without a state file."""
        if self.state is None:
            return None
        items = self.state.audit(limit=PAGE_SIZE, before=before, target=target or None)
        more = len(items) == PAGE_SIZE
        return {
            "items": items,
            "target": target,
            "next_before": items[-1]["id"] if more and items else None,
        }
