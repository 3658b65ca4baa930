"""An actor is one account plus how it behaves; behaviours turn actors into sessions.

:class:`Behaviour` is the small contract every persona and campaign implements:
``sessions`` says when the account starts sessions on one day, ``run`` plays one session
as a time-ordered sequence of exchanges. Both draw from random streams seeded by the
account and the day or session alone, which is what lets days be generated in parallel
and replayed exactly.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from random import Random
from typing import Any

from distillguard.sim.bodies import Call, Rendered, render
from distillguard.sim.network import Client
from distillguard.sim.world import DAY_MS, HOUR_MS, MINI_MODEL, NEW_MODEL, OLD_MODEL, World

__all__ = [
    "DIURNAL_EVENING",
    "DIURNAL_FLAT",
    "DIURNAL_OFFICE",
    "Actor",
    "Behaviour",
    "Step",
    "poisson",
]

FAR_FUTURE = 2**62

# Relative activity by local hour (0-23).
DIURNAL_OFFICE = (
    0.1, 0.05, 0.03, 0.03, 0.05, 0.1, 0.3, 0.8, 1.6, 2.2, 2.4, 2.3,
    1.8, 2.1, 2.4, 2.3, 2.0, 1.5, 0.9, 0.6, 0.5, 0.4, 0.3, 0.2,
)  # fmt: skip
DIURNAL_EVENING = (
    0.4, 0.25, 0.12, 0.06, 0.04, 0.05, 0.15, 0.4, 0.7, 0.9, 1.0, 1.1,
    1.3, 1.2, 1.1, 1.1, 1.2, 1.4, 1.6, 1.9, 2.2, 2.3, 1.8, 1.0,
)  # fmt: skip
DIURNAL_FLAT = (1.0,) * 24
_HOURS = tuple(range(24))
_CUM: dict[tuple[float, ...], list[float]] = {}


def _cumulative(weights: tuple[float, ...]) -> list[float]:
    cum = _CUM.get(weights)
    if cum is None:
        cum = _CUM[weights] = list(itertools.accumulate(weights))
    return cum


def poisson(rng: Random, lam: float) -> int:
    """A Poisson draw (Knuth for small means, a rounded normal for large ones)."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


@dataclass(slots=True)
class Actor:
    """One simulated account: identity, network, client and behaviour parameters."""

    index: int
    account_id: str
    label: str
    persona: str
    campaign: str
    behaviour: Behaviour
    account: dict[str, Any]
    created_ms: int
    keys: tuple[str, ...]
    ips: tuple[str, ...]
    client: Client
    endpoint: str = "chat.completions"
    rate: float = 1.0
    tz: float = 0.0
    end_ms: int = FAR_FUTURE
    new_model_ms: int = FAR_FUTURE
    new_share: float = 0.0
    mini_share: float = 0.1
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Step:
    """One exchange a session produced."""

    ts_ms: int
    rendered: Rendered
    ip: str
    key_id: str


class Behaviour:
    """How a kind of account uses the API. Subclasses set ``persona`` and override hooks."""

    persona: str = "user"
    #: sessions never run longer than this, so a day needs to replay only this much of
    #: the day before.
    max_session_ms: int = 4 * HOUR_MS
    diurnal: tuple[float, ...] = DIURNAL_EVENING
    weekend_factor: float = 0.8
    p_429: float = 0.004
    p_500: float = 0.002
    p_400: float = 0.002

    # ---- scheduling ------------------------------------------------------------------

    def sessions(self, actor: Actor, world: World, day: int, rng: Random) -> list[int]:
        """Start times (ms) of the sessions ``actor`` begins on scenario day ``day``."""
        lam = actor.rate * (self.weekend_factor if world.weekday(day) >= 5 else 1.0)
        return [self.local_time(actor, world, day, rng) for _ in range(poisson(rng, lam))]

    def local_time(self, actor: Actor, world: World, day: int, rng: Random) -> int:
        """A time on ``day`` drawn from the diurnal profile in the actor's time zone."""
        hour = rng.choices(_HOURS, cum_weights=_cumulative(self.diurnal))[0]
        utc_hour = (hour - actor.tz) % 24
        return world.at_clock(day, int(utc_hour * HOUR_MS + rng.random() * HOUR_MS))

    def run(self, actor: Actor, world: World, start_ms: int, rng: Random) -> Iterator[Step]:
        """Play one session from ``start_ms``; yields exchanges in time order."""
        raise NotImplementedError

    # ---- helpers for run() -----------------------------------------------------------

    def model(self, actor: Actor, world: World, ts_ms: int, rng: Random) -> str:
        """The model the actor asks for at ``ts_ms`` (moving to the new one after release)."""
        if (
            ts_ms >= actor.new_model_ms
            and ts_ms >= world.release_ms
            and (rng.random() < actor.new_share)
        ):
            return NEW_MODEL
        return MINI_MODEL if rng.random() < actor.mini_share else OLD_MODEL

    def status(self, rng: Random) -> int:
        x = rng.random()
        if x < self.p_429:
            return 429
        x -= self.p_429
        if x < self.p_500:
            return rng.choice((500, 502, 503))
        x -= self.p_500
        if x < self.p_400:
            return 400
        return 200

    def ip(self, actor: Actor, rng: Random) -> str:
        ips = actor.ips
        return ips[0] if len(ips) == 1 or rng.random() < 0.75 else ips[int(rng.random() * len(ips))]

    def send(
        self,
        actor: Actor,
        world: World,
        rng: Random,
        ts_ms: int,
        call: Call,
        *,
        text: str = "",
        tool_calls: list[tuple[str, dict[str, Any]]] | None = None,
        retry: bool = True,
        ip: str | None = None,
    ) -> tuple[list[Step], int]:
        """Send ``call`` at ``ts_ms``; returns the attempts (failures retried) and the time
        the final answer arrived."""
        steps: list[Step] = []
        key = (
            actor.keys[0]
            if len(actor.keys) == 1
            else actor.keys[int(rng.random() * len(actor.keys))]
        )
        addr = ip or self.ip(actor, rng)
        for _attempt in range(4):
            status = self.status(rng)
            out = render(call, rng, ts_ms, text=text, tool_calls=tool_calls, status=status)
            steps.append(Step(ts_ms, out, addr, key))
            ts_ms += int(out.latency_ms)
            if status == 200 or not retry or status == 400:
                break
            ts_ms += int(1000 * (1 + rng.random() * 2 ** (len(steps) + 1)))
        return steps, ts_ms


def day_of(world: World, ts_ms: int) -> int:
    return (ts_ms - world.start_ms) // DAY_MS
