"""Stress variants: how detection fares when one assumption of the simulator is taken away.

The detector will meet logs that lack optional fields and campaigns that behave otherwise
than the simulator's. Each variant changes one thing, either in the simulated world (the
simulator's behaviour patched for the run, nothing written to the package) or in the
ingested store (optional columns nulled), then runs ``detect --db`` and ``eval --db`` and
prints recall, AUROC, legitimate accounts flagged, and each campaign's accounts caught and
leak. The variants:

- ``baseline``: the scenario as simulated;
- ``no-fingerprint``: the log has no ``client_fingerprint`` (many gateways log none);
- ``no-client``: neither ``client_fingerprint`` nor ``user_agent``;
- ``no-ip``: the log has no client address;
- ``created-only``: the accounts file says only when each account was created;
- ``no-org``: students, eval runners, batch jobs and app back-ends carry no ``org_id``, a
  webmail domain and ``verified: false`` (nothing says who belongs together);
- ``no-trace``: the hydra asks for no reasoning trace and never grades, and the agentic
  harvest sends its tasks bare under one common agent system prompt (a harvest of plain
  answers);
- ``own-cards``: every attacking account pays with its own card, the hydra's accounts show
  their own client fingerprints instead of the reseller proxy's, and the reasoning harvest
  spreads each wave over 30 minutes.

Usage: .venv/bin/python bench/bench_stress.py [--scale 0.3] [--seed 1] [--work DIR]
[--variants NAME ...]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from random import Random
from typing import Any

import duckdb

from distillguard.sim import campaigns, catalog, roster, simulate

VARIANTS = (
    "baseline",
    "no-fingerprint",
    "no-client",
    "no-ip",
    "created-only",
    "no-org",
    "no-trace",
    "own-cards",
)
_SIM = {"no-trace", "own-cards"}  # variants that change the simulated world itself
_PROTECTED = ("student", "eval-runner", "batch-pipeline", "app-backend")


@contextlib.contextmanager
def _patched(obj: Any, name: str, value: Any) -> Iterator[None]:
    old = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, old)


def _no_trace_first_text(self: Any, actor: Any, world: Any, task: Any, rng: Random) -> str:
    return str(task.text)


@contextlib.contextmanager
def _world(variant: str) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        if variant == "no-trace":
            stack.enter_context(
                _patched(campaigns.HydraAccount, "first_text", _no_trace_first_text)
            )
            agentic = roster._agentic

            def bare_agentic(b: Any) -> None:
                # only the campaign's wrappers and system prompt change, not the customers'
                bare = ("{task}", "Task: {task}", "{task}\n\nUse the tools as needed.")
                with (
                    _patched(catalog, "AGENT_WRAPS", bare),
                    _patched(catalog, "AGENT_PROMPTS", catalog.AGENT_PROMPTS[:1]),
                ):
                    agentic(b)

            stack.enter_context(_patched(roster, "_agentic", bare_agentic))
        elif variant == "own-cards":
            builder = roster._Builder
            add = builder.add
            own = iter(range(1_000_000_000))

            def add_own(self: Any, behaviour: Any, **kw: Any) -> Any:
                if kw.get("label") == "attack":
                    kw["payment"] = self.pay(kw.get("campaign"), "own-card", next(own))
                    if kw.get("campaign") == "hydra-reseller" and "client" in kw:
                        kw["client"] = roster.pick_client(self.rng)
                return add(self, behaviour, **kw)

            stack.enter_context(_patched(builder, "add", add_own))

            def waves(self: Any, actor: Any, world: Any, day: int, rng: Random) -> list[int]:
                starts = base_sessions(self, actor, world, day, rng)
                return [s + rng.randrange(0, 1_800_000) for s in starts]

            base_sessions = campaigns.ReasoningHarvest.sessions
            stack.enter_context(_patched(campaigns.ReasoningHarvest, "sessions", waves))
        yield


_STORE_SQL = {
    "no-fingerprint": ["UPDATE exchanges SET client_fingerprint = NULL"],
    "no-client": ["UPDATE exchanges SET client_fingerprint = NULL, user_agent = NULL"],
    "no-ip": ["UPDATE exchanges SET ip = NULL"],
    "created-only": [
        "UPDATE accounts SET org_id = NULL, tier = NULL, verified = NULL, email_domain = NULL,"
        " payment_fingerprint = NULL, signup_ip = NULL, country = NULL"
    ],
}


def _cli(*args: str) -> None:
    cmd = [sys.executable, "-m", "distillguard", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:1])} failed: {done.stderr.strip()[-400:]}")


def _build(work: Path, variant: str, scale: float, seed: int) -> tuple[Path, Path]:
    """Simulate (once per world) and ingest one variant's store; return (store, labels)."""
    world = "baseline" if variant not in _SIM else variant
    sim = work / f"sim-{world}"
    if not (sim / "scenario.json").is_file():
        with _world(world):
            simulate(sim, scale=scale, seed=seed, show_progress=False, workers=1)
    base = work / f"{world}.duckdb"
    if not base.is_file():
        _cli("ingest", str(sim / "exchanges"), "--accounts", str(sim / "accounts.jsonl"),
             "--db", str(base))  # fmt: skip
    db = base
    if variant not in _SIM and variant != "baseline":
        db = work / f"{variant}.duckdb"
        shutil.copyfile(base, db)
        con = duckdb.connect(str(db))
        try:
            for sql in _STORE_SQL.get(variant, []):
                con.execute(sql)
            if variant == "no-org":
                labels = (sim / "labels.csv").read_text().splitlines()[1:]
                ids = [r.split(",")[0] for r in labels if r.split(",")[3] in _PROTECTED]
                con.execute(
                    "UPDATE accounts SET org_id = NULL, email_domain = 'gmail.com', "
                    "verified = false WHERE list_contains(?, account_id)",
                    [ids],
                )
        finally:
            con.close()
    return db, sim / "labels.csv"


def run(work: Path, variant: str, scale: float, seed: int) -> dict[str, Any]:
    db, labels = _build(work, variant, scale, seed)
    out = work / f"out-{variant}"
    _cli("detect", "--db", str(db), "--out", str(out))
    _cli("eval", "--labels", str(labels), "--results", str(out), "--db", str(db))
    return dict(json.loads((out / "eval.json").read_text()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", type=Path, default=None, help="keep the scenarios here")
    ap.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    args = ap.parse_args()
    tmp = None
    if args.work is None:
        tmp = tempfile.TemporaryDirectory(prefix="dg-stress-")
        work = Path(tmp.name)
    else:
        work = args.work
        work.mkdir(parents=True, exist_ok=True)
    try:
        for variant in args.variants:
            r = run(work, variant, args.scale, args.seed)
            personas = r.get("legit_personas") or {}
            legit = {p: v["flagged"] for p, v in personas.items() if v.get("flagged")}
            print(
                f"{variant:15s} recall {r['recall']:.3f}  AUROC {r['auroc']:.4f}  "
                f"legit flagged {r['false_positives']} {legit or ''}"
            )
            for name, c in sorted(r["campaigns"].items()):
                print(
                    f"    {name:20s} {c['flagged']:5d}/{c['accounts']:<5d} "
                    f"leak {c['leak']:6.2%}  withheld {c['withheld']:6.2%}"
                )
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()
