"""The ``keys`` and ``override`` commands (re-exported by ``distillguard.gateway.commands``).

Both work on the control-plane state file while gateways run: a running gateway picks up
new or revoked keys and overrides within a second, without restart.

    distillguard keys create --account ID [--org ORG] [--tier T] [--db FILE | --state FILE]
    distillguard keys list [--account ID] [--active] [--json]
    distillguard keys revoke KEY_ID [--reason TEXT]
    distillguard keys import-accounts accounts.jsonl
    distillguard override ACCOUNT --verdict V --reason TEXT [--actor WHO]
    distillguard override ACCOUNT --clear [--reason TEXT]
    distillguard override --list
    distillguard override --from-detections OUT/accounts.csv

``keys create`` prints the new secret as the last line of its output; it is shown once and
only its SHA-256 hash is stored. Overrides, key changes and published verdicts are written
to the audit log with who, when, what and why.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import json
import os
import sys
from pathlib import Path

from distillguard._types import Verdict
from distillguard.errors import ConfigError, InputError, RecordError
from distillguard.exchange import Account, parse_account
from distillguard.gateway.keys import create_key
from distillguard.gateway.state import StateDB, VerdictRow, default_state_path, now_ts

__all__ = [
    "add_state_arguments",
    "configure_keys",
    "configure_override",
    "read_detections",
    "resolve_state_path",
    "run_keys",
    "run_override",
]

ENV_DB = "DISTILLGUARD_DB"
#: The store file the gateway and the store commands use when no --db is given.
DEFAULT_DB = "distillguard.duckdb"
ENV_STATE = "DISTILLGUARD_STATE"


def add_state_arguments(parser: argparse.ArgumentParser) -> None:
    """``--db FILE`` / ``--state FILE``, as the gateway command takes them."""
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        help=f"the DuckDB store; the state file is <db stem>.state.sqlite beside it "
        f"(default: ${ENV_DB}, else {DEFAULT_DB})",
    )
    parser.add_argument(
        "--state",
        type=Path,
        default=None,
        help=f"the control-plane state file itself (overrides --db; default: ${ENV_STATE})",
    )


def resolve_state_path(db: Path | None, state: Path | None) -> Path:
    """The state file named by ``--state``, else derived from ``--db``, else from the env
    (``$DISTILLGUARD_STATE``, ``$DISTILLGUARD_DB``), else beside ``distillguard.duckdb`` as
    the gateway does."""
    if state is not None:
        return Path(state)
    if db is not None:
        return default_state_path(Path(db))
    if os.environ.get(ENV_STATE):
        return Path(os.environ[ENV_STATE])
    if os.environ.get(ENV_DB):
        return default_state_path(Path(os.environ[ENV_DB]))
    return default_state_path(Path(DEFAULT_DB))


def _actor(value: str | None) -> str:
    if value:
        return value
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


# ---------------------------------------------------------------------- keys


def _read_accounts(path: Path) -> list[Account]:
    """Every record of a spec accounts file; the first bad line stops the import."""
    out: list[Account] = []
    try:
        with Path(path).open("rb") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    out.append(parse_account(json.loads(line)))
                except ValueError:
                    raise InputError(f"{path}:{lineno}: not valid JSON") from None
                except RecordError as exc:
                    raise InputError(f"{path}:{lineno}: {exc}") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    return out


def configure_keys(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    create = sub.add_parser("create", help="create a key (the secret is the last line)")
    add_state_arguments(create)
    create.add_argument("--account", required=True, help="account id the key belongs to")
    create.add_argument("--org", default=None, help="organisation of the account")
    create.add_argument("--tier", default=None, help="tier, e.g. free, enterprise")
    create.add_argument("--verified", action=argparse.BooleanOptionalAction, default=None)
    create.add_argument("--email-domain", default=None)
    create.add_argument("--country", default=None, help="ISO 3166-1 alpha-2 code")
    create.add_argument("--created-at", default=None, help="RFC 3339 sign-up time")
    create.add_argument("--name", default=None, help="a label for the key")
    create.add_argument("--actor", default=None, help="who is acting (audit log)")
    create.add_argument("--json", action="store_true", help="print one JSON object instead")

    lst = sub.add_parser("list", help="list keys (never secrets)")
    add_state_arguments(lst)
    lst.add_argument("--account", default=None, help="only this account's keys")
    lst.add_argument("--active", action="store_true", help="leave revoked keys out")
    lst.add_argument("--json", action="store_true", help="JSON Lines output")

    accounts = sub.add_parser(
        "import-accounts", help="load an accounts file (spec JSON Lines) into the state"
    )
    add_state_arguments(accounts)
    accounts.add_argument("path", type=Path, metavar="ACCOUNTS.jsonl")
    accounts.add_argument("--actor", default=None, help="who is acting (audit log)")

    revoke = sub.add_parser("revoke", help="revoke a key (takes effect within a second)")
    add_state_arguments(revoke)
    revoke.add_argument("key_id", metavar="KEY_ID")
    revoke.add_argument("--reason", default="", help="why (audit log)")
    revoke.add_argument("--actor", default=None, help="who is acting (audit log)")


def run_keys(args: argparse.Namespace) -> int:
    path = resolve_state_path(args.db, args.state)
    out = sys.stdout
    with StateDB(path) as db:
        if args.action == "create":
            meta = {
                "org_id": args.org,
                "tier": args.tier,
                "verified": args.verified,
                "email_domain": args.email_domain,
                "country": args.country,
                "created_at": args.created_at,
            }
            row, secret = create_key(
                db, args.account, actor=_actor(args.actor), name=args.name, account=meta
            )
            if args.json:
                out.write(json.dumps({**row.public(), "secret": secret}) + "\n")
                return 0
            out.write(f"key_id: {row.key_id}\n")
            out.write(f"account_id: {row.account_id}\n")
            out.write("secret (shown once, store it now; only its hash is kept):\n")
            out.write(secret + "\n")
            return 0
        if args.action == "list":
            rows = db.keys(account_id=args.account, include_revoked=not args.active)
            if args.json:
                for r in rows:
                    out.write(json.dumps(r.public()) + "\n")
                return 0
            out.write(f"{'KEY_ID':<22} {'ACCOUNT':<24} {'CREATED':<26} {'REVOKED':<26} NAME\n")
            for r in rows:
                out.write(
                    f"{r.key_id:<22} {r.account_id:<24} {r.created_at:<26} "
                    f"{r.revoked_at or '-':<26} {r.name or ''}\n"
                )
            return 0
        if args.action == "import-accounts":
            count = db.upsert_accounts(_read_accounts(args.path), actor=_actor(args.actor))
            out.write(f"imported {count} accounts into {path}\n")
            return 0
        row = db.revoke_key(args.key_id, actor=_actor(args.actor), reason=args.reason)
        out.write(f"revoked {row.key_id} (account {row.account_id}) at {row.revoked_at}\n")
        return 0


# ---------------------------------------------------------------------- override


def read_detections(path: Path) -> list[VerdictRow]:
    """The rows of a ``distillguard detect`` ``accounts.csv`` (spec section 3) as verdicts."""
    rows: list[VerdictRow] = []
    ts = now_ts()
    try:
        with Path(path).open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = {"account_id", "score", "verdict"} - set(reader.fieldnames or ())
            if missing:
                raise InputError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            for lineno, rec in enumerate(reader, 2):
                try:
                    verdict = Verdict.parse(rec["verdict"] or "")
                    score = float(rec["score"])
                except ValueError as exc:
                    raise InputError(f"{path}:{lineno}: {exc}") from None
                if not rec["account_id"]:
                    raise InputError(f"{path}:{lineno}: empty account_id")
                reasons = [r for r in (rec.get("reasons") or "").split(";") if r]
                rows.append(
                    VerdictRow(
                        account_id=rec["account_id"],
                        verdict=verdict,
                        score=score,
                        cluster_id=rec.get("cluster_id") or None,
                        reasons=reasons,
                        source="detect",
                        updated_at=ts,
                    )
                )
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    return rows


def configure_override(parser: argparse.ArgumentParser) -> None:
    add_state_arguments(parser)
    parser.add_argument("account", metavar="ACCOUNT", nargs="?", help="the account id")
    parser.add_argument(
        "--verdict",
        default=None,
        help="pin the account's verdict: allow, watch, throttle or block",
    )
    parser.add_argument("--reason", default=None, help="why (required; audit log)")
    parser.add_argument("--clear", action="store_true", help="remove the override")
    parser.add_argument("--actor", default=None, help="who is acting (default: cli:$USER)")
    parser.add_argument("--list", action="store_true", help="list overrides in force")
    parser.add_argument(
        "--from-detections",
        type=Path,
        metavar="ACCOUNTS_CSV",
        help="publish a detect run's accounts.csv as the detector's verdicts (not "
        "overrides); running gateways apply them within a second",
    )


def run_override(args: argparse.Namespace) -> int:
    path = resolve_state_path(args.db, args.state)
    with StateDB(path) as db:
        if args.from_detections is not None:
            rows = read_detections(args.from_detections)
            db.set_verdicts(rows)
            db.record_audit(
                _actor(args.actor),
                "verdicts.publish",
                "*",
                {"file": str(args.from_detections), "count": len(rows)},
            )
            flagged = sum(r.verdict is not Verdict.ALLOW for r in rows)
            sys.stdout.write(f"published {len(rows)} verdicts ({flagged} not allow) to {path}\n")
            return 0
        if args.list:
            for ov in db.overrides().values():
                sys.stdout.write(json.dumps(ov.to_json()) + "\n")
            return 0
        if not args.account:
            raise ConfigError("name the ACCOUNT to override (or use --list)")
        actor = _actor(args.actor)
        if args.clear:
            if args.verdict is not None:
                raise ConfigError("use either --verdict or --clear, not both")
            if db.clear_override(args.account, reason=args.reason or "", actor=actor):
                sys.stdout.write(f"cleared the override on {args.account}\n")
            else:
                sys.stdout.write(f"{args.account} had no override\n")
            return 0
        if args.verdict is None:
            raise ConfigError("give --verdict V (allow, watch, throttle, block) or --clear")
        try:
            verdict = Verdict.parse(args.verdict)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        if not args.reason or not args.reason.strip():
            raise ConfigError("an override needs --reason TEXT (it goes to the audit log)")
        row = db.set_override(args.account, verdict, reason=args.reason, actor=actor)
        sys.stdout.write(
            f"{row.account_id} pinned to {row.verdict.value} by {row.actor} at {row.created_at}\n"
        )
        return 0
