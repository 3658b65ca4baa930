"""``distillguard detect`` and ``distillguard eval``: thin wrappers over the library."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

from distillguard.detect.batch import detect_store, write_results
from distillguard.detect.evaluate import evaluate, format_report
from distillguard.detect.policy import load_policy
from distillguard.errors import ConfigError, InputError

__all__ = ["configure_detect", "configure_eval", "run_detect", "run_eval"]


def _source_args(parser: argparse.ArgumentParser, required_help: str) -> None:
    parser.add_argument("--exchanges", nargs="+", metavar="PATH", help=required_help)
    parser.add_argument("--accounts", metavar="PATH", help="accounts file (JSON Lines)")
    parser.add_argument("--db", metavar="FILE", help="read this DuckDB store instead")


def _open(args: argparse.Namespace, *, need: bool):
    from distillguard.store import Store

    if args.exchanges and args.db:
        raise ConfigError("give either --exchanges or --db, not both")
    if args.exchanges:
        store = Store(":memory:")
        report = store.ingest(args.exchanges, accounts=args.accounts, show_progress=True)
        if report.rejected:
            print(f"distillguard: {report.rejected} invalid records skipped", file=sys.stderr)
        return store
    if args.db:
        if args.accounts:
            raise ConfigError("--accounts goes with --exchanges (the store has its accounts)")
        if not Path(args.db).is_file():
            raise InputError(f"{args.db}: no such store (run 'distillguard ingest' first)")
        return Store(args.db)
    if need:
        raise ConfigError("give --exchanges PATH... or --db FILE")
    return None


def configure_detect(parser: argparse.ArgumentParser) -> None:
    _source_args(parser, "exchange logs (files or folders)")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for the results")
    parser.add_argument("--policy", metavar="FILE", help="policy TOML (defaults documented)")


def run_detect(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy)
    store = _open(args, need=True)
    with store:
        det = detect_store(store.con, policy)
    paths = write_results(det, args.out)
    flagged = sum(1 for a in det.seen if det.engine.accounts[a].flagged_ts is not None)
    print(
        f"{det.n_exchanges} exchanges, {len(det.seen)} accounts, {flagged} flagged; "
        f"wrote {paths['accounts']}, {paths['clusters']}, {paths['evidence']}"
    )
    return 0


def configure_eval(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--labels", required=True, metavar="FILE", help="labels.csv")
    parser.add_argument("--results", required=True, metavar="DIR", help="detect's output folder")
    _source_args(parser, "exchange logs, for leak / withheld shares")
    parser.add_argument("--json", metavar="PATH", help="where to write the metrics (DIR/eval.json)")


def run_eval(args: argparse.Namespace) -> int:
    results = Path(args.results)
    store = _open(args, need=False)
    try:
        metrics = evaluate(Path(args.labels), results, store.con if store else None)
    finally:
        if store is not None:
            store.close()
    print(format_report(metrics))
    out = Path(args.json) if args.json else results / "eval.json"
    out.write_bytes(orjson.dumps(metrics, option=orjson.OPT_INDENT_2))
    print(f"\nwrote {out}")
    return 0
