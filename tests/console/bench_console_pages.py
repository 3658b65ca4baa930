"""Benchmark: console page latency over real HTTP on a large synthetic store.

Not a test (pytest does not collect it). Builds a store of ``--rows`` exchanges straight
with SQL (the simulator would take hours at 16M), an ``enrichment`` table shaped like
detect's, and a results folder with flagged accounts and clusters; then serves the console
on loopback and times each page (median of ``--repeat`` requests, after one warm-up that
is reported separately for the overview, whose aggregate is computed once and cached).

    .venv/bin/python tests/console/bench_console_pages.py --rows 16000000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import urllib.request
from pathlib import Path

import duckdb

from distillguard.console import serve_in_thread
from distillguard.store import Store

_BUILD = """
INSERT INTO exchanges
SELECT 'ex_' || i AS id,
       TIMESTAMP '2026-02-16 00:00:00' + to_microseconds(CAST(i * {step} AS BIGINT)) AS ts,
       'acct_' || lpad(CAST(CASE WHEN i % 10 = 0 THEN i % 100 ELSE hash(i) % {accounts} END
                            AS VARCHAR), 7, '0') AS account_id,
       'chat.completions', 'dg-chat-2',
       '{{"model":"dg-chat-2","messages":[{{"role":"user","content":"Question number '
         || i || ': explain the result step by step."}}]}}',
       '{{"choices":[{{"message":{{"role":"assistant","content":"Answer."}},'
         || '"finish_reason":"stop"}}]}}',
       'key_' || (hash(i) % {accounts}), '10.0.' || (i % 250) || '.' || (i % 199),
       'python-requests/2.31', NULL, 200, 420.0, NULL, NULL
FROM range({rows}) t(i)
"""
_ENRICH = """
CREATE TABLE IF NOT EXISTS enrichment (
    id VARCHAR PRIMARY KEY, tags INTEGER, prefix_key BIGINT, suffix_key BIGINT,
    dup_key BIGINT, sys_key BIGINT, sys_sim BIGINT, tools_key BIGINT, max_tokens INTEGER,
    probe BOOLEAN, truncated BOOLEAN, depth INTEGER, out_chars INTEGER
);
INSERT INTO enrichment SELECT id, CAST(hash(id) % 256 AS INTEGER), 0, 0, 0, 0, 0, 0, 1024,
    false, false, 1, 7 FROM exchanges;
"""


def build(out: Path, rows: int, accounts: int) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    db = out / "bench.duckdb"
    if db.exists():
        return db
    part = out / "bench.part.duckdb"
    part.unlink(missing_ok=True)
    step = 7 * 86400 * 1_000_000 // rows
    started = time.perf_counter()
    with Store(part) as store:
        con = store.con
        con.execute(_BUILD.format(rows=rows, accounts=accounts, step=step))
        con.execute(
            f"""INSERT INTO accounts SELECT 'acct_' || lpad(CAST(i AS VARCHAR), 7, '0'),
            TIMESTAMP '2026-01-01', 'org_' || (i // 5), 'free', false, 'example.com',
            'pm_' || (i // 50), '192.0.2.1', 'US', NULL FROM range({accounts}) t(i)"""
        )
        con.execute(_ENRICH)
        res = out / "results"
        res.mkdir(exist_ok=True)
        con.execute(
            f"""COPY (SELECT 'acct_' || lpad(CAST(i AS VARCHAR), 7, '0') AS account_id,
                CASE WHEN i % 100 = 0 THEN 0.95 ELSE 0.05 END AS score,
                CASE WHEN i % 100 = 0 THEN 'block' ELSE 'allow' END AS verdict,
                CASE WHEN i % 100 = 0 THEN 'c' || (i // 5000) ELSE '' END AS cluster_id,
                CASE WHEN i % 100 = 0 THEN '2026-02-18T00:00:00.000Z' ELSE '' END
                    AS first_flagged_at,
                CASE WHEN i % 100 = 0 THEN 'cluster;cot;template' ELSE '' END AS reasons
              FROM range({accounts}) t(i)) TO '{res / "accounts.csv"}' (HEADER, DELIMITER ',')"""
        )
        con.execute(
            f"""COPY (SELECT 'c' || i AS cluster_id, 50 AS n_accounts, 10000 AS n_exchanges,
                0.95 AS score, 'block' AS verdict, 'cot;template;coordinated' AS reasons
              FROM range({max(1, accounts // 5000)}) t(i))
              TO '{res / "clusters.csv"}' (HEADER, DELIMITER ',')"""
        )
    part.rename(db)
    print(f"built {rows:,} exchanges in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return db


def _get(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=300) as resp:
        resp.read()
        if resp.status != 200:
            raise SystemExit(f"{url}: HTTP {resp.status}")
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=16_000_000)
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--out", default="/tmp/console-bench")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    db = build(Path(args.out), args.rows, args.accounts)
    con = duckdb.connect(str(db), read_only=True)
    n = con.execute("SELECT count(*) FROM exchanges").fetchone()[0]
    con.close()
    server = serve_in_thread(db, Path(args.out) / "results")
    try:
        cold = _get(server.url + "/")
        ordinary = f"acct_{args.accounts // 2 + 7:07d}"
        pages = {
            "overview (cached)": "/",
            "clusters list": "/clusters",
            "cluster page (50 members)": "/clusters/c1",
            "accounts list": "/accounts",
            "accounts: flagged + search": "/accounts?verdict=flagged&q=00012",
            "accounts list, page 1000": "/accounts?page=1000",
            "account page (heavy account)": "/accounts/acct_0000010",
            "account page (ordinary)": f"/accounts/{ordinary}",
            "api account": f"/api/accounts/{ordinary}",
        }
        print(f"| page | median ms ({args.repeat} requests) |")
        print("|---|---|")
        print(f"| overview, first request (computes the aggregate) | {cold:,.0f} |")
        for name, path in pages.items():
            _get(server.url + path)
            times = [_get(server.url + path) for _ in range(args.repeat)]
            print(f"| {name} | {statistics.median(times):,.0f} |")
        print(f"\n{n:,} exchanges, {args.accounts:,} accounts")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
