"""Legitimate personas: the real customers a detector must leave alone.

Each class is a :class:`~distillguard.sim.actor.Behaviour`. They are written as hard
look-alikes of the attacks: students share a subnet, an e-mail domain and the same
homework; batch pipelines send huge volumes of one template on a timer from data-centre
addresses; eval runners send chain-of-thought prompts in bursts and use the model as a
grader, first thing after a new model ships; reseller customers share the reseller's
egress addresses and client fingerprint. ``docs/simulator.md`` describes each one.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from random import Random
from typing import Any

import orjson

from distillguard.sim._seeds import derive_seed
from distillguard.sim.actor import (
    DIURNAL_EVENING,
    DIURNAL_OFFICE,
    Actor,
    Behaviour,
    Step,
    poisson,
)
from distillguard.sim.bodies import Call
from distillguard.sim.convo import CODING_TOOLS, assistant_message, tool_args, tool_result, trim
from distillguard.sim.network import residential_ip
from distillguard.sim.phrasing import (
    COT_SUFFIXES,
    FOLLOW_UPS,
    cot_wrap,
    grader_prompt,
    rewrite_prompt,
)
from distillguard.sim.text import Task, respond
from distillguard.sim.world import DAY_MS, HOUR_MS, NEW_MODEL, World

__all__ = [
    "AgentUser",
    "AppBackend",
    "BatchPipeline",
    "ChatUser",
    "EvalRunner",
    "Student",
]


_CHAT_CAPS = {"chat": 6.0, "writing": 2.0, "coding": 1.5, "math": 1.0}
_AGENT_CAPS = {"coding": 8.0, "tools": 2.0}
_EVAL_MODES = {"cot": 6.0, "plain": 2.0, "judge": 2.0}
_APP_CAPS = {"chat": 4.0, "writing": 4.0, "reasoning": 1.0}
_PICK: dict[int, tuple[dict[str, float], list[str], list[float]]] = {}


def pick(rng: Random, weights: dict[str, float]) -> str:
    """A key of ``weights`` drawn with those weights (tables are long-lived parameters,
    so their cumulative weights are cached)."""
    cached = _PICK.get(id(weights))
    if cached is None or cached[0] is not weights:
        cached = (weights, list(weights), list(itertools.accumulate(weights.values())))
        if len(_PICK) > 4096:
            _PICK.clear()
        _PICK[id(weights)] = cached
    return rng.choices(cached[1], cum_weights=cached[2])[0]


def sampling(actor: Actor, rng: Random) -> tuple[float | None, int | None, str, bool]:
    """Per-session sampling habits: temperature, max tokens, its field name, streaming."""
    p = actor.params
    temperature = p.get("temperature", rng.choice((None, None, 0.7, 1.0, 0.2, 0.0)))
    max_tokens = p.get("max_tokens", rng.choice((None, None, 512, 1024, 2048, 4096, 256)))
    field = p.get("max_tokens_field") or (
        "max_completion_tokens" if rng.random() < 0.3 else "max_tokens"
    )
    stream = rng.random() < p.get("stream", 0.4)
    return temperature, max_tokens, field, stream


def reasoning(endpoint: str, rng: Random, share: float, effort: str | None = None) -> dict:
    """Extended-thinking or reasoning-effort parameters, for a ``share`` of requests."""
    if rng.random() >= share:
        return {}
    if endpoint == "messages":
        return {
            "thinking": {"type": "enabled", "budget_tokens": rng.choice((2048, 4096, 8192, 16000))}
        }
    if endpoint == "chat.completions":
        return {"reasoning_effort": effort or rng.choice(("low", "medium", "high"))}
    return {}


def call_for(
    actor: Actor,
    model: str,
    messages: list[dict[str, Any]],
    habits: tuple[float | None, int | None, str, bool],
    *,
    tools: tuple[dict[str, Any], ...] | None = None,
    extra: dict[str, Any] | None = None,
    endpoint: str | None = None,
) -> Call:
    temperature, max_tokens, field, stream = habits
    endpoint = endpoint or actor.endpoint
    if endpoint == "responses" and (tools or extra):
        endpoint = "chat.completions"  # tool and sampling extras go through chat here
    return Call(
        endpoint=endpoint,
        model=model,
        messages=list(messages),
        tools=tools,
        temperature=temperature,
        max_tokens=max_tokens,
        max_tokens_field=field,
        stream=stream,
        extra=extra or {},
    )


class ChatUser(Behaviour):
    """People chatting: multi-turn sessions, human think time, evenings and weekends.

    ``params``: ``caps`` capability weights, ``turns`` (lo, hi), ``cot`` share of first
    turns asking for step-by-step reasoning, ``system`` a system prompt (or None),
    ``think`` median seconds between turns.
    """

    persona = "chat-user"
    max_session_ms = 3 * HOUR_MS
    diurnal = DIURNAL_EVENING
    weekend_factor = 1.15

    def first_text(self, actor: Actor, world: World, task: Task, rng: Random) -> str:
        p = actor.params
        if task.capability in ("math", "reasoning", "coding", "chat") and rng.random() < p.get(
            "cot", 0.05
        ):
            return cot_wrap(task.text, rng)
        if rng.random() < p.get("rewrite", 0.02):
            return rewrite_prompt(respond(task, rng), rng)
        return task.text

    def task(self, actor: Actor, world: World, rng: Random, start_ms: int) -> Task:
        """What the session is about."""
        caps = actor.params.get("caps") or _CHAT_CAPS
        return world.pool.task(pick(rng, caps), rng)

    def run(self, actor: Actor, world: World, start_ms: int, rng: Random) -> Iterator[Step]:
        p = actor.params
        lo, hi = p.get("turns", (1, 6))
        n_turns = rng.randint(lo, hi)
        habits = sampling(actor, rng)
        model = self.model(actor, world, start_ms, rng)
        messages: list[dict[str, Any]] = []
        system = p.get("system")
        if system:
            messages.append({"role": "system", "content": system})
        task = self.task(actor, world, rng, start_ms)
        messages.extend(task.history)
        ts = start_ms
        style = "plain"
        for turn in range(n_turns):
            if turn == 0:
                text = self.first_text(actor, world, task, rng)
                if text != task.text and "step" in text.lower():
                    style = "cot"
            else:
                text = rng.choice(FOLLOW_UPS)
                style = "cot" if "step" in text else "plain"
            messages.append({"role": "user", "content": text})
            tools = task.tools if turn == 0 else None
            call = call_for(actor, model, messages, habits, tools=tools)
            if tools:
                name, args = tool_args(tools[int(rng.random() * len(tools))], rng)
                steps, ts = self.send(actor, world, rng, ts, call, tool_calls=[(name, args)])
                yield from steps
                if steps[-1].rendered.status != 200:
                    return
                msg, ids = assistant_message(steps[-1].rendered)
                messages.append(msg)
                for cid, _ in ids:
                    messages.append(
                        {"role": "tool", "tool_call_id": cid, "content": tool_result(rng)}
                    )
                ts += int(300 + rng.random() * 3000)
                call = call_for(actor, model, messages, habits, tools=tools)
            answer = respond(task, rng, style=style)
            steps, ts = self.send(actor, world, rng, ts, call, text=answer)
            yield from steps
            if steps[-1].rendered.status != 200:
                return
            messages.append(assistant_message(steps[-1].rendered)[0])
            messages = trim(messages, 12)
            ts += int(rng.lognormvariate(3.6, 0.8) * 1000 * p.get("think", 1.0))
            if ts - start_ms > self.max_session_ms:
                return


class Student(ChatUser):
    """A university cohort: same subnet, same e-mail domain, the same weekly problem set.

    ``params``: ``cohort`` seed of the shared assignment, ``subnet`` campus /16,
    ``deadlines`` scenario days when homework is due (activity spikes the evening before).
    """

    persona = "student"
    diurnal = DIURNAL_EVENING

    def sessions(self, actor: Actor, world: World, day: int, rng: Random) -> list[int]:
        lam = actor.rate * (0.6 if world.weekday(day) >= 5 else 1.0)
        if day in actor.params.get("deadlines", ()):
            lam *= 3.0
        return [self.local_time(actor, world, day, rng) for _ in range(poisson(rng, lam))]

    def task(self, actor: Actor, world: World, rng: Random, start_ms: int) -> Task:
        # The whole cohort works on the same problem set, which changes every week.
        week = (start_ms - world.start_ms) // (7 * DAY_MS)
        k = rng.randrange(actor.params.get("problems", 12))
        return world.pool.task("math", Random(derive_seed(actor.params["cohort"], week, k)))

    def first_text(self, actor: Actor, world: World, task: Task, rng: Random) -> str:
        x = rng.random()
        if x < 0.35:
            return cot_wrap(task.text, rng)
        if x < 0.5:
            return f"how do i solve this? {task.text}"
        if x < 0.6:
            return f"{task.text}\n\nI got a different answer, can you check my working?"
        return task.text

    def ip(self, actor: Actor, rng: Random) -> str:
        return actor.ips[int(rng.random() * len(actor.ips))]


class AgentUser(Behaviour):
    """Coding agents: bursts of rapid tool-calling requests while a developer works.

    ``params``: ``calls`` (lo, hi) requests per task, ``system`` the agent's system
    prompt, ``caps`` task capability weights, ``wrap`` optional list of task templates.
    """

    persona = "coding-agent"
    max_session_ms = 2 * HOUR_MS
    diurnal = DIURNAL_OFFICE
    weekend_factor = 0.35

    def user_text(self, actor: Actor, task: Task, rng: Random) -> str:
        wraps = actor.params.get("wrap")
        if wraps:
            return wraps[int(rng.random() * len(wraps))].format(task=task.text)
        return task.text

    def run(self, actor: Actor, world: World, start_ms: int, rng: Random) -> Iterator[Step]:
        p = actor.params
        lo, hi = p.get("calls", (3, 30))
        n_calls = rng.randint(lo, hi)
        caps = p.get("caps") or _AGENT_CAPS
        task = world.pool.task(pick(rng, caps), rng)
        tools = CODING_TOOLS + (task.tools or ())
        temperature, _, field, stream = sampling(actor, rng)
        habits = (temperature, rng.choice((None, 4096, 8192, 16384)), field, stream)
        model = self.model(actor, world, start_ms, rng)
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": p["system"]},
            {"role": "user", "content": self.user_text(actor, task, rng)},
        ]
        ts = start_ms
        extra = reasoning(actor.endpoint, rng, p.get("reasoning", 0.2))
        for i in range(n_calls):
            call = call_for(actor, model, messages, habits, tools=tools, extra=extra)
            if i < n_calls - 1:
                n_par = 1 if rng.random() < 0.8 else 2
                calls = [
                    tool_args(tools[int(rng.random() * len(tools))], rng) for _ in range(n_par)
                ]
                thought = respond(task, rng, style="short") if rng.random() < 0.4 else ""
                steps, ts = self.send(actor, world, rng, ts, call, text=thought, tool_calls=calls)
            else:
                steps, ts = self.send(actor, world, rng, ts, call, text=respond(task, rng))
            yield from steps
            if steps[-1].rendered.status != 200:
                return
            msg, ids = assistant_message(steps[-1].rendered)
            messages.append(msg)
            for cid, _ in ids:
                messages.append({"role": "tool", "tool_call_id": cid, "content": tool_result(rng)})
            messages = trim(messages, 14)
            ts += int(150 + rng.expovariate(1 / 2500) * p.get("tool_time", 1.0))
            if i == n_calls - 2 and rng.random() < 0.3:
                ts += int(rng.lognormvariate(3.0, 0.8) * 1000)  # the developer reviews
            if ts - start_ms > self.max_session_ms:
                return


class BatchPipeline(Behaviour):
    """An enterprise batch job: one fixed template, changing slots, on a cron schedule.

    ``params``: ``cron`` list of UTC (hour, minute) job starts, ``job`` mean requests per
    job, ``template`` the prompt template, ``slots`` slot values, ``labels`` the answer
    labels, ``logprobs`` whether the job asks for label probabilities.
    """

    persona = "batch-pipeline"
    max_session_ms = 2 * HOUR_MS
    p_429 = 0.02

    def sessions(self, actor: Actor, world: World, day: int, rng: Random) -> list[int]:
        return [
            world.at_clock(day, h * HOUR_MS + m * 60_000) + rng.randrange(0, 4000)
            for h, m in actor.params["cron"]
        ]

    def run(self, actor: Actor, world: World, start_ms: int, rng: Random) -> Iterator[Step]:
        p = actor.params
        n = max(1, round(p["job"] * (0.85 + 0.3 * rng.random())))
        ts = start_ms
        system = p["system"]
        gap = p.get("gap_ms", 700)
        labels = p["labels"]
        extra: dict[str, Any] = {}
        if p.get("json"):
            extra["response_format"] = {"type": "json_object"}
        if p.get("logprobs"):
            extra.update({"logprobs": True, "top_logprobs": 5, "seed": 7})
            extra["logit_bias"] = {str(t): 100 for t in p["label_tokens"]}
        habits = (0.0, p.get("max_tokens", 200), "max_tokens", False)
        for _ in range(n):
            slot = {k: v[int(rng.random() * len(v))] for k, v in p["slots"].items()}
            slot["id"] = rng.randrange(10**6, 10**7)
            messages = [
                {"role": "system", "content": system},
                {"role": "user", "content": p["template"].format(**slot)},
            ]
            label = labels[int(rng.random() * len(labels))]
            if p.get("logprobs"):
                answer = label
            else:
                answer = orjson.dumps(
                    {"label": label, "confidence": round(0.5 + rng.random() / 2, 2)}
                ).decode()
            call = call_for(actor, p["model"], messages, habits, extra=extra)
            steps, _ = self.send(actor, world, rng, ts, call, text=answer)
            yield from steps
            ts += int(gap * (0.7 + 0.6 * rng.random()))
            ts = max(ts, steps[-1].ts_ms)


class EvalRunner(Behaviour):
    """Benchmark and eval runs: a fixed item set sent fast, chain-of-thought prompts, or the
    model used as a judge; runs land on a new model within hours of its release.

    ``params``: ``benchmarks`` capability -> item count, ``concurrency`` requests in flight,
    ``release_lag_h`` hours after a release before the first run on it.
    """

    persona = "eval-runner"
    max_session_ms = 3 * HOUR_MS
    diurnal = DIURNAL_OFFICE
    weekend_factor = 0.5
    p_429 = 0.02

    def sessions(self, actor: Actor, world: World, day: int, rng: Random) -> list[int]:
        starts = super().sessions(actor, world, day, rng)
        release = world.release_ms + int(actor.params["release_lag_h"] * HOUR_MS)
        day_start = world.day_start(day)
        if day_start <= release < day_start + DAY_MS:
            starts.append(release)
            starts.append(release + int(HOUR_MS * (1 + 3 * rng.random())))
        return starts

    def run(self, actor: Actor, world: World, start_ms: int, rng: Random) -> Iterator[Step]:
        p = actor.params
        after = start_ms >= world.release_ms
        model = (
            NEW_MODEL if after and rng.random() < 0.75 else self.model(actor, world, start_ms, rng)
        )
        cap = pick(rng, p["benchmarks"])
        n_items = p["items"]
        bench_seed = derive_seed("benchmark", cap)
        mode = pick(rng, _EVAL_MODES)
        suffix = rng.choice(COT_SUFFIXES)
        first = rng.randrange(0, n_items)
        count = min(n_items, round(p.get("run_size", 200) * (0.5 + rng.random())))
        habits = (0.0, rng.choice((1024, 2048, 4096)), "max_tokens", False)
        extra = reasoning(actor.endpoint, rng, 0.3)
        # pass@k runs on coding benchmarks sample several completions per item.
        pass_k = 1
        if cap == "coding" and actor.endpoint == "chat.completions" and rng.random() < 0.5:
            pass_k = rng.choice((5, 10))
            habits = (0.8, *habits[1:])
        ts = start_ms
        in_flight = p.get("concurrency", 4)
        for j in range(count):
            item = world.pool.task(cap, Random(derive_seed(bench_seed, (first + j) % n_items)))
            if mode == "cot":
                text, style = f"{item.text}\n\n{suffix}", "cot"
            elif mode == "judge":
                text = grader_prompt(item.text, respond(item, rng), rng)
                style = "grade"
            else:
                text, style = item.text, "plain"
            call = call_for(
                actor,
                model,
                [{"role": "user", "content": text}],
                habits,
                tools=item.tools,
                extra=extra,
            )
            if pass_k > 1 and not item.tools:
                call.extra = {**call.extra, "n": pass_k}
                call.alternatives = tuple(
                    respond(item, rng, style=style) for _ in range(pass_k - 1)
                )
            if item.tools:
                name, args = tool_args(item.tools[0], rng)
                steps, done = self.send(actor, world, rng, ts, call, tool_calls=[(name, args)])
            else:
                steps, done = self.send(
                    actor, world, rng, ts, call, text=respond(item, rng, style=style)
                )
            yield from steps
            # ``in_flight`` requests overlap: the next one starts a fraction of a latency later.
            ts += max(20, int((done - ts) / in_flight * (0.5 + rng.random())))
            ts = max(ts, steps[-1].ts_ms)


class AppBackend(Behaviour):
    """A product's backend calling the API for its own end users: one fixed system prompt,
    diverse user text, volume that follows its users' day, a few cloud addresses.

    ``params``: ``per_hour`` mean requests in a busy hour, ``system`` the product prompt.
    """

    persona = "app-backend"
    max_session_ms = HOUR_MS + 10 * 60_000
    diurnal = DIURNAL_EVENING

    def sessions(self, actor: Actor, world: World, day: int, rng: Random) -> list[int]:
        base = world.day_start(day)
        return [base + h * HOUR_MS for h in range(24)]

    def run(self, actor: Actor, world: World, start_ms: int, rng: Random) -> Iterator[Step]:
        p = actor.params
        hour = int(((start_ms // HOUR_MS) + actor.tz) % 24)
        weight = self.diurnal[hour] / (sum(self.diurnal) / 24)
        n = poisson(rng, p["per_hour"] * weight)
        times = sorted(rng.randrange(HOUR_MS) for _ in range(n))
        caps = p.get("caps") or _APP_CAPS
        for offset in times:
            ts = start_ms + offset
            task = world.pool.task(pick(rng, caps), rng)
            messages = [{"role": "system", "content": p["system"]}, *task.history]
            messages.append({"role": "user", "content": task.text})
            habits = (0.7, 800, "max_completion_tokens", rng.random() < 0.7)
            call = call_for(actor, self.model(actor, world, ts, rng), messages, habits)
            steps, _ = self.send(actor, world, rng, ts, call, text=respond(task, rng))
            yield from steps


class LightUser(ChatUser):
    """Occasional users: a question or two now and then."""

    persona = "light-user"


class RoamingChatUser(ChatUser):
    """A chat user whose home address changes now and then and who sometimes uses mobile
    data (fresh residential addresses)."""

    def ip(self, actor: Actor, rng: Random) -> str:
        if rng.random() < 0.1:
            return residential_ip(rng)
        return super().ip(actor, rng)
