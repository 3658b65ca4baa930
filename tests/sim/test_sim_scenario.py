"""Acceptance tests of the traffic simulator (issue 2): determinism, label integrity,
spec conformance, coverage of personas and campaigns, the new-model pivot, real prompt
sets and command-line errors."""

from __future__ import annotations

import csv
import gzip
from collections import Counter
from pathlib import Path

import orjson
import pytest

from distillguard.cli import main
from distillguard.exchange import parse_account, parse_exchange
from distillguard.sim import CAMPAIGNS, PERSONAS, simulate

SCALE = 0.03


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _records(out: Path):
    for part in sorted((out / "exchanges").glob("part-*.jsonl.gz")):
        with gzip.open(part, "rb") as fh:
            for line in fh:
                yield orjson.loads(line)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scenario")
    simulate(out, scale=SCALE, seed=11, show_progress=False, workers=2)
    return out


@pytest.fixture(scope="module")
def records(scenario: Path) -> list[dict]:
    return list(_records(scenario))


@pytest.fixture(scope="module")
def labels(scenario: Path) -> dict[str, dict[str, str]]:
    with open(scenario / "labels.csv", newline="") as fh:
        return {row["account_id"]: row for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def meta(scenario: Path) -> dict:
    return orjson.loads((scenario / "scenario.json").read_bytes())


def test_same_seed_gives_byte_identical_files_whatever_the_worker_count(tmp_path: Path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    simulate(a, scale=0.01, seed=5, days=2, show_progress=False, workers=2)
    simulate(b, scale=0.01, seed=5, days=2, show_progress=False, workers=1)
    simulate(c, scale=0.01, seed=6, days=2, show_progress=False, workers=1)
    files_a, files_b, files_c = _files(a), _files(b), _files(c)
    assert files_a.keys() == files_b.keys()
    assert files_a == files_b
    assert files_a["labels.csv"] != files_c["labels.csv"]
    assert files_a["exchanges/part-00000.jsonl.gz"] != files_c["exchanges/part-00000.jsonl.gz"]


def test_every_record_follows_the_spec_and_time_order(records: list[dict]):
    assert len(records) > 1000
    previous = ""
    ids = set()
    for rec in records:
        ex = parse_exchange(rec)
        assert rec["ts"] >= previous
        previous = rec["ts"]
        ids.add(ex.id)
        if ex.status == 200:
            assert ex.response is not None
        else:
            assert ex.response is None
    assert len(ids) == len(records)


def test_bodies_look_like_the_real_apis(records: list[dict]):
    endpoints = Counter(r["endpoint"] for r in records)
    assert endpoints["chat.completions"] > endpoints["messages"] > 0
    assert endpoints["completions"] > 0 and endpoints["responses"] > 0
    statuses = Counter(r["status"] for r in records)
    assert statuses[429] > 0 and statuses[400] + statuses[500] + statuses[502] + statuses[503] > 0
    finish = Counter()
    for rec in records:
        resp = rec["response"]
        if rec["endpoint"] == "chat.completions" and resp:
            choice = resp["choices"][0]
            finish[choice["finish_reason"]] += 1
            usage = resp["usage"]
            assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
            if choice["finish_reason"] == "tool_calls":
                assert choice["message"]["tool_calls"]
    assert finish["stop"] and finish["tool_calls"] and finish["length"]
    requests = [r["request"] for r in records if r["endpoint"] == "chat.completions"]
    assert any("tools" in q for q in requests)
    assert any(q["messages"][0]["role"] == "system" for q in requests)
    assert any(m["role"] == "tool" for q in requests for m in q["messages"])
    assert any("logit_bias" in q and q.get("top_logprobs") for q in requests)
    messages_reqs = [r["request"] for r in records if r["endpoint"] == "messages"]
    assert all("max_tokens" in q for q in messages_reqs)


def test_labels_accounts_and_counts_agree(
    scenario: Path, records: list[dict], labels: dict, meta: dict
):
    accounts = {}
    for line in (scenario / "accounts.jsonl").read_bytes().splitlines():
        acct = parse_account(orjson.loads(line))
        accounts[acct.account_id] = acct
    per_account = Counter(r["account_id"] for r in records)
    first_ts = {}
    for rec in records:
        first_ts.setdefault(rec["account_id"], rec["ts"])
    assert set(per_account) == set(accounts) == set(labels)
    for account_id, acct in accounts.items():
        assert acct.created_at is not None
        assert acct.created_at.isoformat() <= first_ts[account_id].replace("Z", "+00:00")
    by_campaign, by_persona = Counter(), Counter()
    n_campaign, n_persona = Counter(), Counter()
    for account_id, row in labels.items():
        assert row["label"] in ("legit", "attack")
        assert (row["label"] == "attack") == bool(row["campaign"])
        if row["campaign"]:
            by_campaign[row["campaign"]] += per_account[account_id]
            n_campaign[row["campaign"]] += 1
        else:
            by_persona[row["persona"]] += per_account[account_id]
            n_persona[row["persona"]] += 1
    for name, row in meta["campaigns"].items():
        assert row["n_exchanges"] == by_campaign[name], name
        assert row["n_accounts"] == n_campaign[name], name
    for name, row in meta["personas"].items():
        assert row["n_exchanges"] == by_persona[name], name
        assert row["n_accounts"] == n_persona[name], name
    assert meta["n_exchanges"] == len(records)
    assert meta["n_accounts"] == len(accounts)


def test_all_personas_and_campaigns_present(meta: dict, labels: dict):
    for persona in PERSONAS:
        assert meta["personas"][persona]["n_exchanges"] > 0, persona
    for campaign, kind in CAMPAIGNS.items():
        assert meta["campaigns"][campaign]["n_exchanges"] > 0, campaign
        assert meta["campaigns"][campaign]["kind"] == kind
    assert {r["persona"] for r in labels.values()} >= set(PERSONAS)


def test_new_model_arrives_mid_scenario_and_the_hydra_pivots(records: list[dict], meta: dict):
    released = meta["new_model_released_at"]
    new = meta["new_model"]
    assert meta["start"] < released
    assert all(r["request"].get("model") != new for r in records if r["ts"] < released)
    share = meta["new_model_share"]
    assert share["hydra-reseller"]["first_24h"] >= 0.2
    assert share["hydra-reseller"]["later"] >= 0.4
    assert share["eval-runner"]["first_24h"] > 0.3
    assert share["batch-pipeline"]["later"] == 0.0


def test_hydra_shares_the_reseller_egress_and_churns(
    records: list[dict], labels: dict, scenario: Path
):
    ips = {"hydra-reseller": set(), "reseller-customer": set()}
    for rec in records:
        row = labels[rec["account_id"]]
        group = row["campaign"] or row["persona"]
        if group in ips:
            ips[group].add(rec["ip"])
    assert ips["hydra-reseller"] & ips["reseller-customer"]
    accounts = [
        orjson.loads(line)
        for line in (scenario / "accounts.jsonl").read_bytes().split(b"\n")
        if line
    ]
    hydra_created = sorted(
        a["created_at"] for a in accounts if labels[a["account_id"]]["campaign"] == "hydra-reseller"
    )
    start = orjson.loads((scenario / "scenario.json").read_bytes())["start"]
    assert sum(c > start for c in hydra_created) >= 3  # replacements signed up mid-scenario


def test_prompt_sets_supply_real_text(tmp_path: Path, shared_prompts: Path):
    summary = simulate(
        tmp_path, scale=0.01, seed=2, days=1, prompts_dir=shared_prompts, show_progress=False
    )
    assert summary.prompt_sources and all(s.endswith(".jsonl") for s in summary.prompt_sources)
    real = set()
    for file in shared_prompts.glob("*.jsonl"):
        for line in file.read_bytes().splitlines():
            msgs = orjson.loads(line)["messages"]
            real.update(m["content"] for m in msgs if m["role"] == "user")
    used = 0
    for rec in _records(tmp_path):
        for msg in rec["request"].get("messages") or ():
            if msg.get("role") == "user" and isinstance(msg.get("content"), str):
                used += msg["content"] in real
    assert used > 20


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--scale", "-1"], "scale"),
        (["--scale", "nan"], "scale"),
        (["--days", "0"], "days"),
        (["--seed", "-3"], "seed"),
        (["--start", "yesterday"], "start"),
        (["--prompts", "/nonexistent/prompts"], "prompts"),
        (["--preset", "enormous"], "preset"),
        (["--workers", "0"], "workers"),
    ],
)
def test_bad_arguments_fail_with_one_line(tmp_path: Path, capsys, args: list[str], needle: str):
    with pytest.raises(SystemExit) if needle == "preset" else _nothing() as exc:
        code = main(["simulate", "--out", str(tmp_path / "o"), *args])
    if needle == "preset":
        code = exc.value.code
    assert code != 0
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and needle in err and "Traceback" not in err


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_campaigns_and_look_alikes_have_their_defining_structure(
    scenario: Path, records: list[dict], labels: dict
):
    accounts = {
        a["account_id"]: a
        for a in map(orjson.loads, (scenario / "accounts.jsonl").read_bytes().splitlines())
    }

    def group(account_id: str) -> str:
        row = labels[account_id]
        return row["campaign"] or row["persona"]

    ips: dict[str, set] = {}
    fingerprints: dict[str, set] = {}
    for rec in records:
        ips.setdefault(rec["account_id"], set()).add(rec["ip"])
        fingerprints.setdefault(group(rec["account_id"]), set()).add(rec["client_fingerprint"])
    members: dict[str, list[str]] = {}
    for account_id in accounts:
        members.setdefault(group(account_id), []).append(account_id)

    # Low-and-slow: one residential address per account, all different, one shared client.
    slow = members["low-and-slow"]
    assert all(len(ips[a]) == 1 for a in slow)
    assert len({next(iter(ips[a])) for a in slow}) == len(slow)
    assert len(fingerprints["low-and-slow"]) == 1
    # Reasoning harvest: a few data-centre addresses shared by all its accounts.
    assert len(set().union(*(ips[a] for a in members["reasoning-harvest"]))) <= 4
    # Agentic harvest: payment instruments shared across accounts.
    cards = [accounts[a]["payment_fingerprint"] for a in members["agentic-harvest"]]
    assert len(set(cards)) < len(cards)
    # Students: one e-mail domain and org per cohort, sign-ups within a few hours.
    domains = Counter(accounts[a]["email_domain"] for a in members["student"])
    assert max(domains.values()) >= 3
    # Popular client fingerprints are shared by many unrelated legitimate accounts.
    users_per_fp: dict[str, set] = {}
    for rec in records:
        if labels[rec["account_id"]]["label"] == "legit":
            users_per_fp.setdefault(rec["client_fingerprint"], set()).add(rec["account_id"])
    assert max(len(v) for v in users_per_fp.values()) >= 10


def test_output_path_that_is_a_file_fails_with_one_line(tmp_path: Path, capsys):
    target = tmp_path / "occupied"
    target.write_text("not a folder")
    code = main(["simulate", "--out", str(target), "--scale", "0.01", "--days", "1"])
    err = capsys.readouterr().err.strip()
    assert code == 1 and "\n" not in err and "output directory" in err
    assert target.read_text() == "not a folder"
