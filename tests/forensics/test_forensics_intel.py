"""STIX 2.1 intel: the bundle parses, leaks nothing private, and matches what it should."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import orjson
import pytest
import stix2

from distillguard.cli import main
from distillguard.forensics._hashing import Hasher
from distillguard.forensics.match import DETAIL_COLUMNS, MATCH_COLUMNS
from distillguard.gateway.policy_commands import read_detections


def _export(case, out: Path, *extra: str) -> dict:
    argv = ["intel", "export", "--results", str(case.results), "--db", str(case.db)]
    assert main([*argv, "--out", str(out), *extra]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def bundle(case, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("intel") / "bundle.json"
    return out, _export(case, out, "--identity", "Example AI Trust & Safety", "--tlp", "amber")


def _flagged(case) -> dict[str, dict[str, str]]:
    with (case.results / "accounts.csv").open(newline="", encoding="utf-8") as fh:
        return {
            r["account_id"]: r for r in csv.DictReader(fh) if r["verdict"] in ("throttle", "block")
        }


def test_bundle_parses_and_is_well_formed(case, bundle) -> None:
    path, doc = bundle
    parsed = stix2.parse(path.read_text(encoding="utf-8"), allow_custom=True)
    assert parsed.type == "bundle"
    objs = {o["id"]: o for o in doc["objects"]}
    by_type: dict[str, list[dict]] = {}
    for o in doc["objects"]:
        by_type.setdefault(o["type"], []).append(o)
    assert len(by_type["identity"]) == 1
    assert by_type["identity"][0]["name"] == "Example AI Trust & Safety"
    assert stix2.TLP_AMBER.id in objs
    campaigns = {c["x_distillguard_group_id"]: c for c in by_type["campaign"]}
    assert case.cluster in campaigns
    assert by_type["indicator"], "the convicted cluster must yield indicators"
    for rel in by_type["relationship"]:
        assert rel["relationship_type"] == "indicates"
        assert objs[rel["source_ref"]]["type"] == "indicator"
        assert objs[rel["target_ref"]]["type"] == "campaign"
    related = {r["source_ref"] for r in by_type["relationship"]}
    flagged = _flagged(case)
    first = min(flagged[a]["first_flagged_at"] for a in case.convicted)
    for ind in by_type["indicator"]:
        assert ind["id"] in related
        assert ind["pattern_type"] == "stix"
        assert stix2.TLP_AMBER.id in ind["object_marking_refs"]
        assert 0 <= ind["confidence"] <= 100
        assert all(k.startswith("x_distillguard_") for k in ind if k.startswith("x_"))
    cluster_ind = [
        i
        for i in by_type["indicator"]
        if any(
            r["source_ref"] == i["id"] and r["target_ref"] == campaigns[case.cluster]["id"]
            for r in by_type["relationship"]
        )
    ]
    assert cluster_ind
    assert {i["valid_from"][:19] for i in cluster_ind} == {first[:19]}


def test_bundle_holds_no_prompts_or_raw_fingerprints(case, bundle) -> None:
    path, _ = bundle
    text = path.read_text(encoding="utf-8")
    con = duckdb.connect(str(case.db), read_only=True)
    try:
        ids = sorted(_flagged(case))
        cards = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT payment_fingerprint FROM accounts "
                "WHERE list_contains(?, account_id) AND payment_fingerprint IS NOT NULL",
                [ids],
            ).fetchall()
        ]
        clients = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT client_fingerprint FROM exchanges "
                "WHERE list_contains(?, account_id) AND client_fingerprint IS NOT NULL",
                [ids],
            ).fetchall()
        ]
        prompts = [
            r[0]
            for r in con.execute(
                "SELECT request->>'$.messages[-1].content' FROM exchanges "
                "WHERE list_contains(?, account_id) LIMIT 200",
                [ids],
            ).fetchall()
        ]
    finally:
        con.close()
    assert cards and clients
    for value in cards + clients:
        assert value not in text
    for account in ids:
        assert account not in text
    snippets = [p[:40] for p in prompts if isinstance(p, str) and len(p) >= 40]
    assert snippets
    for s in snippets:
        assert s not in text
    # hashed values are the keyed hashes partners can recompute with the shared key
    h = Hasher(None)
    assert any(f"'{h('payment_fingerprint', c)}'" in text for c in cards)


def test_raw_fingerprints_option_shares_the_logs_opaque_values(case, tmp_path: Path) -> None:
    doc = _export(case, tmp_path / "raw.json", "--raw-fingerprints", "--tlp", "green")
    patterns = " ".join(o.get("pattern", "") for o in doc["objects"])
    assert "x-distillguard-account:payment_fingerprint = 'pm_" in patterns
    assert "_hmac" in patterns  # templates are always hashed
    assert stix2.TLP_GREEN.id in {o["id"] for o in doc["objects"]}


def test_round_trip_match_finds_the_cluster(case, bundle, tmp_path: Path) -> None:
    path, _ = bundle
    out, details = tmp_path / "matches.csv", tmp_path / "details.csv"
    argv = ["intel", "match", str(path), "--db", str(case.db), "--out", str(out)]
    assert main([*argv, "--details", str(details)]) == 0
    with out.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == MATCH_COLUMNS
        rows = {r["account_id"]: r for r in reader}
    assert set(case.convicted) <= set(rows)
    for a in case.convicted:
        assert rows[a]["verdict"] == "watch"
        assert f"intel:{case.cluster}" in rows[a]["cluster_id"].split(";")
        assert int(rows[a]["count"]) > 0 and rows[a]["first_seen"] <= rows[a]["last_seen"]
    # per-indicator evidence: each account's counts add up to its row's count
    with details.open(newline="", encoding="utf-8") as fh:
        det = list(csv.DictReader(fh))
    assert tuple(det[0]) == DETAIL_COLUMNS
    for a in case.convicted:
        mine = [d for d in det if d["account_id"] == a]
        assert sum(int(d["count"]) for d in mine) == int(rows[a]["count"])
        assert {d["indicator_id"] for d in mine} == set(rows[a]["indicator_ids"].split(";"))
    # the CSV is what 'distillguard override --from-detections' reads
    verdicts = read_detections(out)
    assert {v.account_id for v in verdicts} == set(rows)
    assert all(v.verdict.value == "watch" for v in verdicts)


def test_other_scenario_matches_no_ordinary_account(case, bundle, tmp_path: Path) -> None:
    path, _ = bundle
    out = tmp_path / "other.csv"
    assert main(["intel", "match", str(path), "--db", str(case.other_db), "--out", str(out)]) == 0
    with case.other_labels.open(newline="", encoding="utf-8") as fh:
        labels = {r["account_id"]: r["label"] for r in csv.DictReader(fh)}
    with out.open(newline="", encoding="utf-8") as fh:
        matched = {r["account_id"]: r for r in csv.DictReader(fh)}
    legit = [a for a in matched if labels.get(a) != "attack"]
    assert legit == [], f"ordinary accounts matched: {[(a, matched[a]['fields']) for a in legit]}"


def test_a_different_key_is_reported_not_silently_empty(
    case, bundle, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = bundle
    argv = ["intel", "match", str(path), "--db", str(case.db), "--hash-key", "another-key"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "hashed with a different key" in err


def test_subnet_indicators_match(case, tmp_path: Path) -> None:
    con = duckdb.connect(str(case.db), read_only=True)
    try:
        ip = con.execute(
            "SELECT ip FROM exchanges WHERE account_id = ? AND ip LIKE '%.%.%.%' LIMIT 1",
            [case.convicted[0]],
        ).fetchone()[0]
    finally:
        con.close()
    net = ".".join(ip.split(".")[:3]) + ".0/24"
    ind = stix2.Indicator(
        pattern=f"[ipv4-addr:value ISSUBSET '{net}']",
        pattern_type="stix",
        valid_from="2026-01-01T00:00:00Z",
        confidence=60,
    )
    path = tmp_path / "partner.json"
    path.write_text(stix2.Bundle(ind).serialize(), encoding="utf-8")
    out = tmp_path / "m.csv"
    assert main(["intel", "match", str(path), "--db", str(case.db), "--out", str(out)]) == 0
    with out.open(newline="", encoding="utf-8") as fh:
        rows = {r["account_id"]: r for r in csv.DictReader(fh)}
    assert case.convicted[0] in rows
    assert rows[case.convicted[0]]["score"] == "0.6000"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["export", "--tlp", "purple"], "unknown TLP level"),
        (["export", "--min-verdict", "severe"], "unknown verdict"),
        (["match", "NOT_A_FILE"], "cannot read"),
        (["match", "BAD_JSON"], "not a valid STIX 2.1 bundle"),
    ],
)
def test_intel_cli_errors_are_one_line(
    case, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(orjson.dumps({"type": "bundle", "id": "nope", "objects": [{"x": 1}]}))
    argv = [str(bad) if a == "BAD_JSON" else str(tmp_path / "missing.json") if a == "NOT_A_FILE"
            else a for a in argv]  # fmt: skip
    full = ["intel", *argv, "--db", str(case.db)]
    if argv[0] == "export":
        full += ["--results", str(case.results), "--out", str(tmp_path / "b.json")]
    assert main(full) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
