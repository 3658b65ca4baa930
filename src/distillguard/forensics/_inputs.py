"""Reading the inputs of forensic work: detect's result folder, the store, the gateway state.

Everything here opens its input read-only (the store with DuckDB ``read_only``, the gateway
state with SQLite ``mode=ro``) and raises :class:`~distillguard.errors.InputError` with one
line for anything missing or malformed, so the commands never print a traceback.
"""

from __future__ import annotations

import csv
import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from distillguard.errors import InputError

__all__ = ["Results", "read_results", "read_state", "read_trace", "sha256_file", "sql_str"]


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks (stores may be large)."""
    h = hashlib.sha256()
    try:
        with Path(path).open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    return h.hexdigest()


def sql_str(value: str | Path) -> str:
    """A SQL string literal (single quotes doubled)."""
    return "'" + str(value).replace("'", "''") + "'"


def _read_csv(path: Path, required: set[str]) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = required - set(reader.fieldnames or ())
            if missing:
                raise InputError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            return list(reader)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None


@dataclass
class Results:
    """A ``distillguard detect`` output folder (spec section 3 plus ``evidence.jsonl``)."""

    dir: Path
    accounts: dict[str, dict[str, str]]
    clusters: dict[str, dict[str, str]]
    evidence: list[dict[str, Any]]

    @property
    def files(self) -> list[Path]:
        names = ("accounts.csv", "clusters.csv", "evidence.jsonl")
        return [self.dir / n for n in names if (self.dir / n).is_file()]

    def members(self, cluster_id: str) -> list[str]:
        return sorted(a for a, r in self.accounts.items() if r.get("cluster_id") == cluster_id)

    def cluster_evidence(self, cluster_id: str) -> dict[str, Any] | None:
        for e in self.evidence:
            if e.get("kind") == "cluster" and e.get("cluster_id") == cluster_id:
                return e
        return None

    def account_evidence(self, account_id: str) -> dict[str, Any] | None:
        for e in self.evidence:
            if e.get("kind") == "account" and e.get("account_id") == account_id:
                return e
        return None


def read_results(path: str | Path) -> Results:
    """Read ``accounts.csv``, ``clusters.csv`` and (when present) ``evidence.jsonl``."""
    d = Path(path)
    if not d.is_dir():
        raise InputError(f"{d}: no such results folder (run 'distillguard detect' first)")
    if not (d / "accounts.csv").is_file():
        raise InputError(f"{d}: no accounts.csv (is this a 'distillguard detect' output?)")
    acc_cols = {"account_id", "score", "verdict", "cluster_id", "first_flagged_at", "reasons"}
    accounts = {r["account_id"]: r for r in _read_csv(d / "accounts.csv", acc_cols)}
    clusters: dict[str, dict[str, str]] = {}
    if (d / "clusters.csv").is_file():
        cl_cols = {"cluster_id", "n_accounts", "n_exchanges", "score", "verdict", "reasons"}
        clusters = {r["cluster_id"]: r for r in _read_csv(d / "clusters.csv", cl_cols)}
    evidence: list[dict[str, Any]] = []
    ev_path = d / "evidence.jsonl"
    if ev_path.is_file():
        try:
            lines = ev_path.read_bytes().splitlines()
        except OSError as exc:
            raise InputError(f"cannot read {ev_path}: {exc.strerror}") from None
        for lineno, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                raise InputError(f"{ev_path}:{lineno}: not a JSON line") from None
            if isinstance(obj, dict):
                evidence.append(obj)
    return Results(d, accounts, clusters, evidence)


def read_state(path: str | Path, accounts: set[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Verdicts, overrides and audit entries about ``accounts`` (or their keys) from a
    gateway state file, opened read-only (``mode=ro``): the report never changes it."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such gateway state file")
    try:
        con = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise InputError(f"{p}: cannot open the gateway state ({exc})") from None
    try:
        keys = {
            k: a
            for k, a in con.execute("SELECT key_id, account_id FROM keys").fetchall()
            if a in accounts
        }
        verdicts = [
            r
            for r in con.execute(
                "SELECT account_id, verdict, score, source, updated_at FROM verdicts "
                "ORDER BY account_id"
            ).fetchall()
            if r[0] in accounts
        ]
        overrides = [
            r
            for r in con.execute(
                "SELECT account_id, verdict, reason, actor, created_at FROM overrides "
                "ORDER BY created_at, account_id"
            ).fetchall()
            if r[0] in accounts
        ]
        audit = [
            r
            for r in con.execute(
                "SELECT id, ts, actor, action, target, detail FROM audit ORDER BY id"
            ).fetchall()
            if r[4] in accounts or r[4] in keys
        ]
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{p}: not a gateway state file ({exc})") from None
    finally:
        con.close()
    return {"verdicts": verdicts, "overrides": overrides, "audit": audit, "keys": sorted(keys)}


def read_trace(path: str | Path) -> dict[str, Any]:
    """A ``distillguard trace --json`` document."""
    p = Path(path)
    try:
        doc = orjson.loads(p.read_bytes())
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror or exc}") from None
    except orjson.JSONDecodeError:
        raise InputError(f"{p}: not JSON (expected 'distillguard trace --json' output)") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("ranked"), list):
        raise InputError(f"{p}: not a 'distillguard trace --json' document (no 'ranked' list)")
    return doc
