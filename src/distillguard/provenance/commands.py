"""``distillguard verify``: check signed responses or an exported exchange log.

    distillguard verify response.json --keys keys.json
    distillguard verify exchanges.parquet logs/part-0001.jsonl --keyring signing-keyring.json
    distillguard verify --body body.json --signature SIG --signing-key KID \\
        --signed STATEMENT --keys keys.json

One line per response or record (``valid`` or ``INVALID`` with the reasons), then a
summary; the exit status is 1 when any is invalid or unsigned, else 0. ``--keys`` is the
JSON served at ``/v1/provenance/keys``; ``--keyring`` is the gateway's keyring file.

Also ``distillguard verify --rotate --keyring FILE`` makes a new active signing key (old
public keys stay verifiable) and prints its id.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from distillguard._progress import progress
from distillguard.errors import ConfigError, InputError
from distillguard.provenance.keyring import Keyring
from distillguard.provenance.signing import (
    HEADER_SIGNATURE,
    HEADER_SIGNED,
    HEADER_SIGNING_KEY,
    load_public_keys,
    verify_headers,
)
from distillguard.provenance.verify import verify_paths

__all__ = ["configure_verify", "run_verify"]


def configure_verify(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="saved responses (.json) or exchange logs (.jsonl, .jsonl.gz, .parquet)",
    )
    keys = parser.add_argument_group("public keys (one is required)")
    keys.add_argument("--keys", type=Path, help="JSON from GET /v1/provenance/keys")
    keys.add_argument("--keyring", type=Path, help="the gateway's signing keyring file")
    one = parser.add_argument_group("one response given piece by piece")
    one.add_argument("--body", type=Path, help="file holding the exact response body bytes")
    one.add_argument("--request", type=Path, help="file holding the exact request body bytes")
    one.add_argument("--signature", help=f"value of {HEADER_SIGNATURE}")
    one.add_argument("--signing-key", help=f"value of {HEADER_SIGNING_KEY}")
    one.add_argument("--signed", help=f"value of {HEADER_SIGNED}")
    parser.add_argument("--quiet", action="store_true", help="print only failures and summary")
    parser.add_argument(
        "--rotate", action="store_true", help="rotate the --keyring's active key and exit"
    )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def run_verify(args: argparse.Namespace) -> int:
    out = sys.stdout
    if args.rotate:
        if args.keyring is None:
            raise ConfigError("--rotate needs --keyring FILE")
        ring = Keyring.load(args.keyring)
        entry = ring.rotate()
        out.write(f"rotated: new active signing key {entry.kid}\n")
        return 0
    if args.keys is not None:
        keys = load_public_keys(args.keys)
    elif args.keyring is not None:
        keys = Keyring.load(args.keyring).public_keys()
    else:
        raise ConfigError("give the public keys: --keys FILE or --keyring FILE")

    if args.body is not None:
        if args.paths:
            raise ConfigError("give either PATHs or --body with signature arguments, not both")
        if not (args.signature and args.signing_key and args.signed):
            raise ConfigError("--body needs --signature, --signing-key and --signed")
        headers = {
            HEADER_SIGNATURE: args.signature,
            HEADER_SIGNING_KEY: args.signing_key,
            HEADER_SIGNED: args.signed,
        }
        check = verify_headers(
            headers,
            keys,
            response_body=_read(args.body),
            request_body=_read(args.request) if args.request else None,
        )
        results = [(args.body.name, check)]
    elif args.paths:
        results = verify_paths(args.paths, keys)
    else:
        raise ConfigError("nothing to verify: give PATHs or --body")

    good = bad = 0
    for label, check in progress(results, desc="verify", unit="rec"):
        if check.ok:
            good += 1
            if not args.quiet:
                kid = check.statement.signing_key if check.statement else "?"
                out.write(f"valid    {label}  (signing key {kid})\n")
        else:
            bad += 1
            out.write(f"INVALID  {label}: {'; '.join(check.problems)}\n")
    out.write(f"{good} valid, {bad} invalid\n")
    return 1 if bad or not good else 0
