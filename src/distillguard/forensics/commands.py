"""The ``report`` and ``intel`` commands.

distillguard report --db FILE --results DIR (--cluster ID | --account ID)
                    [--state FILE] [--trace TRACE.json] --out PATH(.md|.html)
distillguard intel export --results DIR --db FILE [--min-verdict throttle]
                    --out bundle.json [--identity NAME] [--tlp amber]
                    [--hash-key KEY] [--raw-fingerprints]
distillguard intel match BUNDLE... --db FILE [--out matches.csv] [--verdict watch]
                    [--details details.csv] [--hash-key KEY]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from distillguard._types import Verdict
from distillguard.errors import ConfigError, InputError
from distillguard.forensics._hashing import KEY_ENV

__all__ = ["configure_intel", "configure_report", "run_intel", "run_report"]


def configure_report(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", required=True, help="the store (DuckDB file), read-only")
    parser.add_argument("--results", required=True, help="a 'distillguard detect' output folder")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--cluster", help="the cluster id (clusters.csv)")
    who.add_argument("--account", help="the account id (accounts.csv)")
    parser.add_argument("--state", help="gateway state file: verdicts, overrides, audit log")
    parser.add_argument("--trace", help="a 'distillguard trace --json' output")
    parser.add_argument("--out", required=True, help="report file, .md or .html")


def run_report(args: argparse.Namespace) -> int:
    from distillguard.forensics.report import ReportInputs, build_report, write_report

    if Path(args.out).suffix.lower() not in (".md", ".markdown", ".html", ".htm"):
        raise ConfigError(f"--out {args.out}: use a .md or .html file name")
    argv = ["report", "--db", args.db, "--results", args.results]
    argv += ["--cluster", args.cluster] if args.cluster else ["--account", args.account]
    argv += ["--state", args.state] if args.state else []
    argv += ["--trace", args.trace] if args.trace else []
    argv += ["--out", args.out]
    inp = ReportInputs(
        db=Path(args.db),
        results=Path(args.results),
        cluster=args.cluster,
        account=args.account,
        state=Path(args.state) if args.state else None,
        trace=Path(args.trace) if args.trace else None,
        argv=argv,
    )
    path = write_report(build_report(inp), args.out)
    print(f"wrote {path}")
    return 0


def configure_intel(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="{export,match}")
    sub.required = True
    exp = sub.add_parser("export", help="write a STIX 2.1 bundle of the convicted clusters")
    exp.add_argument("--results", required=True, help="a 'distillguard detect' output folder")
    exp.add_argument("--db", required=True, help="the store (DuckDB file), read-only")
    exp.add_argument(
        "--min-verdict",
        default="throttle",
        help="share accounts at or above this verdict (default throttle)",
    )
    exp.add_argument("--out", required=True, help="bundle file (.json)")
    exp.add_argument("--identity", default="DistillGuard operator", help="producer name")
    exp.add_argument("--tlp", default="amber", help="TLP marking: clear, green, amber, red")
    _key_option(exp)
    exp.add_argument(
        "--raw-fingerprints",
        action="store_true",
        help="share payment and client fingerprints as the log's opaque values, not hashed",
    )
    mat = sub.add_parser("match", help="find accounts matching partners' STIX indicators")
    mat.add_argument("bundles", nargs="+", metavar="BUNDLE", help="STIX 2.1 bundle files")
    mat.add_argument("--db", required=True, help="the store (DuckDB file), read-only")
    mat.add_argument("--out", help="CSV for 'distillguard override --from-detections'")
    mat.add_argument("--details", help="CSV with one row per (account, indicator) match")
    mat.add_argument(
        "--verdict", default="watch", help="verdict to propose for matches (default watch)"
    )
    _key_option(mat)


def _key_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--hash-key",
        default=None,
        help=f"key shared with partners for hashed indicators (default ${KEY_ENV}, "
        "else a public salt)",
    )


def _verdict(value: str, option: str) -> Verdict:
    try:
        return Verdict.parse(value)
    except ValueError as exc:
        raise ConfigError(f"{option}: {exc}") from None


def run_intel(args: argparse.Namespace) -> int:
    if args.action == "export":
        return _export(args)
    return _match(args)


def _export(args: argparse.Namespace) -> int:
    from distillguard.forensics.intel import export_bundle, parse_bundle

    min_verdict = _verdict(args.min_verdict, "--min-verdict")
    bundle, summary = export_bundle(
        args.results,
        args.db,
        min_verdict=min_verdict,
        identity=args.identity,
        tlp=args.tlp,
        hash_key=args.hash_key,
        raw_fingerprints=args.raw_fingerprints,
    )
    out = Path(args.out)
    tmp = out.with_name(out.name + ".part")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(bundle.serialize(pretty=True) + "\n", encoding="utf-8")
        parse_bundle(tmp)  # what we share must parse back
        tmp.replace(out)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
    kinds = ", ".join(f"{k} {n}" for k, n in summary.by_kind.items()) or "none"
    print(
        f"wrote {out}: {summary.groups} campaign(s), {summary.indicators} indicator(s) "
        f"({kinds}); {summary.skipped_common} value(s) withheld as too common"
    )
    return 0


def _match(args: argparse.Namespace) -> int:
    from distillguard.forensics.match import match_bundles, rows, write_details, write_matches

    verdict = _verdict(args.verdict, "--verdict")
    result = match_bundles(args.bundles, args.db, hash_key=args.hash_key)
    for why, n in sorted(result.skipped.items()):
        print(f"skipped {n} comparison(s): {why}", file=sys.stderr)
    print(
        f"{result.indicators} indicator(s), {result.usable} usable; "
        f"{len(result.matches)} account(s) matched"
        + (f" ({result.weak_only} more on one weak indicator only)" if result.weak_only else "")
    )
    if args.details:
        print(f"wrote {write_details(result, args.details)}")
    if args.out:
        print(f"wrote {write_matches(result, args.out, verdict)}")
    else:
        for row in rows(result, verdict):
            print(f"  {row[0]}  {row[6]}  indicators {row[5]}  count {row[7]}  {row[8]}..{row[9]}")
    return 0
