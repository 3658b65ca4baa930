"""Distillation campaigns, modelled on the publicly disclosed ones.

Attackers draw their underlying tasks from the same pools as real users and use the same
phrasings; what gives them away is how they send them: repeated wrappers, volume
concentrated on a few capabilities, synchronised or scripted timing, shared payment
instruments and addresses, sign-up bursts and churn, and a fast move to a new model.
``docs/simulator.md`` maps each class to the real-world pattern it stands for.
"""

from __future__ import annotations

from collections.abc import Iterator
from random import Random
from typing import Any

from distillguard.sim._seeds import derive_seed
from distillguard.sim.actor import DIURNAL_EVENING, DIURNAL_FLAT, Actor, Behaviour, Step, poisson
from distillguard.sim.bodies import Call
from distillguard.sim.network import residential_ip
from distillguard.sim.personas import AgentUser, ChatUser, call_for, pick, reasoning
from distillguard.sim.phrasing import cot_wrap, grader_prompt, rewrite_prompt
from distillguard.sim.text import Task, respond
from distillguard.sim.world import HOUR_MS, World

__all__ = [
    "AgenticHarvest",
    "HydraAccount",
    "LogitProbe",
    "LowAndSlow",
    "ReasoningHarvest",
    "Scraper",
]


_PROBE_CAPS = {"chat": 1.0, "writing": 1.0, "reasoning": 1.0}
_TOKENS = (" the", " a", " Yes", " No", " 1", " I", ".", " and", " is", " of", " to", "\n")


class ReasoningHarvest(Behaviour):
    """Reasoning harvesting: chain-of-thought elicitation, the model as a grader and
    rewrites, sent by scripts from a few data-centre addresses in synchronised waves.

    ``params``: ``cot`` / ``grader`` / ``rewrite`` the campaign's chosen phrasings,
    ``modes`` mode weights, ``burst`` (lo, hi) requests per account per wave,
    ``waves`` waves per day.
    """

    persona = "reasoning-harvester"
    max_session_ms = HOUR_MS
    diurnal = DIURNAL_FLAT
    p_429 = 0.03

    def sessions(self, actor: Actor, world: World, day: int, rng: Random) -> list[int]:
        key = ("waves", actor.campaign, day)
        waves = world.cache.get(key)
        if waves is None:
            crng = Random(derive_seed(world.seed, *key))
            n = poisson(crng, actor.params["waves"])
            waves = sorted(world.day_start(day) + crng.randrange(86_400_000) for _ in range(n))
            world.cache[key] = waves
        share = actor.params.get("participation", 0.75)
        return [w + rng.randrange(0, 2500) for w in waves if rng.random() < share]

    def run(self, actor: Actor, world: World, start_ms: int, rng: Random) -> Iterator[Step]:
        p = actor.params
        lo, hi = p["burst"]
        ts = start_ms
        habits = (rng.choice((0.7, 1.0)), rng.choice((4096, 8192, None)), "max_tokens", False)
        for _ in range(rng.randint(lo, hi)):
            model = self.model(actor, world, ts, rng)
            task = world.pool.task(pick(rng, p["caps"]), rng)
            mode = pick(rng, p["modes"])
            if mode == "cot":
                text, style = cot_wrap(task.text, rng, suffixes=p["cot"]), "cot"
            elif mode == "grader":
                text = grader_prompt(task.text, respond(task, rng), rng, rng.choice(p["grader"]))
                style = "grade"
            else:
                text = rewrite_prompt(respond(task, rng), rng, rng.choice(p["rewrite"]))
                style = "rewrite"
            messages: list[dict[str, Any]] = []
            if p.get("system"):
                messages.append({"role": "system", "content": p["system"]})
            messages.append({"role": "user", "content": text})
            extra = reasoning(actor.endpoint, rng, p.get("reasoning", 0.5), "high")
            call = call_for(actor, model, messages, habits, extra=extra)
            if actor.endpoint == "chat.completions" and rng.random() < p.get("best_of", 0.2):
                # Best-of-n sampling for rejection sampling of reasoning traces.
                n = rng.choice((2, 4, 4, 8))
                call.extra = {**call.extra, "n": n}
                call.alternatives = tuple(respond(task, rng, style=style) for _ in range(n - 1))
            steps, ts = self.send(actor, world, rng, ts, call, text=respond(task, rng, style=style))
            yield from steps
            ts += int(1500 + rng.random() * 4000)


class AgenticHarvest(AgentUser):
    """Agentic-coding and tool-use harvesting across hundreds of accounts: agent loops
    around the clock, tasks wrapped in the campaign's few templates."""

    persona = "agentic-harvester"
    diurnal = DIURNAL_FLAT
    p_429 = 0.01
    weekend_factor = 1.0

    def ip(self, actor: Actor, rng: Random) -> str:
        # Some sessions exit through rotating residential proxies.
        if rng.random() < actor.params.get("proxy_share", 0.0):
            return residential_ip(rng, v6_share=0.0)
        return super().ip(actor, rng)


class HydraAccount(ChatUser):
    """One light account of a hydra cluster behind a reseller proxy: short single-shot
    sessions on the harvested capabilities, through the reseller's egress addresses; the
    account lives until banned and is replaced at once (see the roster)."""

    persona = "hydra-account"
    max_session_ms = HOUR_MS
    diurnal = DIURNAL_FLAT
    weekend_factor = 1.0

    def first_text(self, actor: Actor, world: World, task: Task, rng: Random) -> str:
        p = actor.params
        x = rng.random()
        if task.capability in ("math", "reasoning", "coding") and x < p.get("cot", 0.6):
            return cot_wrap(task.text, rng, suffixes=p["cot_suffixes"])
        if x > 0.93:
            return grader_prompt(task.text, respond(task, rng), rng)
        return task.text

    def ip(self, actor: Actor, rng: Random) -> str:
        return actor.ips[int(rng.random() * len(actor.ips))]


class LowAndSlow(ChatUser):
    """Low-and-slow harvesting: human-like timing from one residential address per account,
    a shared system-prompt template in paraphrased variants, one shared client build."""

    persona = "low-and-slow"
    diurnal = DIURNAL_EVENING
    weekend_factor = 1.0

    def first_text(self, actor: Actor, world: World, task: Task, rng: Random) -> str:
        if rng.random() < actor.params.get("cot", 0.5):
            return cot_wrap(task.text, rng)
        return task.text


class Scraper(Behaviour):
    """A single heavy scripted scraper: one address, one client, a request every few
    seconds around the clock, every capability, no conversation."""

    persona = "scraper"
    max_session_ms = HOUR_MS + 10 * 60_000
    diurnal = DIURNAL_FLAT
    p_429 = 0.01

    def sessions(self, actor: Actor, world: World, day: int, rng: Random) -> list[int]:
        base = world.day_start(day)
        return [base + h * HOUR_MS + rng.randrange(0, 1000) for h in range(24)]

    def run(self, actor: Actor, world: World, start_ms: int, rng: Random) -> Iterator[Step]:
        p = actor.params
        ts = start_ms
        end = start_ms + HOUR_MS
        habits = (0.0, 2048, "max_tokens", False)
        while ts < end:
            task = world.pool.task(pick(rng, p["caps"]), rng)
            text = p["template"].format(task=task.text)
            call = call_for(
                actor,
                self.model(actor, world, ts, rng),
                [{"role": "user", "content": text}],
                habits,
            )
            steps, done = self.send(actor, world, rng, ts, call, text=respond(task, rng))
            yield from steps
            ts = done + int(p["sleep_ms"] * (0.95 + 0.1 * rng.random()))


class LogitProbe(Behaviour):
    """An output-layer probe: many one-token requests with ``logit_bias`` and
    ``top_logprobs``, sweeping token ids to recover the logits of the final layer."""

    persona = "logit-prober"
    max_session_ms = HOUR_MS
    diurnal = DIURNAL_FLAT
    p_429 = 0.03

    def run(self, actor: Actor, world: World, start_ms: int, rng: Random) -> Iterator[Step]:
        p = actor.params
        lo, hi = p["burst"]
        ts = start_ms
        sweep = rng.randrange(0, 100_000)
        prefix_task = world.pool.task(pick(rng, _PROBE_CAPS), rng)
        words = prefix_task.text.split()
        for i in range(rng.randint(lo, hi)):
            prefix = " ".join(words[: rng.randint(1, max(1, min(12, len(words))))])
            width = rng.randint(1, 40)
            bias = {str((sweep + i * width + k) % 100_277): 100 for k in range(width)}
            endpoint = "completions" if rng.random() < p.get("completions", 0.5) else actor.endpoint
            extra = {"logprobs": True, "top_logprobs": 20 if endpoint != "completions" else 5}
            extra["logit_bias"] = bias
            extra["seed"] = rng.randrange(1000)
            call = Call(
                endpoint=endpoint,
                model=self.model(actor, world, ts, rng),
                messages=[{"role": "user", "content": prefix}],
                temperature=0.0,
                max_tokens=1,
                extra=extra,
            )
            token = _TOKENS[int(rng.random() * len(_TOKENS))]
            steps, done = self.send(actor, world, rng, ts, call, text=token)
            yield from steps
            ts = done + int(200 + rng.random() * 1200)
