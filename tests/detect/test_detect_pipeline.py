"""End to end on the hand-made world: output contract, quality, causality, live == batch."""

from __future__ import annotations

import csv
from pathlib import Path

import orjson

from distillguard.cli import main
from distillguard.detect import LiveDetector
from distillguard.detect.batch import ACCOUNT_COLUMNS, CLUSTER_COLUMNS
from distillguard.exchange import parse_account, parse_exchange


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _detect(world: Path, out: Path, exchanges: Path | None = None, accounts: Path | None = None):
    rc = main(
        [
            "detect",
            "--exchanges",
            str(exchanges or world / "exchanges.jsonl"),
            "--accounts",
            str(accounts or world / "accounts.jsonl"),
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    return {r["account_id"]: r for r in _rows(out / "accounts.csv")}


def test_output_columns_exactly_per_spec(small_world: Path, tmp_path: Path) -> None:
    _detect(small_world, tmp_path)
    with (tmp_path / "accounts.csv").open() as fh:
        assert tuple(next(csv.reader(fh))) == ACCOUNT_COLUMNS
    with (tmp_path / "clusters.csv").open() as fh:
        assert tuple(next(csv.reader(fh))) == CLUSTER_COLUMNS
    rows = _rows(tmp_path / "accounts.csv")
    assert {r["verdict"] for r in rows} <= {"allow", "watch", "throttle", "block"}
    assert all(0.0 <= float(r["score"]) <= 1.0 for r in rows)
    for r in rows:
        if r["first_flagged_at"]:
            assert r["first_flagged_at"].endswith("Z")


def test_campaign_caught_and_lookalikes_spared(small_world: Path, tmp_path: Path) -> None:
    res = _detect(small_world, tmp_path)
    attack = [r for a, r in res.items() if a.startswith("att")]
    legit = [r for a, r in res.items() if not a.startswith("att")]
    assert all(r["verdict"] in ("throttle", "block") for r in attack)
    assert not [r["account_id"] for r in legit if r["verdict"] in ("throttle", "block")]
    assert len({r["cluster_id"] for r in attack}) == 1 and attack[0]["cluster_id"]
    ev = [orjson.loads(x) for x in (tmp_path / "evidence.jsonl").read_bytes().splitlines()]
    assert any(e["kind"] == "cluster" and e["links"] for e in ev)
    # a member convicted with its cluster quotes the core's figures as the core's, never its
    # own shares under the cluster's reason codes
    members = [e for e in ev if e["kind"] == "account" and "cluster" in e["reasons"]]
    assert members
    for e in members:
        assert e["evidence"][0].startswith("convicted with a cluster of")
        assert any(line.startswith("cluster core: ") for line in e["evidence"])
        assert all(
            line.startswith(("convicted", "cluster ", "this account", "first used", "signed up"))
            for line in e["evidence"]
        )
    rc = main(
        [
            "eval",
            "--labels",
            str(small_world / "labels.csv"),
            "--results",
            str(tmp_path),
            "--exchanges",
            str(small_world / "exchanges.jsonl"),
        ]
    )
    assert rc == 0
    metrics = orjson.loads((tmp_path / "eval.json").read_bytes())
    assert metrics["recall"] == 1.0 and metrics["false_positives"] == 0
    assert metrics["campaigns"]["cot-harvest"]["withheld"] > 0.8


def test_prefix_run_flags_the_same_accounts_at_the_same_moments(
    small_world: Path, tmp_path: Path
) -> None:
    full = _detect(small_world, tmp_path / "full")
    flagged = sorted(r["first_flagged_at"] for r in full.values() if r["first_flagged_at"])
    cut = flagged[len(flagged) // 2]  # halfway through the campaign's detection
    lines = (small_world / "exchanges.jsonl").read_bytes().splitlines()
    keep = [
        x
        for x in lines
        if parse_exchange(orjson.loads(x)).ts
        <= parse_exchange(
            {"id": "x", "ts": cut, "account_id": "x", "request": {}, "response": None}
        ).ts
    ]
    (tmp_path / "ex.jsonl").write_bytes(b"\n".join(keep) + b"\n")
    cut_ts = parse_exchange(
        {"id": "x", "ts": cut, "account_id": "x", "request": {}, "response": None}
    ).ts
    accts = [
        x
        for x in (small_world / "accounts.jsonl").read_bytes().splitlines()
        if (parse_account(orjson.loads(x)).created_at or cut_ts) <= cut_ts
    ]
    (tmp_path / "acc.jsonl").write_bytes(b"\n".join(accts) + b"\n")
    part = _detect(small_world, tmp_path / "part", tmp_path / "ex.jsonl", tmp_path / "acc.jsonl")
    expect = {
        a: r["first_flagged_at"]
        for a, r in full.items()
        if r["first_flagged_at"] and r["first_flagged_at"] <= cut
    }
    got = {a: r["first_flagged_at"] for a, r in part.items() if r["first_flagged_at"]}
    assert got == expect and expect


def test_live_executor_flags_what_the_batch_run_flags(small_world: Path, tmp_path: Path) -> None:
    batch = _detect(small_world, tmp_path)
    records = [orjson.loads(x) for x in (small_world / "exchanges.jsonl").read_bytes().splitlines()]
    exchanges = sorted((parse_exchange(r) for r in records), key=lambda e: (e.ts, e.id))
    accounts = sorted(
        (
            parse_account(orjson.loads(x))
            for x in (small_world / "accounts.jsonl").read_bytes().splitlines()
        ),
        key=lambda a: (a.created_at, a.account_id),
    )
    det = LiveDetector()
    first: dict[str, str] = {}
    i = 0
    for ex in exchanges:
        while i < len(accounts) and accounts[i].created_at <= ex.ts:
            det.observe_account(accounts[i])
            i += 1
        for change in det.observe(ex):
            if change.verdict in ("throttle", "block") and change.account_id not in first:
                first[change.account_id] = change.ts
    expect = {a: r["first_flagged_at"] for a, r in batch.items() if r["first_flagged_at"]}
    from distillguard.exchange import format_ts

    assert {a: format_ts(t) for a, t in first.items()} == expect


def test_logs_without_client_fingerprints_link_egress_by_user_agent(tmp_path: Path) -> None:
    """Many gateways (this project's included) log a User-Agent but no client fingerprint:
    the egress link then pairs the address with the User-Agent, and in a log that names no
    client at all it is the address alone; in batch and live alike."""
    records = []
    for n in range(12):
        for acct, ip, ua in (
            ("same1", "203.0.113.5", "harvester/2.1"),
            ("same2", "203.0.113.5", "harvester/2.1"),
            ("other1", "198.51.100.9", "OpenAI/Python 1.59.7"),
            ("other2", "198.51.100.9", "Mozilla/5.0 (X11; Linux x86_64)"),
            ("bare1", "192.0.2.33", None),
            ("bare2", "192.0.2.33", None),
        ):
            records.append(
                {
                    "id": f"{acct}-{n}",
                    "ts": f"2026-02-16T{n:02d}:{len(records) % 60:02d}:00Z",
                    "account_id": acct,
                    "request": {"model": "m", "messages": [{"role": "user", "content": f"q{n}"}]},
                    "response": None,
                    "ip": ip,
                    **({"user_agent": ua} if ua else {}),
                }
            )
    log = tmp_path / "log.jsonl"
    log.write_bytes(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
    accounts = tmp_path / "accounts.jsonl"
    accounts.write_bytes(
        b"\n".join(
            orjson.dumps({"account_id": a, "org_id": a, "created_at": "2026-02-15T00:00:00Z"})
            for a in ("same1", "same2", "other1", "other2", "bare1", "bare2")
        )
        + b"\n"
    )
    rows = _detect(tmp_path, tmp_path / "out", exchanges=log, accounts=accounts)
    cluster = rows["same1"]["cluster_id"]
    assert cluster and cluster == rows["same2"]["cluster_id"]
    assert not rows["other1"]["cluster_id"] and not rows["other2"]["cluster_id"]
    assert (
        rows["bare1"]["cluster_id"] and rows["bare1"]["cluster_id"] == rows["bare2"]["cluster_id"]
    )

    det = LiveDetector()
    for a in ("same1", "same2", "other1", "other2", "bare1", "bare2"):
        det.observe_account({"account_id": a, "org_id": a, "created_at": "2026-02-15T00:00:00Z"})
    for r in sorted(records, key=lambda r: (r["ts"], r["id"])):
        det.observe(r)
    find = det.engine.linker.find
    assert find("same1") == find("same2") and find("other1") != find("other2")
    assert find("bare1") == find("bare2")


def test_live_start_up_registers_accounts_in_sign_up_order() -> None:
    """A gateway loads its accounts in storage order; bursts are counted in time order."""
    accounts = [
        {"account_id": f"a{i}", "created_at": f"2026-02-16T08:{m:02d}:00Z", "signup_ip": ip}
        for i, (m, ip) in enumerate(
            ((0, "192.0.2.1"), (3, "192.0.2.2"), (6, "192.0.2.3"), (50, "192.0.2.4"))
        )
    ]
    in_order, shuffled = LiveDetector(), LiveDetector()
    in_order.observe_accounts(accounts)
    shuffled.observe_accounts([accounts[3], accounts[1], accounts[0], accounts[2]])
    bursts = {a: in_order.engine.accounts[a].burst for a in ("a0", "a1", "a2", "a3")}
    assert bursts == {"a0": 2, "a1": 2, "a2": 2, "a3": 0}
    assert {a: shuffled.engine.accounts[a].burst for a in bursts} == bursts
