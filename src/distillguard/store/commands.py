"""CLI commands over the store: ``ingest``, ``export`` and ``info``."""

from __future__ import annotations

import argparse
import sys

from distillguard.store._info import summarise
from distillguard.store._store import IngestReport, Store, resolve_db

__all__ = [
    "configure_export",
    "configure_info",
    "configure_ingest",
    "run_export",
    "run_info",
    "run_ingest",
]

#: Rejects printed on stderr before "… and N more".
SHOWN_REJECTS = 20

_DB_HELP = "store file (default: $DISTILLGUARD_DB, else distillguard.duckdb)"


def configure_ingest(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="exchange logs: .jsonl, .jsonl.gz, .parquet or folders",
    )
    parser.add_argument("--accounts", metavar="PATH", help="accounts file to upsert")
    parser.add_argument("--db", metavar="FILE", help=_DB_HELP)


def _print_rejects(report: IngestReport) -> None:
    for file, line, message in report.rejects[:SHOWN_REJECTS]:
        print(f"{file}:{line}: {message}", file=sys.stderr)
    more = report.rejected - min(len(report.rejects), SHOWN_REJECTS)
    if more > 0:
        where = report.rejects_path or "the rejects file"
        print(f"… and {more} more, see {where}", file=sys.stderr)


def run_ingest(args: argparse.Namespace) -> int:
    db = resolve_db(args.db)
    with Store(db) as store:
        report = store.ingest(args.paths, accounts=args.accounts)
        total = store.count()
    _print_rejects(report)
    print(
        f"exchanges: read {report.read:,}, inserted {report.inserted:,}, "
        f"duplicates {report.duplicates:,}, rejected {report.rejected:,} "
        f"in {report.seconds:.1f} s ({report.rate:,.0f}/s); {total:,} in {db}"
    )
    acc = report.accounts
    if acc is not None:
        _print_rejects(acc)
        print(
            f"accounts: read {acc.read:,}, new {acc.inserted:,}, updated {acc.updated:,}, "
            f"duplicates {acc.duplicates:,}, rejected {acc.rejected:,}"
        )
    if report.rejects_path is not None or (acc is not None and acc.rejects_path is not None):
        print(f"rejected records written to {store.rejects_path}")
    return 0


def configure_export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="FILE", help=_DB_HELP)
    parser.add_argument("--out", metavar="DIR", required=True, help="folder to write Parquet into")


def run_export(args: argparse.Namespace) -> int:
    with Store(resolve_db(args.db), read_only=True) as store:
        paths = store.export(args.out)
    for path in paths:
        print(path)
    return 0


def configure_info(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="FILE", help=_DB_HELP)
    parser.add_argument("--top", type=int, default=10, help="accounts to list by volume")


def run_info(args: argparse.Namespace) -> int:
    db = resolve_db(args.db)
    with Store(db, read_only=True) as store:
        s = summarise(store.con, top=max(args.top, 0))
    print(f"store        {db}")
    print(f"exchanges    {s.exchanges:,}")
    if s.first_ts is not None:
        print(f"time span    {s.first_ts.isoformat()}Z .. {s.last_ts.isoformat()}Z")
    print(f"accounts     {s.accounts_seen:,} in exchanges, {s.accounts_known:,} in accounts table")

    def table(title: str, rows: list[tuple]) -> None:  # type: ignore[type-arg]
        if not rows:
            return
        print(f"{title}:")
        for key, n in rows:
            label = "(none)" if key is None else str(key)
            print(f"  {label:<40} {n:>12,}")

    table("endpoints", s.endpoints)
    table("models", s.models)
    table("statuses", s.statuses)
    table("top accounts", s.top_accounts)
    return 0
