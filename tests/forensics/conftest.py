"""A small simulated case for the forensics tests: simulate, ingest, detect (real CLI)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

from distillguard.cli import main

XSS_ACCOUNT = "acct_forensics_xss"
XSS_PROMPT = "<script>alert('pwned')</script> Please summarise | this *text* & more"


def _cli(*argv: str) -> None:
    status = main(list(argv))
    assert status == 0, f"distillguard {' '.join(argv)} exited with {status}"


@dataclass
class Case:
    root: Path
    db: Path
    results: Path
    state: Path
    trace: Path
    labels: Path
    cluster: str  # the cluster with the most convicted members
    members: list[str]
    convicted: list[str]
    other_db: Path  # a different scenario: ingested and enriched, never detected
    other_labels: Path
    xss_account: str = XSS_ACCOUNT


def _xss_records(root: Path) -> Path:
    path = root / "xss.jsonl"
    rec = {
        "id": "ex_forensics_xss_1",
        "ts": "2026-02-16T12:00:00Z",
        "account_id": XSS_ACCOUNT,
        "request": {"model": "dg-chat-2", "messages": [{"role": "user", "content": XSS_PROMPT}]},
        "response": {"choices": [{"message": {"role": "assistant", "content": "ok"}}]},
        "ip": "198.51.100.7",
        "user_agent": "<b>evil-agent</b>",
    }
    path.write_bytes(orjson.dumps(rec) + b"\n")
    return path


@pytest.fixture(scope="session")
def case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    root = tmp_path_factory.mktemp("forensics-case")
    sim = root / "sim"
    _cli("simulate", "--out", str(sim), "--scale", "0.03", "--days", "3", "--seed", "3",
         "--workers", "1")  # fmt: skip
    db = root / "store.duckdb"
    results = root / "results"
    _cli("ingest", "--db", str(db), "--accounts", str(sim / "accounts.jsonl"),
         str(sim / "exchanges"), str(_xss_records(root)))  # fmt: skip
    _cli("detect", "--db", str(db), "--out", str(results))
    with (results / "accounts.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    # the case: the cluster with the most convicted (throttle / block) members
    convicted_by: dict[str, int] = {}
    for r in rows:
        if r["cluster_id"] and r["verdict"] in ("throttle", "block"):
            convicted_by[r["cluster_id"]] = convicted_by.get(r["cluster_id"], 0) + 1
    assert convicted_by, "the scenario must convict accounts in a cluster"
    top = max(sorted(convicted_by), key=lambda c: convicted_by[c])
    members = sorted(r["account_id"] for r in rows if r["cluster_id"] == top)
    convicted = sorted(
        r["account_id"]
        for r in rows
        if r["cluster_id"] == top and r["verdict"] in ("throttle", "block")
    )

    from distillguard._types import Verdict
    from distillguard.gateway.state import StateDB

    state = root / "gateway.state.sqlite"
    with StateDB(state) as sdb:
        sdb.set_override(
            convicted[0], Verdict.BLOCK, reason="case DG-1: shared card", actor="analyst-ana"
        )
    trace = root / "trace.json"
    trace.write_bytes(
        orjson.dumps(
            {
                "scheme": "text",
                "n_passages": 500,
                "n_units_scored": 9000,
                "n_units_seen": 9100,
                "n_keys_tested": 140,
                "correction": "holm",
                "alpha": 1e-6,
                "attributed": [convicted[0]],
                "ranked": [
                    {
                        "account_id": convicted[0],
                        "key_id": "k1",
                        "score": 700.0,
                        "expected": 450.0,
                        "p_value": 1e-30,
                        "log10_p": -30.0,
                        "p_corrected": 1e-28,
                        "log10_p_corrected": -28.0,
                    },
                ],
            }
        )
    )
    other = root / "other"
    _cli("simulate", "--out", str(other), "--scale", "0.01", "--days", "2", "--seed", "11",
         "--workers", "1")  # fmt: skip
    other_db = root / "other.duckdb"
    _cli("ingest", "--db", str(other_db), "--accounts", str(other / "accounts.jsonl"),
         str(other / "exchanges"))  # fmt: skip
    from distillguard.detect.batch import enrich_store
    from distillguard.store import Store

    with Store(other_db) as store:
        enrich_store(store.con, show_progress=False)
    return Case(root, db, results, state, trace, sim / "labels.csv", top, members, convicted,
                other_db, other / "labels.csv")  # fmt: skip
