"""End to end: a coordinated campaign through the gateway is blocked by the real live
detector, with no offline run, while ordinary users keep being served."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest

from distillguard.gateway.state import StateDB

CHAT = "/v1/chat/completions"
TOPICS = ["binary trees", "dynamic programming", "graph coloring", "regex parsing", "SQL joins"]
CASUAL = [
    "hi, can you help me plan a weekend trip to the coast?",
    "summarize this email: the meeting moved to 3pm, bring the slides",
    "what's a good name for a grey cat?",
    "translate 'good morning, see you soon' to French",
]


@pytest.mark.slow
def test_campaign_is_blocked_live_and_users_are_not(
    mock_upstream: Any, gw_factory: Any, http: Any
) -> None:
    accounts: dict[str, dict] = {
        f"atk-{i}": {"payment_fingerprint": "pay-shared"} for i in range(5)
    }
    accounts.update({f"user-{i}": {"tier": "startup"} for i in range(5)})
    gw = gw_factory(mock_upstream.url, accounts=accounts, live_detection="process")
    for _ in range(300):  # the detector process is up (spawned, detector loaded)
        if gw.app.detector_process.status():
            break
        time.sleep(0.1)
    rng = random.Random(0)

    def send(acct: str, content: str, system: str | None = None) -> int:
        msgs = [{"role": "system", "content": system}] if system else []
        msgs.append({"role": "user", "content": content})
        headers = {"authorization": f"Bearer {gw.keys[acct]}", "user-agent": f"ua-{acct[:3]}"}
        return http(gw.url + CHAT, "POST", {"model": "mock-gpt", "messages": msgs}, headers)[0]

    refused: dict[str, int] = {}
    for step in range(300):  # attackers keep going until refused (about 20 rounds)
        for i in range(5):
            acct = f"atk-{i}"
            status = send(
                acct,
                "You are an expert. Think step by step and show your full chain of reasoning "
                f"before the final answer. Task #{step * 5 + i}: write a Python function for "
                f"{rng.choice(TOPICS)} with tests.",
                system="You are a helpful assistant that always explains its reasoning.",
            )
            if status != 200:
                assert status in (403, 429), status  # block, or a throttle verdict's limit
                refused.setdefault(acct, step)
        user = f"user-{step % 5}"
        assert send(user, rng.choice(CASUAL)) == 200, f"{user} was refused"
        if len(refused) == 5:
            break
        time.sleep(0.02)
    assert sorted(refused) == [f"atk-{i}" for i in range(5)], refused
    with StateDB(gw.app.state_path) as db:
        verdicts = db.verdicts()
    for i in range(5):
        v = verdicts[f"atk-{i}"]
        assert v.source == "live" and v.verdict.value in ("throttle", "block")
    assert not any(
        v.verdict.value in ("throttle", "block")
        for k, v in verdicts.items()
        if k.startswith("user")
    )
