"""Micro-benchmark of the gateway policy hot path and response signing.

    .venv/bin/python bench/bench_policy.py [--keys 10000] [--calls 200000] [--no-redis]

Prints the CPU cost per call of ``Policy.authenticate``, the in-memory ``Policy.admit`` +
``settle``, the Redis-backed ``admit`` (a real ``redis-server`` on loopback, when installed)
and ``Signer.sign``, next to a baseline (one SHA-256 of a key plus one dict lookup) measured
in the same run, so the ratios are comparable across machines. Event loops are uvloop, as
in the gateway.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from distillguard.gateway.config import Limit, load_settings
from distillguard.gateway.keys import hash_secret, new_key_id, new_secret
from distillguard.gateway.policy import Policy
from distillguard.gateway.state import KeyRow, StateDB, now_ts
from distillguard.provenance import Signer


def _run(coro) -> None:
    """Run on uvloop, as the gateway does."""
    import uvloop

    uvloop.run(coro)


def _per_call(fn, n: int) -> float:
    t0 = time.process_time()
    fn(n)
    return (time.process_time() - t0) / n * 1e6


def _make_state(path: Path, n_keys: int) -> list[str]:
    secrets_ = []
    with StateDB(path) as db:
        db.upsert_accounts([{"account_id": f"a{i}", "org_id": f"o{i % 50}"} for i in range(n_keys)])
        for i in range(n_keys):
            s = new_secret()
            secrets_.append(s)
            db.insert_key(
                KeyRow(new_key_id(), f"a{i}", hash_secret(s), None, now_ts(), None), actor="b"
            )
    return secrets_


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=10_000)
    ap.add_argument("--calls", type=int, default=200_000)
    ap.add_argument("--no-redis", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="dg-bench-policy-"))
    secrets_ = _make_state(tmp / "s.sqlite", args.keys)
    limits = {
        "key": Limit(rpm=1e12, tpm=1e15),
        "account": Limit(rpm=1e12, tpm=1e15),
        "org": Limit(rpm=1e12),
        "cluster": Limit(rpm=1e12),
    }
    settings = load_settings(None, limits=limits)
    policy = Policy(settings, state_path=tmp / "s.sqlite")
    policy.reload(force=True)
    k = len(secrets_)
    table = {hash_secret(s): s for s in secrets_}

    def baseline(n: int) -> None:
        for i in range(n):
            table.get(hashlib.sha256(secrets_[i % k].encode()).hexdigest())

    def auth(n: int) -> None:
        for i in range(n):
            policy.authenticate(secrets_[i % k])

    principals = [policy.authenticate(s) for s in secrets_[:1000]]
    t0 = time.process_time()
    for _ in range(5):
        policy.reload(force=True)
    reload_ms = (time.process_time() - t0) / 5 * 1e3
    from distillguard._types import Verdict
    from distillguard.gateway.state import VerdictRow

    t_small = 0.0
    for i in range(5):  # another process publishes one verdict: only verdicts are re-read
        with StateDB(tmp / "s.sqlite") as other:
            other.set_verdicts([VerdictRow(f"a{i}", Verdict.WATCH, 0.5, None, [], "b", now_ts())])
        t0 = time.process_time()
        policy.reload()
        t_small += time.process_time() - t0
    verdict_reload_ms = t_small / 5 * 1e3

    async def admit_loop(p: Policy, n: int) -> None:
        for i in range(n):
            pr = principals[i % len(principals)]
            await p.admit(pr, model="m", est_tokens=100)
            await p.settle(pr, used_tokens=120)

    async def empty_loop(n: int) -> None:
        async def nothing() -> None:
            return None

        for _ in range(n):
            await nothing()
            await nothing()

    n = args.calls
    results: dict[str, float] = {}
    results["baseline sha256 + dict lookup"] = _per_call(baseline, n)
    results["authenticate"] = _per_call(auth, n)
    results["2 empty awaits (loop overhead)"] = _per_call(lambda m: _run(empty_loop(m)), n)
    results["admit + settle, in memory"] = _per_call(lambda m: _run(admit_loop(policy, m)), n)

    redis_bin = shutil.which("redis-server")
    if redis_bin and not args.no_redis:
        port = _free_port()
        proc = subprocess.Popen(
            [redis_bin, "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(tmp)],
            stdout=subprocess.DEVNULL,
        )
        try:
            time.sleep(0.3)
            rp = Policy(
                settings, state_path=tmp / "s.sqlite", redis_url=f"redis://127.0.0.1:{port}"
            )
            rp.reload(force=True)
            m = max(n // 40, 1000)
            t0 = time.perf_counter()
            c0 = time.process_time()
            _run(admit_loop(rp, m))
            results["admit + settle, Redis (client CPU)"] = (time.process_time() - c0) / m * 1e6
            results["admit + settle, Redis (wall, sequential)"] = (
                (time.perf_counter() - t0) / m * 1e6
            )
        finally:
            proc.terminate()
            proc.wait()

    signer = Signer(tmp / "ring.json")
    req = b'{"model":"m","messages":[{"role":"user","content":"' + b"x" * 250 + b'"}]}'
    resp = (
        b'{"id":"c","object":"chat.completion","model":"m","choices":[{"index":0,"message":'
        b'{"role":"assistant","content":"' + b"y" * 500 + b'"},"finish_reason":"stop"}],'
        b'"usage":{"prompt_tokens":70,"completion_tokens":120,"total_tokens":190}}'
    )

    def sign(m: int) -> None:
        for _ in range(m):
            signer.sign(
                request_body=req,
                response_body=resp,
                account_id="a1",
                key_id="k1",
                model="m",
                ts="2026-11-23T12:00:00.000Z",
            )

    private = signer.keyring.active_entry.private_key

    def raw_sign(m: int) -> None:
        for _ in range(m):
            private.sign(b"0" * 32)

    ms = max(n // 20, 2000)
    results["Ed25519 sign alone (32 bytes)"] = _per_call(raw_sign, ms)
    results["Signer.sign (hashes + canonical JSON + sign)"] = _per_call(sign, ms)
    base = results["baseline sha256 + dict lookup"]
    print(f"keys={args.keys} calls={n} python={sys.version.split()[0]}")
    print(f"full state reload (reload thread, {args.keys} keys+accounts): {reload_ms:.1f} ms")
    print(f"reload after another process wrote one verdict: {verdict_reload_ms:.2f} ms")
    for name, us in results.items():
        print(f"{name:<46} {us:8.2f} us/call  {us / base:6.1f}x baseline")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
