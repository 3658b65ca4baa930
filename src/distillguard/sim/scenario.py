"""``simulate()``: validate settings, build the roster, write every day, then the indexes.

The heavy lifting is in :mod:`distillguard.sim.writer` (one day at a time, optionally in
parallel processes); this module owns the settings, the output layout and the summary.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import multiprocessing
import os
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from distillguard._progress import progress
from distillguard.errors import ConfigError, InputError, RecordError
from distillguard.exchange import format_ts, parse_ts
from distillguard.sim.actor import Actor
from distillguard.sim.roster import CAMPAIGNS, PERSONAS, Sizes, build_roster
from distillguard.sim.text import PromptPool
from distillguard.sim.world import NEW_MODEL, World
from distillguard.sim.writer import DayResult, run_day

__all__ = ["DEFAULT_START", "PRESETS", "ScenarioSummary", "simulate"]

#: Scenarios start on a Monday at midnight UTC unless told otherwise.
DEFAULT_START = "2026-02-16T00:00:00Z"

#: Named size settings. ``disclosed`` reaches the scale of the February 2026 disclosure:
#: about 24,000 attacking accounts and 16 million attack exchanges among ordinary traffic.
PRESETS: dict[str, Sizes] = {
    "default": Sizes(),
    "disclosed": Sizes(
        legit_accounts=10.0,
        legit_volume=1.0,
        attack_accounts=10.0,
        attack_volume=10.0,
        attack_accounts_by={"hydra-reseller": 18.0, "heavy-scraper": 5.0},
        # Hydra accounts stay individually light and low-and-slow stays slow; the volume
        # sits in the agentic and reasoning campaigns, as in the disclosure.
        attack_volume_by={
            "hydra-reseller": 4.0,
            "low-and-slow": 1.5,
            "agentic-harvest": 18.0,
            "reasoning-harvest": 14.0,
        },
    ),
}


@dataclass(slots=True)
class ScenarioSummary:
    """What a simulation wrote: settings, files and per persona/campaign counts."""

    out_dir: Path
    seed: int
    scale: float
    days: int
    start: str
    preset: str | None
    n_accounts: int
    n_exchanges: int
    parts: list[str]
    personas: dict[str, dict[str, Any]] = field(default_factory=dict)
    campaigns: dict[str, dict[str, Any]] = field(default_factory=dict)
    models: dict[str, str | None] = field(default_factory=dict)
    new_model_share: dict[str, dict[str, float]] = field(default_factory=dict)
    prompt_sources: list[str] = field(default_factory=list)
    sizes: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "scale": self.scale,
            "days": self.days,
            "start": self.start,
            "preset": self.preset,
            "sizes": self.sizes,
            "models": self.models,
            "new_model": NEW_MODEL,
            "new_model_released_at": self.models.get(NEW_MODEL),
            "n_accounts": self.n_accounts,
            "n_exchanges": self.n_exchanges,
            "n_attack_accounts": sum(c["n_accounts"] for c in self.campaigns.values()),
            "n_attack_exchanges": sum(c["n_exchanges"] for c in self.campaigns.values()),
            "parts": self.parts,
            "prompt_sources": self.prompt_sources or ["built-in"],
            "personas": self.personas,
            "campaigns": self.campaigns,
            "new_model_share": self.new_model_share,
        }


def _check(
    scale: float, seed: int, days: int, preset: str | None, start: str | datetime | None
) -> tuple[Sizes, int]:
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not math.isfinite(scale):
        raise ConfigError(f"scale must be a finite number, got {scale!r}")
    if scale <= 0:
        raise ConfigError(f"scale must be greater than 0, got {scale}")
    if scale > 1000:
        raise ConfigError(f"scale {scale} is too large (at most 1000)")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366:
        raise ConfigError(f"days must be a whole number from 1 to 366, got {days!r}")
    name = preset or "default"
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {preset!r} (expected one of {', '.join(PRESETS)})")
    try:
        start_dt = parse_ts(start if start is not None else DEFAULT_START, "start")
    except RecordError as exc:
        raise ConfigError(str(exc)) from None
    return PRESETS[name], int(start_dt.timestamp() * 1000)


class _NoBar:
    def update(self, n: float = 1) -> None:
        pass

    def close(self) -> None:
        pass


# State the worker processes inherit through fork.
_STATE: dict[str, Any] = {}


def _work(day: int) -> DayResult:
    counter = _STATE["counter"]

    def tick(n: int) -> None:
        with counter.get_lock():
            counter.value += n

    return run_day(_STATE["world"], _STATE["actors"], day, _STATE["tmp"], tick=tick)


def _run_days(
    world: World, actors: list[Actor], tmp: Path, workers: int, show_progress: bool
) -> list[DayResult]:
    days = list(range(world.days))
    bar = progress(total=None, desc="simulate", unit="ex") if show_progress else _NoBar()
    try:
        if workers <= 1 or len(days) == 1:
            return [run_day(world, actors, d, tmp, tick=bar.update) for d in days]
        ctx = multiprocessing.get_context("fork")
        counter = ctx.Value("q", 0)
        _STATE.update(world=world, actors=actors, tmp=tmp, counter=counter)
        with ctx.Pool(min(workers, len(days))) as pool:
            pending = pool.map_async(_work, days, chunksize=1)
            shown = 0
            while True:
                try:
                    results = pending.get(timeout=0.5)
                except multiprocessing.TimeoutError:
                    results = None
                value = counter.value
                bar.update(value - shown)
                shown = value
                if results is not None:
                    return sorted(results, key=lambda r: r.day)
    finally:
        _STATE.clear()
        bar.close()


def simulate(
    out_dir: str | os.PathLike[str],
    *,
    scale: float = 1.0,
    seed: int = 0,
    days: int = 7,
    prompts_dir: str | os.PathLike[str] | None = None,
    preset: str | None = None,
    start: str | datetime | None = None,
    show_progress: bool = True,
    workers: int | None = None,
) -> ScenarioSummary:
    """Write a labelled scenario into ``out_dir`` and return its summary.

    The same arguments always produce byte-identical files (``workers`` only changes how
    fast). Raises :class:`ConfigError` for bad settings and :class:`InputError` for an
    unusable prompts directory or output directory.
    """
    sizes, start_ms = _check(scale, seed, days, preset, start)
    pool = PromptPool(prompts_dir) if prompts_dir is not None else PromptPool()
    world = World(seed=seed, start_ms=start_ms, days=days, pool=pool)
    actors = build_roster(world, sizes, float(scale))

    out = Path(out_dir)
    exchanges = out / "exchanges"
    try:
        exchanges.mkdir(parents=True, exist_ok=True)
        for stale in exchanges.iterdir():
            if stale.name.startswith(("part-", ".day-")) and stale.is_file():
                stale.unlink()
    except OSError as exc:
        raise InputError(f"cannot write to output directory {str(out)!r}: {exc.strerror}") from None

    if workers is None:
        workers = min(os.cpu_count() or 1, 4)
    if workers > 1 and "fork" not in multiprocessing.get_all_start_methods():
        workers = 1
    try:
        results = _run_days(world, actors, exchanges, workers, show_progress)
    except BaseException:
        # Leave no half-written day behind.
        for partial in exchanges.glob(".day-*.tmp"):
            partial.unlink(missing_ok=True)
        raise

    parts: list[str] = []
    for result in results:
        for name in result.parts:
            final = f"part-{len(parts):05d}.jsonl.gz"
            shutil.move(exchanges / name, exchanges / final)
            parts.append(final)

    per_account: Counter[int] = Counter()
    per_model: Counter[tuple[str, str, str]] = Counter()
    for result in results:
        per_account.update(result.per_account)
        per_model.update(result.per_model)
    summary = ScenarioSummary(
        out_dir=out,
        seed=seed,
        scale=float(scale),
        days=days,
        start=format_ts(datetime.fromtimestamp(start_ms / 1000, UTC)),
        preset=preset,
        n_accounts=0,
        n_exchanges=sum(per_account.values()),
        parts=parts,
        models=world.models(),
        prompt_sources=list(pool.sources),
        sizes=dataclasses.asdict(sizes),
    )
    _write_indexes(out, actors, per_account, summary)
    summary.new_model_share = _pivot(per_model)
    (out / "scenario.json").write_bytes(
        orjson.dumps(summary.to_dict(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    )
    return summary


def _write_indexes(
    out: Path, actors: list[Actor], per_account: Counter[int], summary: ScenarioSummary
) -> None:
    seen = [a for a in actors if per_account[a.index] > 0]
    summary.n_accounts = len(seen)
    personas = {p: {"label": "legit", "n_accounts": 0, "n_exchanges": 0} for p in PERSONAS}
    campaigns = {
        c: {"kind": kind, "persona": "", "n_accounts": 0, "n_exchanges": 0}
        for c, kind in CAMPAIGNS.items()
    }
    for actor in seen:
        if actor.campaign:
            row = campaigns[actor.campaign]
            row["persona"] = actor.persona
        else:
            row = personas.setdefault(
                actor.persona, {"label": "legit", "n_accounts": 0, "n_exchanges": 0}
            )
        row["n_accounts"] += 1
        row["n_exchanges"] += per_account[actor.index]
    summary.personas, summary.campaigns = personas, campaigns

    rows = sorted(seen, key=lambda a: (a.created_ms, a.account_id))
    with open(out / "accounts.jsonl", "wb") as fh:
        for actor in rows:
            record = {k: v for k, v in actor.account.items() if v is not None and k != "created_at"}
            record["created_at"] = format_ts(datetime.fromtimestamp(actor.created_ms / 1000, UTC))
            ordered = {
                "account_id": record.pop("account_id"),
                "created_at": record.pop("created_at"),
            }
            ordered.update(record)
            fh.write(orjson.dumps(ordered) + b"\n")
    with open(out / "labels.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(("account_id", "label", "campaign", "persona"))
        for actor in sorted(seen, key=lambda a: a.account_id):
            writer.writerow((actor.account_id, actor.label, actor.campaign, actor.persona))


def _pivot(per_model: Counter[tuple[str, str, str]]) -> dict[str, dict[str, float]]:
    """Share of each group's traffic on the new model, before release, in the 24 hours
    after it and later."""
    totals: Counter[tuple[str, str]] = Counter()
    new: Counter[tuple[str, str]] = Counter()
    for (group, phase, model), n in per_model.items():
        totals[(group, phase)] += n
        if model == NEW_MODEL:
            new[(group, phase)] += n
    out: dict[str, dict[str, float]] = {}
    for (group, phase), n in sorted(totals.items()):
        out.setdefault(group, {})[phase] = round(new[(group, phase)] / n, 4)
    return out
