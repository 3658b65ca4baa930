"""The ``distillguard`` command: a thin layer that parses arguments and calls the library.

Subcommands are registered in :data:`COMMANDS` and imported only when used, so
``distillguard --help`` and every command start fast. A command module ``M`` named in the
table defines ``configure_<name>(parser)`` to declare its arguments and
``run_<name>(args) -> int`` to do the work (dashes in the name become underscores).
Errors the library raises on purpose (:class:`~distillguard.errors.DistillGuardError`)
become one line on stderr and exit status 1; bad arguments exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from distillguard import __version__
from distillguard.errors import DistillGuardError

__all__ = ["COMMANDS", "main"]

#: name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("distillguard.demo", "Run the end-to-end demonstration"),
    "simulate": ("distillguard.sim.commands", "Write a labelled, simulated traffic scenario"),
    "ingest": ("distillguard.store.commands", "Load exchange logs and accounts into the store"),
    "export": ("distillguard.store.commands", "Write the store back out as Parquet"),
    "info": ("distillguard.store.commands", "Summarise what is in the store"),
    "detect": ("distillguard.detect.commands", "Flag distillation accounts and clusters"),
    "eval": ("distillguard.detect.commands", "Score detection results against labels"),
    "gateway": ("distillguard.gateway.commands", "Run the protective API gateway"),
    "mock-upstream": ("distillguard.gateway.commands", "Run a mock model server"),
    "keys": ("distillguard.gateway.commands", "Create, list and revoke API keys"),
    "override": ("distillguard.gateway.commands", "Set or clear a manual verdict"),
    "trace": ("distillguard.watermark.commands", "Find which account keys a corpus carries"),
    "radioactivity": (
        "distillguard.watermark.commands",
        "Test whether a suspect model learned from watermarked outputs",
    ),
    "verify": ("distillguard.provenance.commands", "Verify signed responses or an exported log"),
    "replay": ("distillguard.replay", "Replay an exchange log through a running gateway"),
    "console": ("distillguard.console.commands", "Serve the analyst web console"),
    "report": (
        "distillguard.forensics.commands",
        "Write a forensic case report for a cluster or account",
    ),
    "intel": ("distillguard.forensics.commands", "Export or match STIX 2.1 threat indicators"),
}


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _dash_values(parser: argparse.ArgumentParser, args: list[str]) -> list[str]:
    """Join an option that takes one value with a value that starts with a dash.

    argparse reads ``--signature -Qx3...`` (a base64url signature can start with "-") as
    two options and fails; ``--signature=-Qx3...`` is what the user meant.
    """
    options = parser._option_string_actions
    out: list[str] = []
    i = 0
    while i < len(args):
        action = options.get(args[i])
        if (
            action is not None
            and action.nargs is None
            and i + 1 < len(args)
            and args[i + 1].startswith("-")
            and args[i + 1] not in options
        ):
            out.append(f"{args[i]}={args[i + 1]}")
            i += 2
            continue
        out.append(args[i])
        i += 1
    return out


def _top_parser() -> _Parser:
    parser = _Parser(
        prog="distillguard",
        description="Detect, stop and prove distillation attacks on language-model APIs.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="commands:\n"
        + "\n".join(f"  {name:<15} {help_}" for name, (_, help_) in COMMANDS.items())
        + "\n\nRun 'distillguard COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"distillguard {__version__}")
    parser.add_argument("command", nargs="?", help="the command to run")
    return parser


def _load(name: str) -> tuple[object, object]:
    module_name, _ = COMMANDS[name]
    module = importlib.import_module(module_name)
    attr = name.replace("-", "_")
    return getattr(module, f"configure_{attr}"), getattr(module, f"run_{attr}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    top = _top_parser()
    if not args or args[0] in ("-h", "--help", "--version"):
        top.parse_args(args or ["--help"])
        return 0
    name = args[0]
    if name not in COMMANDS:
        top.error(f"unknown command {name!r}")
    try:
        configure, run = _load(name)
    except (ImportError, AttributeError) as exc:
        print(f"distillguard {name}: error: command not available ({exc})", file=sys.stderr)
        return 1
    parser = _Parser(prog=f"distillguard {name}", description=COMMANDS[name][1])
    configure(parser)  # type: ignore[operator]
    ns = parser.parse_args(_dash_values(parser, list(args[1:])))
    try:
        return int(run(ns) or 0)  # type: ignore[operator]
    except DistillGuardError as exc:
        print(f"distillguard {name}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"distillguard {name}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
