"""``distillguard detect`` and ``distillguard eval``: thin wrappers over the library."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from distillguard.detect.batch import detect_store, write_results
from distillguard.detect.engine import organisation
from distillguard.detect.policy import load_policy
from distillguard.errors import ConfigError, InputError

if TYPE_CHECKING:
    import duckdb

    from distillguard.store import Store

__all__ = ["configure_detect", "configure_eval", "run_detect", "run_eval"]


def _source_args(parser: argparse.ArgumentParser, required_help: str) -> None:
    parser.add_argument("--exchanges", nargs="+", metavar="PATH", help=required_help)
    parser.add_argument("--accounts", metavar="PATH", help="accounts file (JSON Lines)")
    parser.add_argument("--db", metavar="FILE", help="read this DuckDB store instead")


#: Inputs bigger than this (bytes on disk) are ingested into a temporary store FILE, so the
#: bodies live on disk and peak memory stays bounded (an in-memory store holds them all).
MEMORY_STORE_MAX = 64 * 2**20
_MEMORY_ENV = "DISTILLGUARD_DUCKDB_MEMORY"
_SIZE = re.compile(r"\d+(\.\d+)?\s*([KMGT]i?B)", re.I)


def _input_bytes(paths: list[str]) -> int:
    """Total size of the input files (folders walked); unreadable paths count as 0."""
    total = 0
    for given in paths:
        path = Path(given)
        with contextlib.suppress(OSError):
            if path.is_dir():
                total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
            else:
                total += path.stat().st_size
    return total


def _limit_memory(con: duckdb.DuckDBPyConnection) -> None:
    """Cap DuckDB's buffer memory on a file-backed store (it spills sorts and joins to disk).

    ``$DISTILLGUARD_DUCKDB_MEMORY`` (e.g. ``4GB``) overrides the 1 GB default.
    """
    limit = os.environ.get(_MEMORY_ENV, "1GB").strip()
    if not _SIZE.fullmatch(limit):
        raise ConfigError(f"{_MEMORY_ENV} must be a size such as 2GB or 512MiB, got {limit!r}")
    con.execute(f"SET memory_limit = '{limit}'")


@contextlib.contextmanager
def _opened(args: argparse.Namespace, *, need: bool) -> Iterator[Store | None]:
    """The store the command reads: ingested from ``--exchanges`` or opened from ``--db``.

    Big ``--exchanges`` inputs go into a store file in a temporary folder (``$TMPDIR``),
    removed afterwards, instead of memory.
    """
    from distillguard.store import Store

    if args.exchanges and args.db:
        raise ConfigError("give either --exchanges or --db, not both")
    if args.exchanges:
        with contextlib.ExitStack() as stack:
            if _input_bytes(args.exchanges) > MEMORY_STORE_MAX:
                folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="distillguard-"))
                store = stack.enter_context(Store(Path(folder) / "detect.duckdb"))
                _limit_memory(store.con)
            else:
                store = stack.enter_context(Store(":memory:"))
            report = store.ingest(args.exchanges, accounts=args.accounts, show_progress=True)
            if report.rejected:
                print(f"distillguard: {report.rejected} invalid records skipped", file=sys.stderr)
            yield store
        return
    if args.db:
        if args.accounts:
            raise ConfigError("--accounts goes with --exchanges (the store has its accounts)")
        if not Path(args.db).is_file():
            raise InputError(f"{args.db}: no such store (run 'distillguard ingest' first)")
        with Store(args.db) as store:
            _limit_memory(store.con)
            yield store
        return
    if need:
        raise ConfigError("give --exchanges PATH... or --db FILE")
    yield None


def configure_detect(parser: argparse.ArgumentParser) -> None:
    _source_args(parser, "exchange logs (files or folders)")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for the results")
    parser.add_argument("--policy", metavar="FILE", help="policy TOML (defaults documented)")


def run_detect(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy)
    with _opened(args, need=True) as store:
        if store is None:  # need=True yields a store or raises
            raise ConfigError("give --exchanges PATH... or --db FILE")
        det = detect_store(store.con, policy)
    paths = write_results(det, args.out)
    flagged = sum(1 for a in det.seen if det.engine.accounts[a].flagged_ts is not None)
    unknown = sum(1 for a in det.seen if organisation(a, det.engine.accounts[a].info) == "unknown")
    if unknown:
        print(
            f"note: {unknown} of {len(det.seen)} accounts are not in the accounts file; "
            "with no organisation known they count together as one and are never convicted "
            "as a coordinated cluster (give --accounts)",
            file=sys.stderr,
        )
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
    # imported here: scikit-learn's import costs ~2 s that `detect` has no use for
    from distillguard.detect.evaluate import evaluate, format_report

    results = Path(args.results)
    with _opened(args, need=False) as store:
        metrics = evaluate(Path(args.labels), results, store.con if store else None)
    print(format_report(metrics))
    out = Path(args.json) if args.json else results / "eval.json"
    out.write_bytes(orjson.dumps(metrics, option=orjson.OPT_INDENT_2))
    print(f"\nwrote {out}")
    return 0
