"""The batch executor: enrichment over the store, then one causal pass, then the results.

1. :func:`enrich_store` enriches every exchange not yet enriched and stores the columns in
   an ``enrichment`` table of the store (computed once; re-runs reuse it).
2. :func:`detect_store` walks ``exchanges JOIN enrichment`` in ``(ts, id)`` order, feeding
   accounts into the :class:`~distillguard.detect.engine.Engine` at their sign-up time
   (accounts without ``created_at`` at their first exchange). The engine is the same object
   the live executor runs, so batch and live decisions are identical by construction.
3. :func:`write_results` writes ``accounts.csv``, ``clusters.csv`` (spec section 3) and
   ``evidence.jsonl`` (why each flagged account and cluster was flagged).
"""

from __future__ import annotations

import contextlib
import csv
import math
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from distillguard._progress import progress
from distillguard._types import Verdict
from distillguard.detect.engine import AccountInfo, Engine, cluster_name
from distillguard.detect.enrich import ENRICH_VERSION, Enriched, tag_names
from distillguard.detect.fast_enrich import Enricher, enrich_ipc, to_ipc
from distillguard.detect.policy import Policy
from distillguard.detect.scoring import describe
from distillguard.errors import InputError, StoreError
from distillguard.exchange import format_ts

__all__ = [
    "ACCOUNT_COLUMNS",
    "CLUSTER_COLUMNS",
    "Detection",
    "detect_store",
    "enrich_store",
    "write_results",
]

ACCOUNT_COLUMNS = ("account_id", "score", "verdict", "cluster_id", "first_flagged_at", "reasons")
CLUSTER_COLUMNS = ("cluster_id", "n_accounts", "n_exchanges", "score", "verdict", "reasons")

# No key on ``id``: rows are only ever added for ids the ANTI JOIN finds missing (exchange
# ids are unique in the store), and an index over every id would cost ~3x the table's disk
# and the insert's CPU at millions of rows, for joins that are hash joins anyway.
_ENRICH_SQL = """
CREATE TABLE IF NOT EXISTS enrichment (
    id VARCHAR, tags INTEGER, prefix_key BIGINT, suffix_key BIGINT,
    dup_key BIGINT, sys_key BIGINT, sys_sim BIGINT, tools_key BIGINT, max_tokens INTEGER,
    probe BOOLEAN, truncated BOOLEAN, depth INTEGER, out_chars INTEGER, bias_key BIGINT,
    sys_tags INTEGER
)
"""
_FIELDS = Enriched._fields
_BATCH = 50_000
_PART = 5_000  # rows per worker task: small enough to keep every core busy to the end
_PARALLEL_MIN = 20_000  # fewer rows are enriched in this process (no pool start-up)
_AHEAD = 3  # read batches in flight: workers compute while this process reads and inserts


def _workers() -> int:
    env = os.environ.get("DISTILLGUARD_WORKERS")
    return max(1, int(env)) if env and env.isdigit() else max(1, min(4, os.cpu_count() or 1))


def _check_version(con: duckdb.DuckDBPyConnection) -> None:
    """Drop an ``enrichment`` table computed by another version of :func:`enrich`.

    Enrichment is stored once and reused; when the taggers or keys change (a new
    :data:`~distillguard.detect.enrich.ENRICH_VERSION`), reusing old rows would mix two
    definitions of the same feature, so they are recomputed instead.
    """
    con.execute("CREATE TABLE IF NOT EXISTS enrichment_version (version INTEGER)")
    stored = con.execute("SELECT max(version) FROM enrichment_version").fetchall()[0][0]
    if stored == ENRICH_VERSION:
        return
    con.execute("DROP TABLE IF EXISTS enrichment")
    con.execute("DELETE FROM enrichment_version")
    con.execute("INSERT INTO enrichment_version VALUES (?)", [ENRICH_VERSION])


def enrich_store(con: duckdb.DuckDBPyConnection, *, show_progress: bool = True) -> int:
    """Enrich the exchanges that have no ``enrichment`` row yet; return how many.

    Rows are read in Arrow batches and enriched by :class:`~distillguard.detect.fast_enrich.
    Enricher` (the values :func:`~distillguard.detect.enrich.enrich` gives), on every core
    for big inputs: worker processes get and return Arrow IPC bytes, and several batches are
    in flight so that reading and inserting here overlap the workers' enrichment. Each
    batch's columns go into the ``enrichment`` table in one insert, in read order.
    """
    try:
        _check_version(con)
        con.execute(_ENRICH_SQL)
        todo = con.execute(
            "SELECT count(*) FROM exchanges x ANTI JOIN enrichment e ON x.id = e.id"
        ).fetchall()[0][0]
    except duckdb.Error as exc:
        raise StoreError(f"cannot prepare enrichment: {str(exc).splitlines()[0]}") from None
    if not todo:
        return 0
    cur = con.cursor()
    reader = cur.sql(
        "SELECT x.id, x.endpoint, x.request, x.response FROM exchanges x "
        "ANTI JOIN enrichment e ON x.id = e.id"
    ).to_arrow_reader(_BATCH)
    workers = _workers() if todo >= _PARALLEL_MIN else 1
    pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn")) if workers > 1 else None
    local = Enricher() if pool is None else None
    pending: deque[tuple[pa.Array, list[Future[bytes]]]] = deque()

    def insert(ids: pa.Array, table: pa.Table) -> None:
        chunk = table.add_column(0, "id", ids)  # noqa: F841 - read by DuckDB below
        con.execute("INSERT INTO enrichment SELECT * FROM chunk")
        bar.update(len(ids))

    def drain(keep: int) -> None:
        while len(pending) > keep:
            ids, futures = pending.popleft()
            parts = [pa.ipc.open_stream(f.result()).read_all() for f in futures]
            insert(ids, pa.concat_tables(parts))

    try:
        with _bar(show_progress, total=todo, desc="enrich") as bar:
            for batch in reader:
                rows = batch.select(["endpoint", "request", "response"])
                if local is not None:
                    table = local.table(
                        rows.column(0).to_pylist(),
                        rows.column(1).to_pylist(),
                        rows.column(2).to_pylist(),
                    )
                    insert(batch.column(0), table)
                    continue
                futures = [
                    pool.submit(enrich_ipc, to_ipc(rows.slice(i, _PART)))  # type: ignore[union-attr]
                    for i in range(0, rows.num_rows, _PART)
                ]
                pending.append((batch.column(0), futures))
                drain(_AHEAD)
            drain(0)
    finally:
        cur.close()
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return todo


@dataclass
class Detection:
    """The outcome of a batch run: the final engine state and what the log contained."""

    engine: Engine
    seen: dict[str, int]  # account -> exchanges in the log
    n_exchanges: int


def _accounts(con: duckdb.DuckDBPyConnection) -> list[AccountInfo]:
    rows = con.execute(
        "SELECT account_id, epoch_us(created_at) / 1e6, tier, verified, payment_fingerprint, "
        "signup_ip, email_domain, org_id FROM accounts ORDER BY created_at NULLS LAST, account_id"
    ).fetchall()
    return [AccountInfo(*r) for r in rows]


def detect_store(
    con: duckdb.DuckDBPyConnection,
    policy: Policy | None = None,
    *,
    show_progress: bool = True,
    engine: Engine | None = None,
) -> Detection:
    """Enrich (if needed) and run the causal pass over the whole store."""
    enrich_store(con, show_progress=show_progress)
    engine = engine or Engine(policy)
    infos = _accounts(con)
    timed = [a for a in infos if a.created_ts is not None]
    untimed = {a.account_id: a for a in infos if a.created_ts is None}
    total = con.execute("SELECT count(*) FROM exchanges").fetchall()[0][0]
    reader = con.sql(
        "SELECT epoch_us(x.ts) / 1e6 AS t, x.account_id, x.ip, x.client_fingerprint, x.user_agent, "
        "x.model, "
        + ", ".join(f"e.{f}" for f in _FIELDS)
        + " FROM exchanges x JOIN enrichment e ON x.id = e.id ORDER BY x.ts, x.id"
    ).to_arrow_reader(_BATCH)
    seen: dict[str, int] = {}
    next_acct = 0
    inf = float("inf")
    next_signup = timed[0].created_ts if timed else inf
    observe = engine.observe
    with _bar(show_progress, total=total, desc="detect") as bar:
        for batch in reader:
            cols = batch.to_pydict()
            rows = zip(
                cols["t"],
                cols["account_id"],
                cols["ip"],
                cols["client_fingerprint"],
                cols["user_agent"],
                cols["model"],
                map(Enriched, *(cols[f] for f in _FIELDS)),
                strict=True,
            )
            for t, a, ip, cfp, ua, model, e in rows:
                if next_signup <= t:  # accounts join at their sign-up time
                    while next_acct < len(timed) and timed[next_acct].created_ts <= t:  # type: ignore[operator]
                        engine.observe_account(timed[next_acct])
                        next_acct += 1
                    next_signup = timed[next_acct].created_ts if next_acct < len(timed) else inf
                count = seen.get(a)
                if count is None:
                    count = 0
                    if a in untimed and a not in engine.accounts:
                        engine.observe_account(untimed[a])
                seen[a] = count + 1
                observe(t, a, e, ip=ip, client_fingerprint=cfp, model=model, user_agent=ua)
            bar.update(batch.num_rows)
    return Detection(engine=engine, seen=seen, n_exchanges=total)


def _bar(show: bool, *, total: int, desc: str) -> Any:
    if show:
        return progress(total=total, desc=desc, unit="ex")
    return contextlib.nullcontext(_NoBar())


class _NoBar:
    def update(self, n: int) -> None:
        pass


def _ts(t: float | None) -> str:
    return "" if t is None else format_ts(datetime.fromtimestamp(t, UTC))


def write_results(det: Detection, out_dir: str | Path) -> dict[str, Path]:
    """Write ``accounts.csv``, ``clusters.csv`` and ``evidence.jsonl`` into ``out_dir``."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create output folder {out}: {exc.strerror}") from None
    eng = det.engine
    cid_of: dict[str, str] = {}
    crows = []
    evidence: list[dict[str, Any]] = []
    for cluster in eng.clusters.values():
        if len(cluster.members) < 2:
            continue
        cid = cluster_name(cluster.members)
        for m in cluster.members:
            cid_of[m] = cid
        a = cluster.assessment
        score = a.score if a is not None else 0.0
        verdict = (
            eng._verdict(score)
            if cluster.convicted
            else min(eng._verdict(score), Verdict.WATCH, key=lambda v: v.rank)
        )
        reasons = a.reasons if a is not None else []
        crows.append(
            (
                cid,
                len(cluster.members),
                cluster.stats.n,
                f"{score:.4f}",
                verdict.value,
                ";".join(reasons),
            )
        )
        if cluster.convicted:
            members = set(cluster.members)
            shared = sorted(eng.linker.shared(members), key=lambda x: -x[2])[:5]
            lines = [f"{k} accounts share {kind} {str(v)[:12]}…" for kind, v, k in shared]
            evidence.append(
                {
                    "kind": "cluster",
                    "cluster_id": cid,
                    "n_accounts": len(members),
                    "n_exchanges": cluster.stats.n,
                    "verdict": verdict.value,
                    "score": round(score, 4),
                    "reasons": reasons,
                    "links": lines,
                    "evidence": describe(reasons, a.profile) if a is not None else [],
                    "top_tags": _top_tags(cluster.stats.n_tag, cluster.stats.n),
                }
            )
    rows = []
    for account_id in sorted(det.seen):
        acct = eng.accounts[account_id]
        rows.append(
            (
                account_id,
                f"{acct.score:.4f}",
                acct.verdict.value,
                cid_of.get(account_id, ""),
                _ts(acct.flagged_ts),
                ";".join(acct.reasons),
            )
        )
        if acct.flagged_ts is not None:
            evidence.append(
                {
                    "kind": "account",
                    "account_id": account_id,
                    "verdict": acct.verdict.value,
                    "score": round(acct.score, 4),
                    "first_flagged_at": _ts(acct.flagged_ts),
                    "cluster_id": cid_of.get(account_id) or None,
                    "reasons": acct.reasons,
                    "evidence": account_evidence(eng, account_id),
                    "n_exchanges": det.seen[account_id],
                }
            )
    paths = {
        "accounts": out / "accounts.csv",
        "clusters": out / "clusters.csv",
        "evidence": out / "evidence.jsonl",
    }
    with paths["accounts"].open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(ACCOUNT_COLUMNS)
        w.writerows(rows)
    with paths["clusters"].open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CLUSTER_COLUMNS)
        w.writerows(sorted(crows))
    with paths["evidence"].open("wb") as fh:
        for item in evidence:
            fh.write(orjson.dumps(item) + b"\n")
    return paths


def account_evidence(eng: Engine, account_id: str) -> list[str]:
    """Evidence lines for one account's verdict, each saying whose figures it quotes.

    An account convicted with its cluster carries the cluster's reason codes; the figures
    behind them are the cluster core's, so they are quoted as such, followed by what ties
    the account to it and by the account's own figures (once it has enough traffic).
    """
    acct = eng.accounts[account_id]
    if not acct.verdict.at_least(Verdict.THROTTLE):
        return [
            "throttled provisionally beside a convicted cluster (on its sign-up burst or its "
            "odds of belonging to the cluster core); released once its own requests read "
            "unlike the cluster core"
        ]
    own = acct.own.profile if acct.own is not None else None
    reasons = [r for r in acct.reasons if r not in ("cluster", "burst_signup", "member_odds")]
    if "cluster" not in acct.reasons:
        return describe(reasons, own) if own is not None else []
    cluster = eng.clusters.get(eng.linker.find(account_id))
    lines = []
    if cluster is not None and cluster.assessment is not None:
        lines.append(f"convicted with a cluster of {len(cluster.members)} linked accounts")
        lines += cluster_evidence(cluster, reasons)
    if "burst_signup" in acct.reasons:
        lines.append(
            f"signed up with {acct.burst} other accounts from the same subnet within minutes "
            "(provisional: lifted if its own requests read unlike the cluster core)"
        )
    if "member_odds" in acct.reasons and cluster is not None:
        parts = eng.member_odds_parts(acct, cluster)
        if parts is not None:
            odds = sum(parts.values())
            terms = ", ".join(f"{name} {value:+.1f}" for name, value in parts.items())
            ratio = math.exp(min(odds, 50.0))
            lines.append(
                f"posterior odds of belonging to the cluster core {ratio:,.0f}:1 "
                f"(log odds {odds:.1f} = {terms}; provisional: lifted if its later requests "
                "lower them)"
            )
    if acct.info.created_ts is not None and acct.stats.n:
        days = (acct.stats.first_ts - acct.info.created_ts) / 86400.0
        lines.append(f"first used {days:.1f} days after sign-up")
    if own is not None:
        lines += [f"this account: {t}" for t in describe(reasons, own)]
    else:
        lines.append(f"this account: {acct.stats.n} exchanges, too few to profile on its own")
    return lines


def cluster_evidence(cluster: Any, reasons: list[str]) -> list[str]:
    """The cluster core's figures behind ``reasons``, and what its pattern is made of.

    A core's "template" share counts every exchange that follows the cluster's pattern,
    which is wider than wording: it says so, and names the pattern's parts.
    """
    prof = cluster.assessment.profile
    lines = []
    for code in reasons:
        texts = describe([code], prof)
        if code == "template":
            texts = [f"{prof.get('template', 0.0):.0%} of exchanges follow the cluster pattern"]
        lines += [f"cluster core: {t}" for t in texts]
    if cluster.pattern is not None:
        heavy, mode, cards, young, _ = cluster.pattern
        parts = []
        if heavy[0] or heavy[1]:
            parts.append(f"{len(heavy[0]) + len(heavy[1])} template sentences shared by members")
        if mode:
            parts.append(f"{mode} dominating the traffic of the whole cluster")
        if cards:
            parts.append(f"{len(cards)} payment cards each paying for several organisations")
        if young:
            parts.append(f"{len(young)} accounts put to work within days of sign-up")
        if parts:
            lines.append("cluster pattern: " + "; ".join(parts))
    return lines


def _top_tags(n_tag: list[int], n: int) -> dict[str, float]:
    names = tag_names((1 << len(n_tag)) - 1)
    return {name: round(c / max(n, 1), 3) for name, c in zip(names, n_tag, strict=True) if c}
