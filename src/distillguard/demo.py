"""The end-to-end demonstration behind ``bash scripts/demo.sh``.

It tells the whole story with the same commands an operator would type: a simulated
scenario of ordinary customers and distillation campaigns is written, loaded into the
store, analysed by the causal detector and scored against its labels. Each step prints
the command it stands for, so a newcomer can repeat any of them by hand.
"""

from __future__ import annotations

import argparse
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path

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

    steps += [simulate, ingest, detect, evaluate]
    for step in steps:
        step()
    print(f"\nDone. Everything the demo wrote is in {out}/", flush=True)
    return 0
