"""Detection results on disk, loaded for the console: what ``detect`` and ``eval`` wrote.

``accounts.csv`` and ``clusters.csv`` go into TEMP tables of the console's DuckDB
connection (``r_accounts``, ``r_clusters``) so pages filter, sort, page and join them to
the store's ``exchanges`` with SQL, however many accounts there are. ``evidence.jsonl``
(one record per flagged account and convicted cluster: bounded by what was flagged) and
``eval.json`` are kept in memory as plain dicts.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import orjson

from distillguard.errors import InputError

__all__ = ["ACCOUNT_COLUMNS", "CLUSTER_COLUMNS", "Results", "load_results"]

ACCOUNT_COLUMNS = ("account_id", "score", "verdict", "cluster_id", "first_flagged_at", "reasons")
CLUSTER_COLUMNS = ("cluster_id", "n_accounts", "n_exchanges", "score", "verdict", "reasons")

_ACCOUNTS_SQL = """
CREATE OR REPLACE TEMP TABLE r_accounts AS
SELECT account_id,
       CAST(score AS DOUBLE) AS score,
       lower(trim(verdict)) AS verdict,
       NULLIF(cluster_id, '') AS cluster_id,
       NULLIF(first_flagged_at, '') AS first_flagged_at,
       CAST(NULLIF(first_flagged_at, '') AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS flagged_ts,
       coalesce(reasons, '') AS reasons
FROM read_csv(?, header = true, auto_detect = false, quote = '"', escape = '"',
              columns = {'account_id': 'VARCHAR', 'score': 'VARCHAR', 'verdict': 'VARCHAR',
                         'cluster_id': 'VARCHAR', 'first_flagged_at': 'VARCHAR',
                         'reasons': 'VARCHAR'})
"""
_CLUSTERS_SQL = """
CREATE OR REPLACE TEMP TABLE r_clusters AS
SELECT cluster_id,
       CAST(n_accounts AS BIGINT) AS n_accounts,
       CAST(n_exchanges AS BIGINT) AS n_exchanges,
       CAST(score AS DOUBLE) AS score,
       lower(trim(verdict)) AS verdict,
       coalesce(reasons, '') AS reasons
FROM read_csv(?, header = true, auto_detect = false, quote = '"', escape = '"',
              columns = {'cluster_id': 'VARCHAR', 'n_accounts': 'VARCHAR',
                         'n_exchanges': 'VARCHAR', 'score': 'VARCHAR', 'verdict': 'VARCHAR',
                         'reasons': 'VARCHAR'})
"""


@dataclass
class Results:
    """The in-memory part of a results folder (the CSV files live in TEMP tables)."""

    folder: Path
    account_evidence: dict[str, dict[str, Any]] = field(default_factory=dict)
    cluster_evidence: dict[str, dict[str, Any]] = field(default_factory=dict)
    evaluation: dict[str, Any] | None = None


def _check_header(path: Path, expected: tuple[str, ...]) -> None:
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            header = next(csv.reader(fh), [])
    except FileNotFoundError:
        raise InputError(f"{path} does not exist (run 'distillguard detect --out DIR')") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    if tuple(header) != expected:
        raise InputError(f"{path}: expected the columns {','.join(expected)}")


def _load_evidence(path: Path, results: Results) -> None:
    if not path.is_file():
        return
    try:
        with path.open("rb") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                item = orjson.loads(line)
                if not isinstance(item, dict):
                    raise InputError(f"{path}:{n}: a record must be a JSON object")
                if item.get("kind") == "cluster" and item.get("cluster_id"):
                    results.cluster_evidence[str(item["cluster_id"])] = item
                elif item.get("kind") == "account" and item.get("account_id"):
                    results.account_evidence[str(item["account_id"])] = item
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{path}: not JSON Lines ({exc})") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}") from None


def _load_eval(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        data = orjson.loads(path.read_bytes())
    except (orjson.JSONDecodeError, OSError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object")
    return data


def load_results(con: duckdb.DuckDBPyConnection, folder: str | Path) -> Results:
    """Load a ``detect --out`` folder: CSVs into TEMP tables of ``con``, the rest in memory.

    Raises :class:`InputError` naming the file when the folder or a file is missing or
    malformed, so the CLI can say so in one line before any server starts.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such results folder (run 'distillguard detect --out DIR')")
    accounts, clusters = folder / "accounts.csv", folder / "clusters.csv"
    _check_header(accounts, ACCOUNT_COLUMNS)
    _check_header(clusters, CLUSTER_COLUMNS)
    try:
        con.execute(_ACCOUNTS_SQL, [str(accounts)])
        con.execute(_CLUSTERS_SQL, [str(clusters)])
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        raise InputError(f"{folder}: cannot load the results ({first})") from None
    results = Results(folder)
    _load_evidence(folder / "evidence.jsonl", results)
    results.evaluation = _load_eval(folder / "eval.json")
    return results
