"""``distillguard simulate``: write a labelled, simulated traffic scenario."""

from __future__ import annotations

import argparse
import sys

from distillguard.errors import ConfigError
from distillguard.sim.scenario import DEFAULT_START, PRESETS, simulate

__all__ = ["configure_simulate", "run_simulate"]


def configure_simulate(parser: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="size multiplier (1.0 ≈ 300k exchanges; with --preset, multiplies the preset)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--days", type=int, default=7, help="days of traffic (default 7)")
    parser.add_argument(
        "--prompts", metavar="DIR", default=None, help="folder of prompt-set .jsonl files"
    )
    parser.add_argument(
        "--preset", choices=sorted(PRESETS), default=None, help="named size setting"
    )
    parser.add_argument(
        "--start", metavar="RFC3339", default=None, help=f"first instant (default {DEFAULT_START})"
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: cores, max 4)"
    )


def run_simulate(args: argparse.Namespace) -> int:
    """Run the simulation and print a one-paragraph summary."""
    if args.workers is not None and args.workers < 1:
        raise ConfigError(f"workers must be at least 1, got {args.workers}")
    summary = simulate(
        args.out,
        scale=args.scale,
        seed=args.seed,
        days=args.days,
        prompts_dir=args.prompts,
        preset=args.preset,
        start=args.start,
        workers=args.workers,
    )
    attack = sum(c["n_accounts"] for c in summary.campaigns.values())
    attack_ex = sum(c["n_exchanges"] for c in summary.campaigns.values())
    print(
        f"wrote {summary.n_exchanges:,} exchanges from {summary.n_accounts:,} accounts "
        f"({attack:,} attacking, {attack_ex:,} attack exchanges) in {len(summary.parts)} "
        f"parts to {summary.out_dir}",
        file=sys.stdout,
    )
    return 0
