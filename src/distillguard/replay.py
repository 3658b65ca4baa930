"""Replay an exchange log through a running gateway, in time order, at a chosen speed.

Operators use it to load-test a deployment with their own traffic and to see what the
gateway's live detection and enforcement would have done to it; the demo uses it to send a
simulated campaign, mixed with ordinary customers, through the real gateway.

Each logged request is sent again with its account's API key to the endpoint it was logged
on. Relative timing is kept, compressed by ``speed`` (``speed=3600`` plays an hour in a
second), so per-account gap statistics survive. The client's logged address and
User-Agent travel as ``X-Forwarded-For`` and ``User-Agent``, its client fingerprint as
``X-Client-Fingerprint`` (:data:`FINGERPRINT_HEADER`); a gateway that trusts the replaying
host as a proxy (``server.trusted_proxies``, and ``server.fingerprint_header`` set to that
header) attributes them as it would in production, behind an edge that computes JA4.

The logged time travels as ``X-Replay-TS``. A gateway configured with
``server.replay_timestamps`` logs it as the exchange's time, so its live detection sees the
log's own timing (sessions, bursts, synchronized starts, account ages) however fast the
replay runs; any other gateway ignores it and stamps the time of arrival.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from distillguard.errors import ConfigError, InputError
from distillguard.exchange import format_ts
from distillguard.gateway.config import REPLAY_TS_HEADER

__all__ = [
    "FINGERPRINT_HEADER",
    "ReplayReport",
    "ReplayRow",
    "configure_replay",
    "read_rows",
    "replay",
    "run_replay",
]

#: The header the replay sends each logged client fingerprint in.
FINGERPRINT_HEADER = "x-client-fingerprint"

_PATHS = {
    "chat.completions": "/v1/chat/completions",
    "completions": "/v1/completions",
    "messages": "/v1/messages",
}


@dataclass(frozen=True, slots=True)
class ReplayRow:
    """One logged request to send again."""

    ts: datetime
    account_id: str
    endpoint: str
    body: bytes
    ip: str | None = None
    user_agent: str | None = None
    client_fingerprint: str | None = None


@dataclass(slots=True)
class ReplayReport:
    """What happened to the replayed requests, overall and per account."""

    sent: int = 0
    skipped: int = 0
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    per_account: dict[str, Counter[int]] = field(default_factory=dict)
    first_refused: dict[str, float] = field(default_factory=dict)

    def refused(self, account_id: str) -> int:
        """Requests of the account the gateway refused (401/403/429)."""
        counts = self.per_account.get(account_id, Counter())
        return counts[401] + counts[403] + counts[429]


def read_rows(db: str | Path, *, accounts: Iterable[str] | None = None) -> Iterator[ReplayRow]:
    """Logged requests from a store, oldest first (optionally only some accounts)."""
    from distillguard.store import Store

    path = Path(db)
    if not path.exists():
        raise InputError(f"no store at {path}")
    with Store(path, read_only=True) as store:
        sql = (
            "SELECT ts, account_id, endpoint, request, ip, user_agent, client_fingerprint"
            " FROM exchanges"
        )
        params: list[object] = []
        if accounts is not None:
            wanted = sorted(set(accounts))
            sql += " WHERE account_id IN (SELECT unnest(?))"
            params.append(wanted)
        cursor = store.con.execute(sql + " ORDER BY ts, id", params)
        while batch := cursor.fetchmany(5000):
            for ts, account_id, endpoint, request, ip, user_agent, fingerprint in batch:
                if endpoint not in _PATHS:
                    continue
                yield ReplayRow(
                    ts=ts,
                    account_id=account_id,
                    endpoint=endpoint,
                    body=request.encode(),
                    ip=ip,
                    user_agent=user_agent,
                    client_fingerprint=fingerprint,
                )


async def _replay(
    rows: Iterable[ReplayRow],
    base_url: str,
    keys: Mapping[str, str],
    *,
    speed: float | None,
    concurrency: int,
    on_result: Callable[[ReplayRow, int, bytes], None] | None,
) -> ReplayReport:
    report = ReplayReport()
    gate = asyncio.Semaphore(concurrency)
    tasks: set[asyncio.Task[None]] = set()
    base = base_url.rstrip("/")
    started = time.monotonic()
    first_ts: float | None = None
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=concurrency)

    async def send(session: aiohttp.ClientSession, row: ReplayRow, secret: str) -> None:
        headers = {"content-type": "application/json"}
        if row.endpoint == "messages":
            headers["x-api-key"] = secret
            headers["anthropic-version"] = "2023-06-01"
        else:
            headers["authorization"] = f"Bearer {secret}"
        if row.ip:
            headers["x-forwarded-for"] = row.ip
        if row.user_agent:
            headers["user-agent"] = row.user_agent
        if row.client_fingerprint:
            headers[FINGERPRINT_HEADER] = row.client_fingerprint
        ts = row.ts if row.ts.tzinfo else row.ts.replace(tzinfo=UTC)  # the store keeps UTC
        headers[REPLAY_TS_HEADER] = format_ts(ts)
        try:
            async with session.post(
                base + _PATHS[row.endpoint], data=row.body, headers=headers
            ) as r:
                body = await r.read()
                status = r.status
        except (aiohttp.ClientError, TimeoutError):
            status, body = 599, b""
        finally:
            gate.release()
        report.sent += 1
        report.statuses[status] += 1
        report.per_account.setdefault(row.account_id, Counter())[status] += 1
        if status in (401, 403, 429):
            report.first_refused.setdefault(row.account_id, time.monotonic() - started)
        if on_result is not None:
            on_result(row, status, body)

    async with aiohttp.ClientSession(
        timeout=timeout, connector=connector, skip_auto_headers=("User-Agent",)
    ) as session:
        for row in rows:
            secret = keys.get(row.account_id)
            if secret is None:
                report.skipped += 1
                continue
            ts = row.ts.timestamp()
            if first_ts is None:
                first_ts = ts
            if speed:
                delay = (ts - first_ts) / speed - (time.monotonic() - started)
                if delay > 0:
                    await asyncio.sleep(delay)
            await gate.acquire()
            task = asyncio.create_task(send(session, row, secret))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.gather(*tasks)
    report.seconds = time.monotonic() - started
    return report


def replay(
    rows: Iterable[ReplayRow],
    base_url: str,
    keys: Mapping[str, str],
    *,
    speed: float | None = None,
    concurrency: int = 16,
    on_result: Callable[[ReplayRow, int, bytes], None] | None = None,
) -> ReplayReport:
    """Send ``rows`` to the gateway at ``base_url`` with each account's key from ``keys``.

    ``speed`` compresses the logged timeline (None sends as fast as ``concurrency``
    allows). Rows of accounts without a key are skipped and counted. ``on_result`` is
    called with each row, the status and the response body as they complete.
    """
    if concurrency < 1:
        raise ConfigError("concurrency must be at least 1")
    if speed is not None and speed <= 0:
        raise ConfigError("speed must be positive")
    return asyncio.run(
        _replay(rows, base_url, keys, speed=speed, concurrency=concurrency, on_result=on_result)
    )


# --------------------------------------------------------------------------------------
# Command line


def configure_replay(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", required=True, help="store holding the exchanges to replay")
    parser.add_argument("--gateway", required=True, help="gateway base URL, e.g. http://h:8080")
    parser.add_argument(
        "--keys",
        required=True,
        help="JSON file mapping account id to API key secret (accounts without one are skipped)",
    )
    parser.add_argument("--speed", type=float, default=None, help="timeline compression factor")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")


def run_replay(args: argparse.Namespace) -> int:
    try:
        keys = json.loads(Path(args.keys).read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read keys file {args.keys}: {exc}") from None
    if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
        raise InputError(f"{args.keys} must be a JSON object of account id -> key secret")
    report = replay(
        read_rows(args.db, accounts=keys),
        args.gateway,
        keys,
        speed=args.speed,
        concurrency=args.concurrency,
    )
    statuses = ", ".join(f"{k}: {v:,}" for k, v in sorted(report.statuses.items()))
    print(
        f"replayed {report.sent:,} requests in {report.seconds:.1f} s "
        f"({report.skipped:,} skipped without a key); statuses {statuses}"
    )
    refused = sum(1 for a in report.per_account if report.refused(a))
    print(f"{refused:,} of {len(report.per_account):,} accounts were refused at least once")
    return 0
