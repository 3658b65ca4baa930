"""Forensic case reports: one cluster or account, with the evidence a legal team can follow.

:func:`build_report` gathers everything the product knows about a case — detect's result
files, the store's ``exchanges`` / ``accounts`` / ``enrichment`` tables, the gateway
state's verdicts, overrides and audit log, a watermark ``trace --json`` attribution — into a
:class:`~distillguard.forensics._doc.Document`; :func:`write_report` renders it as Markdown
or self-contained HTML.

Every figure taken from the store comes from a SQL query that reads the case's accounts
straight from ``accounts.csv`` (``read_csv``), and the report prints each query in its
chain-of-custody section beside the SHA-256 of every input file: anyone holding the same
files can re-run the query in DuckDB and get the same number. Apart from the line that
says when it was generated, the report is a function of its inputs only.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import orjson

from distillguard import __version__
from distillguard.detect.enrich import TAGS
from distillguard.errors import ConfigError, InputError, StoreError
from distillguard.exchange import prompt_messages
from distillguard.forensics._doc import Document, Section, render_html, render_markdown
from distillguard.forensics._inputs import (
    Results,
    read_results,
    read_state,
    read_trace,
    sha256_file,
    sql_str,
)
from distillguard.store import Store

__all__ = ["ReportInputs", "build_report", "write_report"]

#: Characters of a sample prompt shown in a report.
SAMPLE_CHARS = 280
#: How many sample prompts a report shows.
N_SAMPLES = 5
#: Rows shown per linking-attribute table.
TOP_VALUES = 10

_ACCOUNT_ATTRS = (
    ("payment_fingerprint", "payment fingerprint"),
    ("org_id", "organisation"),
    ("email_domain", "e-mail domain"),
    ("signup_ip", "sign-up IP"),
)
_EXCHANGE_ATTRS = (
    ("ip", "egress IP"),
    ("client_fingerprint", "client fingerprint"),
)  # user agents: too common to count per value at scale, and weaker than fingerprints
_ENRICH_ATTRS = (
    ("prefix_key", "prompt template (first sentence)"),
    ("suffix_key", "prompt template (last sentence)"),
    ("sys_key", "system prompt (exact hash)"),
)


@dataclass
class ReportInputs:
    """What a report is made from (paths as the user gave them)."""

    db: Path
    results: Path
    cluster: str | None = None
    account: str | None = None
    state: Path | None = None
    trace: Path | None = None
    argv: Sequence[str] = field(default_factory=list)


class _Queries:
    """Runs the report's SQL and remembers each statement for the custody section."""

    def __init__(self, con: duckdb.DuckDBPyConnection, members_cte: str) -> None:
        self.con = con
        self.cte = members_cte
        self.log: list[tuple[str, str]] = []

    def __call__(self, figure: str, body: str) -> list[tuple[Any, ...]]:
        sql = f"WITH {self.cte}\n{body.strip()}"
        self.log.append((figure, sql))
        try:
            return self.con.execute(sql).fetchall()
        except duckdb.Error as exc:
            msg = str(exc).splitlines()[0]
            raise StoreError(f"query for '{figure}' failed: {msg}") from None


def _fmt_ts(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
    return str(value)


def _pct(part: float, whole: float) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "n/a"


def _hex(key: Any) -> str:
    return f"{int(key) & 0xFFFFFFFFFFFFFFFF:016x}" if key is not None else ""


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()
    return bool(row and row[0])


def _case_members(res: Results, cluster: str | None, account: str | None) -> tuple[str, list[str]]:
    if (cluster is None) == (account is None):
        raise ConfigError("give exactly one of --cluster or --account")
    if cluster is not None:
        members = res.members(cluster)
        if not members:
            raise InputError(f"cluster {cluster!r} is not in {res.dir / 'accounts.csv'}")
        return f"cluster_id = {sql_str(cluster)}", members
    assert account is not None
    if account not in res.accounts:
        raise InputError(f"account {account!r} is not in {res.dir / 'accounts.csv'}")
    return f"account_id = {sql_str(account)}", [account]


def build_report(inp: ReportInputs, *, now: datetime | None = None) -> Document:
    """Gather a case's evidence into a document (see the module docstring)."""
    res = read_results(inp.results)
    where, members = _case_members(res, inp.cluster, inp.account)
    state = read_state(inp.state, set(members)) if inp.state is not None else None
    trace = read_trace(inp.trace) if inp.trace is not None else None
    accounts_csv = (res.dir / "accounts.csv").resolve()
    cte = (
        "m AS (SELECT account_id, verdict, CAST(score AS DOUBLE) AS score,\n"
        "      CAST(nullif(first_flagged_at, '') AS TIMESTAMP) AS ff,\n"
        # withheld = sent after the first flag by an account still flagged at the end (a
        # provisional throttle that was lifted withheld an unknown part: none is claimed)
        "      CASE WHEN verdict IN ('throttle', 'block')\n"
        "           THEN CAST(nullif(first_flagged_at, '') AS TIMESTAMP) END AS held\n"
        f"    FROM read_csv({sql_str(accounts_csv)}, all_varchar = true, header = true,"
        " delim = ',')\n"
        f"    WHERE {where})"
    )
    with Store(inp.db, read_only=True) as store:
        q = _Queries(store.con, cte)
        enriched = _has_table(store.con, "enrichment")
        doc = _compose(inp, res, members, q, enriched, state, trace)
    _custody(doc, inp, res, q, now or datetime.now(UTC))
    return doc


def _compose(
    inp: ReportInputs,
    res: Results,
    members: list[str],
    q: _Queries,
    enriched: bool,
    state: dict[str, list[Any]] | None,
    trace: dict[str, Any] | None,
) -> Document:
    if inp.cluster is not None:
        row = res.clusters.get(inp.cluster, {})
        ev = res.cluster_evidence(inp.cluster) or {}
        title = f"DistillGuard case report: cluster {inp.cluster}"
    else:
        assert inp.account is not None
        row = res.accounts[inp.account]
        ev = res.account_evidence(inp.account) or {}
        title = f"DistillGuard case report: account {inp.account}"
    doc = Document(title)
    doc.section("Confidentiality").p(
        "CONFIDENTIAL. This report quotes customer prompts and account metadata. Share it only "
        "with people entitled to see customer data; the STIX export "
        "('distillguard intel export') is the form meant for other providers."
    )
    n, n_acc, first_ts, last_ts, withheld = q(
        "totals",
        """SELECT count(*), count(DISTINCT x.account_id), min(x.ts), max(x.ts),
       count(*) FILTER (WHERE m.held IS NOT NULL AND x.ts >= m.held)
FROM exchanges x JOIN m ON m.account_id = x.account_id""",
    )[0]
    flagged = [
        (res.accounts[a]["first_flagged_at"], a)
        for a in members
        if res.accounts[a].get("first_flagged_at")
    ]
    flagged.sort()
    _summary(doc, inp, row, ev, members, n, n_acc, first_ts, last_ts, withheld, flagged, res)
    _accounts_table(doc, q)
    _linking(doc, q, ev, enriched, 2 if len(members) > 1 else 1)
    if enriched:
        _behaviour(doc, q, ev, n)
    else:
        doc.section("Behavioural evidence").p(
            "The store has no enrichment table (detect was not run on this store), so the "
            "behavioural figures are not available; run 'distillguard detect --db FILE'."
        )
    _timing(doc, q)
    _timeline(doc, q, flagged)
    _enforcement(doc, state, inp.state)
    _watermark(doc, trace, set(members))
    _samples(doc, q)
    return doc


def _summary(
    doc: Document,
    inp: ReportInputs,
    row: dict[str, str],
    ev: dict[str, Any],
    members: list[str],
    n: int,
    n_acc: int,
    first_ts: Any,
    last_ts: Any,
    withheld: int,
    flagged: list[tuple[str, str]],
    res: Results,
) -> None:
    sec = doc.section("Summary")
    verdict = row.get("verdict", "") or "(not in clusters.csv)"
    score = row.get("score", "")
    convicted = [a for a in members if res.accounts[a]["verdict"] in ("throttle", "block")]
    subject = f"cluster {inp.cluster}" if inp.cluster else f"account {inp.account}"
    sec.table(
        ["item", "value"],
        [
            ["subject", subject],
            ["detector verdict", f"{verdict} (score {score})"],
            ["reason codes", (row.get("reasons") or "").replace(";", ", ")],
            ["accounts in the case", len(members)],
            ["accounts convicted (throttle or block)", len(convicted)],
            ["strongest account verdict", _strongest(res, members)],
            ["accounts with exchanges in the store", n_acc],
            ["exchanges in the store", n],
            ["exchanges counted by detect", row.get("n_exchanges") or ev.get("n_exchanges", "")],
            ["first exchange", _fmt_ts(first_ts)],
            ["last exchange", _fmt_ts(last_ts)],
            ["first flagged", flagged[0][0] if flagged else "never"],
            [
                "withheld (sent at or after the sender's first flag)",
                f"{withheld} of {n} ({_pct(withheld, n)})",
            ],
        ],
    )
    if inp.account and res.accounts[inp.account].get("cluster_id"):
        sec.p(f"The account belongs to cluster {res.accounts[inp.account]['cluster_id']}.")
    sec.p(
        "Detection is causal: each flag used only traffic up to its own moment, so the "
        "withheld exchanges are the ones a live gateway would have refused or slowed."
    )
    if ev.get("evidence"):
        sec.p("The detector's own evidence sentences:")
        sec.bullets([str(s) for s in ev["evidence"]])


def _strongest(res: Results, members: list[str]) -> str:
    rank = {"allow": 0, "watch": 1, "throttle": 2, "block": 3}
    best = max(members, key=lambda a: (rank.get(res.accounts[a]["verdict"], -1), a))
    row = res.accounts[best]
    return f"{row['verdict']} (score {row['score']})"


def _accounts_table(doc: Document, q: _Queries) -> None:
    rows = q(
        "accounts",
        """SELECT m.account_id, a.created_at, a.tier, a.org_id, m.verdict, m.score, m.ff,
       count(x.id), count(x.id) FILTER (WHERE m.held IS NOT NULL AND x.ts >= m.held)
FROM m LEFT JOIN accounts a ON a.account_id = m.account_id
       LEFT JOIN exchanges x ON x.account_id = m.account_id
GROUP BY ALL ORDER BY m.ff NULLS LAST, m.account_id""",
    )
    sec = doc.section("Accounts")
    sec.p(
        "Accounts at allow or watch are linked to the case (shared attributes) but were not "
        "convicted: they are listed for context and are not accused."
    )
    sec.table(
        [
            "account",
            "created",
            "tier",
            "org",
            "verdict",
            "score",
            "first flagged",
            "exchanges",
            "withheld",
        ],
        [
            [r[0], _fmt_ts(r[1]), r[2], r[3], r[4], f"{r[5]:.4f}", _fmt_ts(r[6]), r[7], r[8]]
            for r in rows
        ],
    )


def _shared_table(sec: Section, label: str, rows: list[tuple[Any, ...]], fmt: Any = str) -> None:
    if not rows:
        return
    sec.p(f"Shared {label} values:")
    sec.table(
        [label, "accounts in case", "other accounts", "case exchanges"],
        [[fmt(r[0]), r[1], r[2], r[3]] for r in rows],
    )


def _linking(
    doc: Document, q: _Queries, ev: dict[str, Any], enriched: bool, min_members: int
) -> None:
    sec = doc.section("Linking evidence")
    sec.p(
        "Values the case's accounts have in common, with how many accounts outside the case "
        "carry the same value (a value many outsiders share, such as a popular SDK's "
        "fingerprint or a big NAT, is weak evidence)."
    )
    if ev.get("links"):
        sec.p("Links the detector used:")
        sec.bullets([str(s) for s in ev["links"]])
    for col, label in _ACCOUNT_ATTRS:
        rows = q(
            f"shared {label}",
            f"""SELECT a.{col}, count(*) FILTER (WHERE m.account_id IS NOT NULL) AS members,
       count(*) FILTER (WHERE m.account_id IS NULL) AS others, NULL
FROM accounts a LEFT JOIN m ON m.account_id = a.account_id
WHERE a.{col} IN (SELECT a2.{col} FROM accounts a2 JOIN m ON m.account_id = a2.account_id)
GROUP BY 1 HAVING count(*) >= 2 AND members >= {min_members}
ORDER BY members DESC, others, 1 LIMIT {TOP_VALUES}""",
        )
        _shared_table(sec, label, rows)
    burst = q(
        "sign-up bursts",
        """SELECT regexp_extract(a.signup_ip, '^(\\d+\\.\\d+\\.\\d+)\\.', 1) || '.0/24' AS net,
       date_trunc('hour', a.created_at) AS hr, count(*) AS members
FROM accounts a JOIN m ON m.account_id = a.account_id
WHERE a.signup_ip LIKE '%.%.%.%' AND a.created_at IS NOT NULL
GROUP BY 1, 2 HAVING count(*) >= 2 ORDER BY members DESC, hr, net LIMIT 10""",
    )
    if burst:
        sec.p("Sign-up bursts (accounts created from one /24 within one hour):")
        sec.table(
            ["sign-up subnet", "hour", "accounts in case"],
            [[r[0], _fmt_ts(r[1]), r[2]] for r in burst],
        )
    for col, label in _EXCHANGE_ATTRS:
        rows = q(
            f"shared {label}",
            f"""SELECT x.{col}, count(DISTINCT x.account_id) FILTER (WHERE m.account_id IS NOT NULL)
           AS members,
       count(DISTINCT x.account_id) FILTER (WHERE m.account_id IS NULL) AS others,
       count(*) FILTER (WHERE m.account_id IS NOT NULL) AS case_exchanges
FROM exchanges x LEFT JOIN m ON m.account_id = x.account_id
WHERE x.{col} IN (SELECT x2.{col} FROM exchanges x2 JOIN m ON m.account_id = x2.account_id)
GROUP BY 1 HAVING count(DISTINCT x.account_id) >= 2 AND members >= {min_members}
ORDER BY members DESC, case_exchanges DESC, 1 LIMIT {TOP_VALUES}""",
        )
        _shared_table(sec, label, rows)
    if not enriched:
        return
    for col, label in _ENRICH_ATTRS:
        rows = q(
            f"shared {label}",
            f"""SELECT e.{col}, count(DISTINCT x.account_id) FILTER (WHERE m.account_id IS NOT NULL)
           AS members,
       count(DISTINCT x.account_id) FILTER (WHERE m.account_id IS NULL) AS others,
       count(*) FILTER (WHERE m.account_id IS NOT NULL) AS case_exchanges
FROM exchanges x JOIN enrichment e ON e.id = x.id LEFT JOIN m ON m.account_id = x.account_id
WHERE e.{col} <> 0 AND e.{col} IN (SELECT e2.{col} FROM exchanges x2
      JOIN enrichment e2 ON e2.id = x2.id JOIN m ON m.account_id = x2.account_id)
GROUP BY 1 HAVING count(DISTINCT x.account_id) >= 2 AND members >= {min_members}
ORDER BY members DESC, case_exchanges DESC, 1 LIMIT 5""",
        )
        _shared_table(sec, label, rows, _hex)


def _behaviour(doc: Document, q: _Queries, ev: dict[str, Any], n: int) -> None:
    sec = doc.section("Behavioural evidence")
    tag_cols = ",\n       ".join(
        f"count(*) FILTER (WHERE e.tags & {1 << i} <> 0)" for i in range(len(TAGS))
    )
    row = q(
        "capability mix and request shape",
        f"""SELECT count(*),
       {tag_cols},
       count(*) FILTER (WHERE e.max_tokens >= 4000 OR e.truncated),
       count(*) FILTER (WHERE e.probe),
       count(*) FILTER (WHERE e.depth <= 2),
       avg(e.out_chars)
FROM exchanges x JOIN m ON m.account_id = x.account_id JOIN enrichment e ON e.id = x.id""",
    )[0]
    total = row[0]
    tags = row[1 : 1 + len(TAGS)]
    sat, probe, single, out_chars = row[1 + len(TAGS) :]
    sec.p(f"Over the case's {total} enriched exchanges (of {n} stored):")
    sec.table(
        ["capability (tag)", "exchanges", "share"],
        [[name, c, _pct(c, total)] for name, c in zip(TAGS, tags, strict=True)],
    )
    top = q(
        "template concentration",
        """SELECT e.prefix_key, count(*) AS n FROM exchanges x
JOIN m ON m.account_id = x.account_id JOIN enrichment e ON e.id = x.id
GROUP BY 1 ORDER BY n DESC, 1 LIMIT 1""",
    )
    top_share = _pct(top[0][1], total) if top else "n/a"
    sec.table(
        ["request shape", "value"],
        [
            ["chain-of-thought elicitation share", _pct(tags[TAGS.index("cot")], total)],
            ["top prompt template share", top_share],
            ["max_tokens at the limit or truncated", _pct(sat, total)],
            ["logprob / logit-bias probes", _pct(probe, total)],
            ["single-turn (at most 2 messages)", _pct(single, total)],
            ["mean response length (chars)", f"{out_chars:.0f}" if out_chars else "n/a"],
        ],
    )
    models = q(
        "models",
        """SELECT coalesce(x.model, '(none)'), count(*), min(x.ts), max(x.ts)
FROM exchanges x JOIN m ON m.account_id = x.account_id GROUP BY 1 ORDER BY 2 DESC, 1""",
    )
    sec.p("Models asked for (a switch to a newly released model shows here):")
    sec.table(
        ["model", "exchanges", "first", "last"],
        [[r[0], r[1], _fmt_ts(r[2]), _fmt_ts(r[3])] for r in models],
    )
    if ev.get("top_tags"):
        sec.p(
            "Detector's capability mix: "
            + ", ".join(f"{k} {float(v):.0%}" for k, v in sorted(ev["top_tags"].items()))
        )


def _timing(doc: Document, q: _Queries) -> None:
    sec = doc.section("Timing")
    gap = q(
        "inter-arrival gaps",
        """SELECT count(g), median(g), avg(g), stddev_pop(g) FROM (
  SELECT epoch(x.ts) - epoch(lag(x.ts) OVER (PARTITION BY x.account_id ORDER BY x.ts, x.id)) AS g
  FROM exchanges x JOIN m ON m.account_id = x.account_id) WHERE g IS NOT NULL""",
    )[0]
    hours = dict(
        q(
            "hour of day",
            """SELECT hour(x.ts), count(*) FROM exchanges x JOIN m ON m.account_id = x.account_id
GROUP BY 1 ORDER BY 1""",
        )
    )
    active = sum(1 for h in range(24) if hours.get(h))
    cv = (gap[3] / gap[2]) if gap[0] and gap[2] else None
    sec.table(
        ["timing", "value"],
        [
            ["gaps between one account's consecutive exchanges", gap[0]],
            ["median gap (s)", f"{gap[1]:.1f}" if gap[1] is not None else "n/a"],
            ["coefficient of variation of gaps", f"{cv:.2f}" if cv is not None else "n/a"],
            ["hours of the day with traffic (UTC)", f"{active} of 24"],
        ],
    )
    peak = max(hours.values(), default=0)
    sec.table(
        ["hour (UTC)", "exchanges", ""],
        [
            [f"{h:02d}", hours.get(h, 0), "█" * round(30 * hours.get(h, 0) / peak) if peak else ""]
            for h in range(24)
        ],
    )


def _timeline(doc: Document, q: _Queries, flagged: list[tuple[str, str]]) -> None:
    sec = doc.section("Timeline")
    days = q(
        "per-day volume",
        """SELECT CAST(x.ts AS DATE) AS d, count(*), count(DISTINCT x.account_id),
       count(*) FILTER (WHERE m.held IS NOT NULL AND x.ts >= m.held)
FROM exchanges x JOIN m ON m.account_id = x.account_id GROUP BY 1 ORDER BY 1""",
    )
    flags_per_day: dict[str, int] = {}
    for ts, _ in flagged:
        flags_per_day[ts[:10]] = flags_per_day.get(ts[:10], 0) + 1
    sec.table(
        ["day (UTC)", "exchanges", "active accounts", "withheld", "accounts first flagged"],
        [[str(r[0]), r[1], r[2], r[3], flags_per_day.get(str(r[0]), 0)] for r in days],
    )
    if flagged:
        sec.p("First-flag moments:")
        sec.table(["first flagged at", "account"], [[ts, a] for ts, a in flagged])


def _enforcement(doc: Document, state: dict[str, list[Any]] | None, path: Path | None) -> None:
    sec = doc.section("Enforcement actions")
    if state is None:
        sec.p("No gateway state file given (--state), so enforcement is not shown.")
        return
    sec.p(f"From the gateway state file {path} (opened read-only).")
    if state["verdicts"]:
        sec.p("Verdicts published to the gateway:")
        sec.table(
            ["account", "verdict", "score", "source", "updated"],
            [[r[0], r[1], f"{float(r[2]):.4f}", r[3], r[4]] for r in state["verdicts"]],
        )
    if state["overrides"]:
        sec.p("Manual overrides in force:")
        sec.table(["account", "verdict", "reason", "actor", "set at"], state["overrides"])
    if state["audit"]:
        sec.p("Audit log entries about the case's accounts and their keys:")
        sec.table(["#", "time", "actor", "action", "target", "detail"], state["audit"])
    if not (state["verdicts"] or state["overrides"] or state["audit"]):
        sec.p("The gateway state holds no verdict, override or audit entry for these accounts.")


def _watermark(doc: Document, trace: dict[str, Any] | None, members: set[str]) -> None:
    sec = doc.section("Watermark attribution")
    if trace is None:
        sec.p("No watermark trace given (--trace), so attribution is not shown.")
        return
    attributed = [a for a in trace.get("attributed", []) if isinstance(a, str)]
    hits = sorted(set(attributed) & members)
    sec.p(
        f"'distillguard trace' tested {trace.get('n_keys_tested', '?')} account keys over "
        f"{trace.get('n_passages', '?')} passages ({trace.get('scheme', '?')} scheme, "
        f"{trace.get('correction', '?')} correction, alpha {trace.get('alpha', '?')}). "
        f"{len(attributed)} key(s) attributed, {len(hits)} of them belong to this case"
        + (": " + ", ".join(hits) if hits else ".")
    )
    rows = [r for r in trace["ranked"] if isinstance(r, dict) and r.get("account_id") in members]
    if rows:
        sec.table(
            ["account", "key", "matches", "expected", "log10 p", "log10 p corrected"],
            [
                [
                    r.get("account_id"),
                    r.get("key_id"),
                    r.get("score"),
                    r.get("expected"),
                    r.get("log10_p"),
                    r.get("log10_p_corrected"),
                ]
                for r in rows
            ],
        )


def _prompt_text(endpoint: str | None, request: str) -> str:
    try:
        body = orjson.loads(request)
        msgs = prompt_messages(endpoint or "chat.completions", body)
    except Exception:  # a sample is best effort
        return "(request body could not be read)"
    users = [t for r, t in msgs if r == "user"] or [t for _, t in msgs]
    text = " ".join((users[-1] if users else "").split())
    return text if len(text) <= SAMPLE_CHARS else text[:SAMPLE_CHARS] + " …"


def _samples(doc: Document, q: _Queries) -> None:
    sec = doc.section("Sample prompts")
    sec.p(
        f"CONFIDENTIAL customer data: the first prompt of up to {N_SAMPLES} accounts, cut to "
        f"{SAMPLE_CHARS} characters."
    )
    rows = q(
        "sample prompts",
        f"""SELECT x.id, x.ts, x.account_id, x.endpoint, x.request
FROM exchanges x JOIN m ON m.account_id = x.account_id
QUALIFY row_number() OVER (PARTITION BY x.account_id ORDER BY x.ts, x.id) = 1
ORDER BY x.ts, x.id LIMIT {N_SAMPLES}""",
    )
    for ex_id, ts, account, endpoint, request in rows:
        sec.p(f"{_fmt_ts(ts)} {account} (exchange {ex_id}):")
        sec.quote(_prompt_text(endpoint, request))


def _custody(doc: Document, inp: ReportInputs, res: Results, q: _Queries, now: datetime) -> None:
    sec = doc.section("Chain of custody")
    files: list[Path] = [Path(inp.db), *res.files]
    if inp.state is not None:
        files.append(Path(inp.state))
    if inp.trace is not None:
        files.append(Path(inp.trace))
    sec.table(
        ["input file", "bytes", "SHA-256"],
        [[str(p), p.stat().st_size, sha256_file(p)] for p in files],
    )
    sec.table(
        ["item", "value"],
        [
            ["tool", f"distillguard {__version__}"],
            ["generated at", now.astimezone(UTC).isoformat(timespec="seconds")],
        ],
    )
    argv = list(inp.argv) or _default_argv(inp)
    sec.p("Reproduce this report:")
    sec.code(shlex.join(["distillguard", *argv]))
    sec.p(
        "Reproduce each figure: open the store read-only in DuckDB "
        f"(duckdb -readonly {shlex.quote(str(inp.db))}) and run the query printed under the "
        "figure's name; the case's accounts are read from accounts.csv by the query itself."
    )
    for figure, sql in q.log:
        sec.p(f"Figure: {figure}")
        sec.code(sql + ";")


def _default_argv(inp: ReportInputs) -> list[str]:
    argv = ["report", "--db", str(inp.db), "--results", str(inp.results)]
    argv += ["--cluster", inp.cluster] if inp.cluster else ["--account", str(inp.account)]
    if inp.state is not None:
        argv += ["--state", str(inp.state)]
    if inp.trace is not None:
        argv += ["--trace", str(inp.trace)]
    return argv


def write_report(doc: Document, out: str | Path) -> Path:
    """Render ``doc`` by the suffix of ``out`` (``.md`` or ``.html``) and write it."""
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown"):
        text = render_markdown(doc)
    elif suffix in (".html", ".htm"):
        text = render_html(doc)
    else:
        raise ConfigError(f"--out {path}: use a .md or .html file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
