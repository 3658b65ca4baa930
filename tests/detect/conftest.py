"""Fixtures for the detection tests: a small hand-made world with one coordinated campaign."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from distillguard.exchange import format_ts

T0 = datetime(2026, 2, 1, tzinfo=UTC)


def _chat(content: str, **extra: object) -> dict:
    return {"model": "m1", "messages": [{"role": "user", "content": content}], **extra}


def _resp(text: str = "Sure.") -> dict:
    return {
        "choices": [{"message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]
    }


def make_world(out: Path, *, seed: int = 0, n_attack: int = 12, n_legit: int = 60) -> Path:
    """Write ``exchanges.jsonl``, ``accounts.jsonl`` and ``labels.csv`` into ``out``.

    The campaign: accounts sharing a payment fingerprint, created in a burst, sending one
    chain-of-thought template over varied maths problems round the clock. Legit accounts:
    diverse multi-turn chat through one popular client fingerprint and shared NAT IP, and a
    templated batch job that asks for nothing a distiller wants.
    """
    r = random.Random(seed)
    words = ["".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6)) for _ in range(4000)]
    exchanges: list[dict] = []
    accounts: list[dict] = []
    labels = ["account_id,label,campaign,persona"]

    def add(aid: str, ts: datetime, request: dict, **kw: object) -> None:
        exchanges.append(
            {
                "id": f"{aid}-{len(exchanges)}",
                "ts": format_ts(ts),
                "account_id": aid,
                "request": request,
                "response": _resp(),
                **kw,
            }
        )

    for a in range(n_attack):
        aid = f"att{a:03d}"
        created = T0 + timedelta(hours=2, seconds=r.randint(0, 600))
        accounts.append(
            {
                "account_id": aid,
                "created_at": format_ts(created),
                "payment_fingerprint": "pay_shared",
                "tier": "free",
                "signup_ip": "203.0.113.7",
            }
        )
        labels.append(f"{aid},attack,cot-harvest,")
        for _ in range(80):
            q = " ".join(r.choice(words) for _ in range(15))
            ts = created + timedelta(seconds=r.randint(60, 3 * 86400))
            add(
                aid,
                ts,
                _chat(
                    f"Solve the following problem: {q}. Think step by step and "
                    "show your reasoning before the final answer.",
                    max_tokens=8192,
                ),
                ip=f"198.51.100.{a}",
                client_fingerprint="fp_popular",
            )
    for a in range(n_legit):
        aid = f"leg{a:03d}"
        created = T0 + timedelta(seconds=r.randint(0, 86400))
        accounts.append(
            {
                "account_id": aid,
                "created_at": format_ts(created),
                "payment_fingerprint": f"pay{a}",
                "tier": "free",
            }
        )
        labels.append(f"{aid},legit,,chat")
        for _ in range(r.randint(10, 60)):
            day = r.randint(0, 2)
            ts = T0 + timedelta(days=day, hours=r.randint(8, 20), seconds=r.randint(0, 3600))
            ts = max(ts, created + timedelta(seconds=1))
            msgs = [{"role": "user", "content": " ".join(r.choice(words) for _ in range(12))}]
            if r.random() < 0.5:
                msgs += [
                    {"role": "assistant", "content": "ok"},
                    {"role": "user", "content": " ".join(r.choice(words) for _ in range(8))},
                ]
            add(
                aid,
                ts,
                {"model": "m1", "messages": msgs},
                ip="192.0.2.1",
                client_fingerprint="fp_popular",
            )
    aid = "batch000"
    accounts.append(
        {
            "account_id": aid,
            "created_at": format_ts(T0),
            "tier": "enterprise",
            "verified": True,
            "payment_fingerprint": "pay_corp",
        }
    )
    labels.append(f"{aid},legit,,batch-pipeline")
    for i in range(600):
        doc = " ".join(r.choice(words) for _ in range(30))
        add(
            aid,
            T0 + timedelta(seconds=300 * i),
            _chat(f"Extract the invoice number and vendor name as JSON from: {doc}"),
            ip="192.0.2.50",
            client_fingerprint="fp_corp",
        )
    out.mkdir(parents=True, exist_ok=True)
    r.shuffle(exchanges)  # records need not be sorted
    (out / "exchanges.jsonl").write_bytes(b"\n".join(orjson.dumps(x) for x in exchanges) + b"\n")
    (out / "accounts.jsonl").write_bytes(b"\n".join(orjson.dumps(x) for x in accounts) + b"\n")
    (out / "labels.csv").write_text("\n".join(labels) + "\n")
    return out


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_world(tmp_path_factory.mktemp("world"))
