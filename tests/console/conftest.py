"""Fixtures for the console tests: a real store and real results, served on loopback.

The world is the simulator at a tiny scale (ordinary customers and campaigns) plus a
small hand-written campaign that any sane detector convicts (shared card, sign-up burst,
one chain-of-thought template, round the clock) and one account whose prompt is HTML, so
the tests know for sure what must be flagged and what must be escaped. Everything goes
through the real CLI (simulate, ingest, detect, eval) and the real gateway state file.
"""

from __future__ import annotations

import csv
import random
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from distillguard.cli import main
from distillguard.console import ConsoleServer, serve_in_thread
from distillguard.exchange import format_ts

START = datetime(2026, 2, 16, tzinfo=UTC)
CAMPAIGN = [f"acct_cons_att_{i:02d}" for i in range(10)]
XSS_ACCOUNT = "acct_cons_xss"
XSS_PROMPT = '<script>alert("dg-xss")</script> please summarise <b>this</b>'
TOKEN = "console-test-token-0123456789"
ODD_ACCOUNT = "team/acct <b>7</b>?x=1#frag"


@dataclass
class World:
    root: Path
    db: Path
    results: Path
    state: Path
    campaign: tuple[str, ...] = tuple(CAMPAIGN)
    xss_account: str = XSS_ACCOUNT
    xss_prompt: str = XSS_PROMPT
    token: str = TOKEN
    odd_account: str = ODD_ACCOUNT


def _write_extra(out: Path) -> tuple[Path, list[dict], list[str]]:
    r = random.Random(11)
    words = ["".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6)) for _ in range(3000)]
    exchanges: list[dict] = []
    accounts: list[dict] = []
    labels: list[str] = []

    def add(aid: str, ts: datetime, content: str, **request: object) -> None:
        exchanges.append(
            {
                "id": f"cons-{len(exchanges)}",
                "ts": format_ts(ts),
                "account_id": aid,
                "request": {
                    "model": "dg-chat-2",
                    "messages": [{"role": "user", "content": content}],
                    **request,
                },
                "response": {
                    "choices": [
                        {
                            "message": {"role": "assistant", "content": "Step 1: ..."},
                            "finish_reason": "stop",
                        }
                    ]
                },
                "ip": f"198.51.100.{len(accounts)}",
                "client_fingerprint": "fp_console_campaign",
            }
        )

    for i, aid in enumerate(CAMPAIGN):
        created = START + timedelta(minutes=5 + i)
        accounts.append(
            {
                "account_id": aid,
                "created_at": format_ts(created),
                "payment_fingerprint": "pm_console_shared_card",
                "tier": "free",
                "signup_ip": "203.0.113.9",
                "country": "ZZ",
            }
        )
        labels.append(f"{aid},attack,console-cot,")
        for _ in range(70):
            q = " ".join(r.choice(words) for _ in range(14))
            add(
                aid,
                created + timedelta(seconds=r.randint(60, 3 * 86400 - 600)),
                f"Solve the following problem: {q}. Think step by step and show your "
                "reasoning before the final answer.",
                max_tokens=8192,
            )
    accounts.append({"account_id": XSS_ACCOUNT, "created_at": format_ts(START), "tier": "pro"})
    labels.append(f"{XSS_ACCOUNT},legit,,chat-user")
    for k in range(3):
        add(XSS_ACCOUNT, START + timedelta(hours=5 + k), XSS_PROMPT)
    for i in range(55):  # ordinary light users: more accounts than one page holds
        aid = f"acct_cons_user_{i:02d}"
        accounts.append({"account_id": aid, "created_at": format_ts(START), "tier": "free"})
        labels.append(f"{aid},legit,,light-user")
        for k in range(2):
            add(
                aid,
                START + timedelta(hours=3 + i, minutes=7 * k),
                f"Ideas for a {r.choice(words)} party?",
            )
    accounts.append({"account_id": ODD_ACCOUNT, "created_at": format_ts(START)})
    labels.append(f'"{ODD_ACCOUNT}",legit,,light-user')
    add(ODD_ACCOUNT, START + timedelta(hours=9), "What is a good name for a cat?")
    path = out / "extra.jsonl"
    path.write_bytes(b"".join(orjson.dumps(x) + b"\n" for x in exchanges))
    return path, accounts, labels


def _cli(*argv: str) -> None:
    status = main(list(argv))
    assert status == 0, f"distillguard {argv[0]} failed with {status}"


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("console-world")
    sim = root / "sim"
    _cli("simulate", "--out", str(sim), "--scale", "0.01", "--days", "3", "--seed", "3",
         "--workers", "1")  # fmt: skip
    extra, accounts, labels = _write_extra(root)
    accounts_path = root / "accounts.jsonl"
    accounts_path.write_bytes(
        (sim / "accounts.jsonl").read_bytes() + b"".join(orjson.dumps(a) + b"\n" for a in accounts)
    )
    labels_path = root / "labels.csv"
    labels_path.write_text(
        (sim / "labels.csv").read_text(encoding="utf-8").rstrip("\n")
        + "\n"
        + "\n".join(labels)
        + "\n",
        encoding="utf-8",
    )
    db = root / "store.duckdb"
    results = root / "results"
    _cli("ingest", "--db", str(db), "--accounts", str(accounts_path), str(sim / "exchanges"),
         str(extra))  # fmt: skip
    _cli("detect", "--db", str(db), "--out", str(results))
    _cli("eval", "--labels", str(labels_path), "--results", str(results), "--db", str(db))
    from distillguard.gateway.state import StateDB

    state = root / "store.state.sqlite"
    with StateDB(state) as sdb:
        from distillguard._types import Verdict

        sdb.set_override(
            CAMPAIGN[0], Verdict.BLOCK, reason="shared card with a banned cluster", actor="analyst"
        )
    return World(root, db, results, state)


@pytest.fixture(scope="session")
def flagged(world: World) -> dict[str, dict[str, str]]:
    """The results rows of accounts at throttle or block, by account id."""
    with (world.results / "accounts.csv").open(newline="", encoding="utf-8") as fh:
        return {
            r["account_id"]: r for r in csv.DictReader(fh) if r["verdict"] in ("throttle", "block")
        }


@pytest.fixture(scope="session")
def console(world: World):
    server = serve_in_thread(world.db, world.results, state=world.state)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def locked_console(world: World):
    server = ConsoleServer.start(world.db, world.results, token=TOKEN)
    yield server
    server.stop()


class Fetched:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> object:
        return orjson.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(
    url: str,
    *,
    headers: dict[str, str] | None = None,
    data: bytes | None = None,
) -> Fetched:
    """One real HTTP request; never follows redirects, never raises on 4xx/5xx."""
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with _OPENER.open(req, timeout=60) as resp:
            return Fetched(
                resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
            )
    except urllib.error.HTTPError as exc:
        return Fetched(exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read())


@pytest.fixture(scope="session")
def http():
    """The :func:`fetch` helper (real HTTP over loopback)."""
    return fetch
