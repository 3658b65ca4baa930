"""Stored enrichment is tied to the definition that computed it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import orjson
import pytest

from distillguard.cli import main
from distillguard.detect.batch import enrich_store
from distillguard.detect.enrich import COT, ENRICH_VERSION, system_fields


@pytest.mark.parametrize(
    "system",
    [
        "You are a patient expert. Before answering, lay out every step of your reasoning.",
        "Always give your reasoning in detail, then the answer.",
        "Spell out each step of the solution before you conclude.",
        "Explain your reasoning step by step.",
    ],
)
def test_system_prompts_asking_for_reasoning_are_cot(system: str) -> None:
    assert system_fields(system)[0] & COT


@pytest.mark.parametrize(
    "system",
    [
        "You are a helpful assistant for a travel site. Be concise.",
        "You are the support assistant for a shop. Answer politely.",
    ],
)
def test_ordinary_system_prompts_are_not_cot(system: str) -> None:
    assert not system_fields(system)[0] & COT


@pytest.mark.parametrize(
    ("endpoint", "params", "asks"),
    [
        ("chat.completions", {"reasoning_effort": "high"}, True),
        ("chat.completions", {"reasoning_effort": "xhigh"}, True),
        ("chat.completions", {"reasoning_effort": "medium"}, False),
        ("responses", {"reasoning": {"effort": "high"}}, True),
        ("responses", {"reasoning": {"effort": "low", "summary": "detailed"}}, True),
        ("responses", {"reasoning": {"effort": "medium", "summary": "auto"}}, False),
        ("responses", {"reasoning": {"effort": None}}, False),
        ("messages", {"thinking": {"type": "enabled", "budget_tokens": 4096}}, True),
        ("messages", {"thinking": {"type": "disabled"}}, False),
    ],
)
def test_reasoning_asked_for_by_parameter_is_cot(
    endpoint: str, params: dict[str, object], asks: bool
) -> None:
    from distillguard.detect.enrich import enrich

    if endpoint == "responses":
        request: dict[str, object] = {"model": "m", "input": "Write a haiku about rain."}
    else:
        request = {"model": "m", "messages": [{"role": "user", "content": "Write a haiku."}]}
    request.update(params)
    assert bool(enrich(endpoint, request, None).tags & COT) is asks


def test_enrichment_of_another_version_is_recomputed(tmp_path: Path) -> None:
    rec = {
        "id": "x1",
        "ts": "2026-02-01T00:00:00Z",
        "account_id": "a1",
        "request": {
            "model": "m",
            "messages": [
                {"role": "system", "content": "Explain your reasoning step by step."},
                {"role": "user", "content": "What is 17 * 23?"},
            ],
        },
        "response": {"choices": [{"message": {"content": "391"}, "finish_reason": "stop"}]},
    }
    log = tmp_path / "x.jsonl"
    log.write_bytes(orjson.dumps(rec) + b"\n")
    db = tmp_path / "s.duckdb"
    assert main(["ingest", str(log), "--db", str(db)]) == 0
    con = duckdb.connect(str(db))
    try:
        assert enrich_store(con, show_progress=False) == 1
        assert enrich_store(con, show_progress=False) == 0  # same version: reused
        # rows left by an older definition are dropped and computed again
        con.execute("UPDATE enrichment SET tags = 0")
        con.execute("UPDATE enrichment_version SET version = ?", [ENRICH_VERSION - 1])
        assert enrich_store(con, show_progress=False) == 1
        tags = con.execute("SELECT tags FROM enrichment").fetchall()[0][0]
        assert tags & COT
        assert con.execute("SELECT version FROM enrichment_version").fetchall() == [
            (ENRICH_VERSION,)
        ]
    finally:
        con.close()


def test_cached_single_exchange_enrichment_equals_the_reference() -> None:
    from distillguard.detect.enrich import enrich
    from distillguard.detect.fast_enrich import Enricher

    enricher = Enricher(cache_size=4)
    requests = [
        {
            "model": "m",
            "messages": [
                {"role": "system", "content": "Explain your reasoning step by step."},
                {"role": "user", "content": f"What is {i} * 23? Show your work."},
            ],
        }
        for i in range(6)
    ] + [{"model": "m", "messages": [{"role": "user", "content": "hi"}], "logprobs": True}]
    response = {"choices": [{"message": {"content": "ok"}, "finish_reason": "length"}]}
    for _ in range(2):  # the second pass is served from the caches (and overflows them)
        for req in requests:
            assert enricher.enrich("chat.completions", req, response) == enrich(
                "chat.completions", req, response
            )
