"""From behaviour features to a score, reason codes and evidence an analyst can read.

Evidence = content x manner: *content* is what a distiller wants (reasoning traces, grader
outputs, harvested coding / tool-use / reasoning answers, saturated outputs, logprobs);
*manner* is how scripted harvesting sends it (templates, single turns, round the clock,
metronomic timing). Manner only amplifies content, so a templated enterprise batch job that
asks for nothing a distiller wants stays clean; content alone (a student asking for steps)
stays below the action thresholds. The evidence is discounted by sample size
(``n / (n + prior)``) and mapped to ``1 - exp(-evidence / scale)``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from distillguard.detect.features import Stats, profile
from distillguard.detect.policy import Policy

__all__ = ["Assessment", "assess", "describe"]

_PAYLOAD = ("cot", "grading", "rewrite_probe", "sys_extract", "datagen", "probe")
_FOCUS = ("harvest_top", "saturation")
_POLICY_KEY = {"harvest_top": "harvest"}
_TEXT = {
    "cot": "{p:.0%} of prompts ask for step-by-step reasoning",
    "grading": "{p:.0%} use the model as a grader",
    "harvest_top": "{p:.0%} target one harvested capability",
    "rewrite_probe": "{p:.0%} are rewrites or policy-boundary probes",
    "sys_extract": "{p:.0%} try to extract the system prompt",
    "datagen": "{p:.0%} ask for training data (data sets, instruction-response pairs, new tasks)",
    "saturation": "{p:.0%} ask for max_tokens at the limit",
    "probe": "{p:.0%} request logprobs or logit_bias",
    "template": "{p:.0%} of prompts match one template",
    "single_turn": "{p:.0%} are single-turn",
    "round_the_clock": "active {p:.0%} of the hours of the day",
    "regular_timing": "machine-regular timing (gap CV {p:.2f})",
    "new_model_pivot": "{p:.0%} of its requests in a new model's first days went to it",
    "capability_harvest": "{p:.0%} of the prompts of accounts tied by cards or sign-up bursts "
    "harvest coding, tool use or reasoning",
}


class Assessment(NamedTuple):
    """A behaviour score with its reason codes and the feature profile behind them."""

    score: float
    reasons: list[str]
    profile: dict[str, float]


def _manner(prof: dict[str, float], policy: Policy) -> dict[str, float]:
    m = policy.values["manner"]
    out = {
        "template": m["template"] * max(0.0, prof["template"] - 0.2) / 0.8,
        "single_turn": m["single_turn"] * max(0.0, prof["single_turn"] - 0.5) / 0.5,
        "round_the_clock": 0.0,
        "regular_timing": 0.0,
    }
    if prof["n_days"] >= 2 and prof["active_hours"] >= 20 / 24:
        out["round_the_clock"] = m["round_the_clock"]
    if prof["n"] >= 20 and prof["gap_cv"] < 0.5:
        out["regular_timing"] = m["regular_timing"] * (0.5 - prof["gap_cv"]) / 0.5
    return out


def assess(
    stats: Stats,
    policy: Policy,
    prior: float,
    accounts: int = 1,
    ties: float = 0.0,
    *,
    harvest_ties: float | None = None,
) -> Assessment:
    """Score a counter set (an account's, or a cluster core's over ``accounts`` accounts).

    evidence = payload x (1 + focus + manner + coordination): *payload* is what only a
    distiller needs (reasoning traces, grader verdicts, rewrites / boundary probes, system
    prompt extraction, logprobs); *focus* (one harvested capability, max_tokens at the
    limit) and *manner* (templates, single turns, round the clock, metronomic timing)
    amplify it; *coordination* grows with the number of accounts in a cluster core that
    share the pattern, plus ``ties``: the share of those accounts bound by a hard tie (a card
    paying for several organisations' accounts, a sign-up burst). No payload, no evidence: a
    coding tool asking for long outputs or a templated batch job is never convicted for its
    shape alone. The one payload that is not in the text: a cluster core bound by hard ties
    whose prompts go to the harvested capabilities (``capability_harvest``, weighed by the
    tied share), since accounts one card pays for across organisations are one operator.
    """
    prof = profile(stats)
    w = policy.values["content"]
    payload = {k: w[k] * prof[k] for k in _PAYLOAD}
    harvest_ties = ties if harvest_ties is None else harvest_ties
    if accounts >= 2 and harvest_ties > 0.0:
        # a core bound by hard ties (cards paying for several organisations, sign-up bursts)
        # that spends its volume on the harvested capabilities is a harvest even when it
        # asks for no reasoning trace: one operator's accounts, not customers who code
        # (``harvest_ties``: the ties that count for it, when the caller knows better)
        payload["capability_harvest"] = w["capability_harvest"] * prof["harvest"] * harvest_ties
    focus = {k: w[_POLICY_KEY.get(k, k)] * prof[k] for k in _FOCUS}
    manner = _manner(prof, policy)
    coordination = (
        policy.get("cluster", "coordination")
        * min(math.log2(max(accounts, 1)), policy.get("cluster", "coordination_cap"))
        + policy.get("cluster", "tie_weight") * ties
    )
    evidence = sum(payload.values()) * (
        1.0 + sum(focus.values()) + sum(manner.values()) + coordination
    )
    conf = prof["n"] / (prof["n"] + prior)
    score = 1.0 - math.exp(-evidence * conf / policy.get("evidence", "scale"))
    reasons = [k for k, v in payload.items() if v >= 0.25]
    if reasons:
        reasons += [k for k, v in focus.items() if v >= 0.25]
        reasons += [k for k, v in manner.items() if v >= 0.2]
        if accounts >= 2:
            reasons.append("coordinated")
        if prof["new_model"] >= 0.4:
            # descriptive only (no weight): eval runners and early adopters move too
            reasons.append("new_model_pivot")
    return Assessment(score, reasons, prof)


def describe(reasons: list[str], prof: dict[str, float]) -> list[str]:
    """Human-readable evidence lines for reason codes."""
    out = []
    for code in reasons:
        if code in _TEXT:
            key = "gap_cv" if code == "regular_timing" else code
            key = "active_hours" if code == "round_the_clock" else key
            key = "new_model" if code == "new_model_pivot" else key
            key = "harvest" if code == "capability_harvest" else key
            out.append(_TEXT[code].format(p=prof.get(key, 0.0)))
    return out
