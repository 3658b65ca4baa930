"""The end-to-end demonstration behind ``bash scripts/demo.sh``.

It tells the whole story with the same commands an operator would type: a simulated
scenario of ordinary customers and distillation campaigns is written, loaded into the
store, analysed by the causal detector and scored against its labels. Each step prints
the command it stands for, so a newcomer can repeat any of them by hand.
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from distillguard._types import Verdict
from distillguard.errors import ConfigError

__all__ = ["configure_demo", "run_demo"]

SHARED_PROMPTS = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "prompts"


def configure_demo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="demo-out", help="working folder (default: demo-out)")
    parser.add_argument("--scale", type=float, default=0.1, help="scenario size (default 0.1)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument(
        "--prompts",
        default=None,
        help="folder of real prompt sets (default: ../shared/data/prompts when present)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the working folder from an earlier run"
    )
    parser.add_argument(
        "--serve",
        action="store_true",
        help="keep the console open at the end until interrupted (Ctrl-C)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=7 * 86400 / 45,
        help="replay speed-up for the live part (default: the week in about 45 s)",
    )


class _Story:
    """Prints numbered steps and runs each as the CLI command it stands for."""

    def __init__(self) -> None:
        self.step = 0

    def header(self, title: str) -> None:
        self.step += 1
        print(f"\n=== {self.step}. {title}", flush=True)

    def command(self, argv: Sequence[str]) -> None:
        from distillguard.cli import main

        print("$ distillguard " + " ".join(argv), flush=True)
        started = time.perf_counter()
        status = main(list(argv))
        if status != 0:
            raise ConfigError(f"demo step failed: distillguard {argv[0]} exited with {status}")
        print(f"  ({time.perf_counter() - started:.1f} s)", flush=True)


def run_demo(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not args.keep:
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    prompts = Path(args.prompts) if args.prompts else SHARED_PROMPTS
    if args.prompts and not prompts.is_dir():
        raise ConfigError(f"--prompts {prompts} is not a folder")
    story = _Story()
    steps: list[Callable[[], None]] = []

    sim_dir = out / "sim"
    db = out / "demo.duckdb"
    results = out / "results"

    def simulate() -> None:
        story.header("Simulate a week of traffic: ordinary customers and distillation campaigns")
        argv = ["simulate", "--out", str(sim_dir), "--scale", str(args.scale)]
        argv += ["--seed", str(args.seed)]
        if prompts.is_dir():
            argv += ["--prompts", str(prompts)]
        story.command(argv)

    def ingest() -> None:
        story.header("Load the exchange log into the store")
        story.command(
            [
                "ingest",
                str(sim_dir / "exchanges"),
                "--accounts",
                str(sim_dir / "accounts.jsonl"),
                "--db",
                str(db),
            ]
        )
        story.command(["info", "--db", str(db)])

    def detect() -> None:
        story.header("Detect, causally: who is harvesting, since when, with what evidence")
        story.command(["detect", "--db", str(db), "--out", str(results)])

    def evaluate() -> None:
        story.header("Score the verdicts against the scenario's labels")
        story.command(
            [
                "eval",
                "--labels",
                str(sim_dir / "labels.csv"),
                "--results",
                str(results),
                "--db",
                str(db),
            ]
        )

    def prove() -> None:
        story.header("Prove it: a case file for legal, indicators to share with other providers")
        cluster = _top_cluster(results)
        if cluster is None:
            print("no cluster was convicted, so there is no case to write up")
            return
        where = ["--db", str(db), "--results", str(results)]
        story.command(["report", *where, "--cluster", cluster, "--out", str(out / "case.html")])
        story.command(["intel", "export", *where, "--out", str(out / "indicators.stix.json")])

    def live() -> None:
        story.header(
            "Put the gateway in front of a model server and replay the week through it, live"
        )
        _live_gateway(out, sim_dir, db, speed=args.speed)

    def console() -> None:
        story.header("Show it to an analyst: the console over the store, verdicts and audit log")
        _console(out, db, results, serve=args.serve)

    steps += [simulate, ingest, detect, evaluate, prove, live, console]
    for step in steps:
        step()
    print(f"\nDone. Everything the demo wrote is in {out}/", flush=True)
    return 0


# --------------------------------------------------------------------------------------
# The live part: mock model server + gateway as real processes, traffic replayed over HTTP


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(url: str, proc: subprocess.Popen[bytes], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ConfigError(f"{what} exited early with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise ConfigError(f"{what} did not become ready at {url}")


def _top_cluster(results: Path) -> str | None:
    """The convicted cluster with the most accounts, for the case file."""
    with (results / "clusters.csv").open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["verdict"] in ("throttle", "block")]
    if not rows:
        return None
    rows.sort(key=lambda r: (-int(r["n_accounts"]), -float(r["score"]), r["cluster_id"]))
    return rows[0]["cluster_id"]


def _labels(path: Path) -> dict[str, tuple[str, str]]:
    with path.open(newline="") as fh:
        return {
            row["account_id"]: (row["label"], row["campaign"] or row["persona"])
            for row in csv.DictReader(fh)
        }


def _live_gateway(out: Path, sim_dir: Path, db: Path, *, speed: float) -> None:
    import orjson

    from distillguard.gateway.keys import create_key
    from distillguard.gateway.state import StateDB
    from distillguard.replay import FINGERPRINT_HEADER, read_rows, replay

    gw_db = out / "gateway.duckdb"
    state_path = out / "gateway.state.sqlite"
    admin_token = secrets.token_urlsafe(24)
    env = dict(os.environ, DISTILLGUARD_ADMIN_TOKEN=admin_token, DISTILLGUARD_PROGRESS="0")

    accounts = [
        orjson.loads(line)
        for line in (sim_dir / "accounts.jsonl").read_bytes().splitlines()
        if line.strip()
    ]
    # The replay sends each request's logged time and the gateway (replay_timestamps, below)
    # logs it as the exchange's time: live detection sees the simulated week's own timing
    # and the accounts' own sign-up times, however fast the week is played
    keys: dict[str, str] = {}
    with StateDB(state_path) as state:
        state.upsert_accounts(accounts, actor="demo")
        for acct in accounts:
            _, secret = create_key(state, acct["account_id"], actor="demo", name="demo")
            keys[acct["account_id"]] = secret
    print(f"created API keys for {len(keys):,} accounts (stored as SHA-256 hashes only)")

    # The replay compresses a week into under a minute, so ordinary limits are scaled up by
    # the same factor; a throttled account keeps the real-time limit, which at this speed
    # leaves it a trickle.
    config = out / "gateway.toml"
    config.write_text(
        "[limits.key]\nrpm = 100000000\ntpm = 100000000000\n"
        "[limits.account]\nrpm = 100000000\ntpm = 100000000000\n"
        "[limits.cluster]\nrpm = 100000000\ntpm = 100000000000\n"
        "[verdicts.throttle]\nrpm = 6\ntpm = 8000\nmax_tokens_cap = 512\n"
        "strip_reasoning = true\n"
        # the replay client forwards each simulated client's address and TLS fingerprint, as
        # a load balancer that computes JA4 would
        '[server]\ntrusted_proxies = ["127.0.0.1/32"]\n'
        f'fingerprint_header = "{FINGERPRINT_HEADER}"\nreplay_timestamps = true\n'
        '[watermark]\nenabled = true\nkeyring = "watermark-keys.json"\n'
    )
    mock_port, gw_port = _free_port(), _free_port()
    python = [sys.executable, "-m", "distillguard"]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        mock = subprocess.Popen(
            [*python, "mock-upstream", "--port", str(mock_port), "--models", _models(db)],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        procs.append(mock)
        _wait_ready(f"http://127.0.0.1:{mock_port}/v1/models", mock, "mock upstream")
        gw_argv = [*python, "gateway", "--upstream", f"http://127.0.0.1:{mock_port}"]
        gw_argv += ["--port", str(gw_port), "--db", str(gw_db), "--state", str(state_path)]
        gw_argv += ["--log-dir", str(out / "gateway-log"), "--config", str(config)]
        print("$ distillguard " + " ".join(gw_argv[3:]))
        gateway = subprocess.Popen(gw_argv, env=env, stdout=subprocess.DEVNULL)
        procs.append(gateway)
        base = f"http://127.0.0.1:{gw_port}"
        _wait_ready(f"{base}/readyz", gateway, "gateway")

        labels = _labels(sim_dir / "labels.csv")
        tick = {"next": time.monotonic() + 10.0, "attack": Counter(), "legit": Counter()}

        harvest: dict[str, list[bytes]] = {}

        def on_result(row, status: int, body: bytes) -> None:  # type: ignore[no-untyped-def]
            label, group = labels.get(row.account_id, ("legit", ""))
            tick[label][status] += 1
            if status == 200 and label == "attack":
                text = _answer_text(body)
                if text:
                    harvest.setdefault(group, []).append(orjson.dumps({"text": text}))
            if time.monotonic() >= tick["next"]:
                tick["next"] = time.monotonic() + 10.0
                print("  " + _tally(tick["attack"], tick["legit"]), flush=True)

        print(f"replaying at {speed:,.0f}x through {base} ...", flush=True)
        report = replay(read_rows(db), base, keys, speed=speed, concurrency=32, on_result=on_result)
        print("  " + _tally(tick["attack"], tick["legit"]))
        statuses = ", ".join(f"{k}: {v:,}" for k, v in sorted(report.statuses.items()))
        print(f"replayed {report.sent:,} requests in {report.seconds:.0f} s (statuses {statuses})")
        with StateDB(state_path) as state:
            flagged = {
                a for a, v in state.verdicts().items() if v.verdict.at_least(Verdict.THROTTLE)
            }
        _live_summary(report, labels, flagged)
        print(
            "  (flagged live: throttled or blocked by the live detector when the replay ended;"
            " a verdict reaches the\n  gateway about a second after the exchange that earned"
            f" it, which at {speed:,.0f}x is {speed / 3600:,.1f} h of the simulated week,"
            "\n  so an account flagged near its last request is never refused)"
        )
        harvester = _most_harvested(harvest, labels)
        if harvester:
            leaked = out / "leaked-corpus.jsonl"
            leaked.write_bytes(b"\n".join(harvest[harvester]) + b"\n")
            print(
                f"\nSuppose the '{harvester}' campaign's harvest leaks as a training set: "
                f"{leaked} holds the {len(harvest[harvester]):,} answers its accounts "
                "received, each watermarked with its account's key."
            )
            _trace_leak(leaked, out / "watermark-keys.json", sim_dir / "accounts.jsonl")
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _models(db: Path) -> str:
    """The models the scenario's traffic asks for, for the mock model server to serve."""
    from distillguard.store import Store

    with Store(db, read_only=True) as store:
        rows = store.con.execute(
            "SELECT DISTINCT model FROM exchanges WHERE model IS NOT NULL ORDER BY 1"
        ).fetchall()
    return ",".join(r[0] for r in rows if "," not in r[0]) or "mock-gpt"


def _most_harvested(
    harvest: dict[str, list[bytes]], labels: dict[str, tuple[str, str]]
) -> str | None:
    """The campaign that received the most answers per account: the clearest leak to trace."""
    sizes = Counter(group for label, group in labels.values() if label == "attack")
    ranked = sorted(harvest, key=lambda g: (-len(harvest[g]) / max(sizes[g], 1), g))
    return ranked[0] if ranked else None


def _answer_text(body: bytes) -> str:
    """Assistant text of a chat, completions or messages response body (streams: none)."""
    import orjson

    from distillguard.exchange import response_text

    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ""
    if not isinstance(obj, dict):
        return ""
    endpoint = "messages" if obj.get("type") == "message" else "chat.completions"
    if obj.get("object") == "text_completion":
        endpoint = "completions"
    return response_text(endpoint, obj)


def _trace_leak(leaked: Path, keyring: Path, accounts: Path) -> None:
    from distillguard.cli import main

    argv = ["trace", str(leaked), "--keys", str(keyring), "--accounts", str(accounts)]
    argv += ["--top", "5"]
    print("$ distillguard " + " ".join(argv), flush=True)
    if main(argv) != 0:
        raise ConfigError("demo step failed: distillguard trace")


def _tally(attack: Counter[int], legit: Counter[int]) -> str:
    def part(c: Counter[int]) -> str:
        total = sum(c.values())
        refused = c[403] + c[429]
        return f"{total:,} sent, {refused:,} refused ({refused / max(total, 1):.0%})"

    return f"attack: {part(attack)} | ordinary: {part(legit)}"


def _live_summary(  # type: ignore[no-untyped-def]
    report, labels: dict[str, tuple[str, str]], flagged: set[str]
) -> None:
    groups: dict[str, list[str]] = {}
    for account in report.per_account:
        label, group = labels.get(account, ("legit", "?"))
        groups.setdefault(f"{label}:{group}", []).append(account)
    head = f"{'who':<34}{'accounts':>9}{'flagged live':>13}{'refused acc.':>13}"
    print(f"\n  {head}{'requests':>10}{'refused':>9}")
    for name in sorted(groups):
        accts = groups[name]
        total = sum(sum(report.per_account[a].values()) for a in accts)
        refused = sum(report.refused(a) for a in accts)
        hit = sum(1 for a in accts if report.refused(a))
        live = sum(1 for a in accts if a in flagged)
        print(
            f"  {name:<34}{len(accts):>9,}{live:>13,}{hit:>13,}{total:>10,}"
            f"{refused / max(total, 1):>9.0%}"
        )


def _console(out: Path, db: Path, results: Path, *, serve: bool) -> None:
    import json

    from distillguard.console import serve_in_thread

    state = out / "gateway.state.sqlite"
    argv = ["console", "--db", str(db), "--results", str(results), "--state", str(state)]
    print("$ distillguard " + " ".join(argv))
    server = serve_in_thread(db, results, state=state if state.exists() else None)
    try:
        with urllib.request.urlopen(server.url + "/api/overview", timeout=30) as resp:
            overview = json.loads(resp.read())
        with urllib.request.urlopen(server.url + "/api/clusters", timeout=30) as resp:
            clusters = json.loads(resp.read())["items"]
        caught = overview["campaigns"]
        print(
            f"console at {server.url}: {overview['flagged_accounts']:,} flagged accounts, "
            f"{overview['exchanges_withheld']:,} exchanges withheld"
            + (f", {caught['caught']} of {caught['total']} campaigns caught" if caught else "")
        )
        for cluster in [c for c in clusters if c["verdict"] in ("throttle", "block")][:3]:
            print(
                f"  cluster {cluster['cluster_id']} ({cluster['n_accounts']} accounts, "
                f"{cluster['verdict']}): " + "; ".join(cluster["links"][:1] + cluster["evidence"])
            )
        shot = _screenshot(server.url + "/clusters", out / "console.png")
        if shot:
            print(f"  a screenshot of the clusters page is in {shot}")
        if serve:
            print(f"\nThe console is open at {server.url} -- press Ctrl-C to stop.", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    finally:
        server.stop()


def _screenshot(url: str, path: Path) -> Path | None:
    """A headless-Chromium screenshot of ``url`` when Chromium is installed."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return None
    profile = path.parent / ".chromium-profile"
    argv = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic"]
    argv += ["--no-first-run", "--disable-background-networking", "--disable-component-update"]
    argv += ["--disable-sync", f"--user-data-dir={profile}", "--window-size=1280,900"]
    argv += [f"--screenshot={path}", url]
    try:
        subprocess.run(argv, capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return path if path.exists() else None
