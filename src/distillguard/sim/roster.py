"""Who is in the scenario: every account, its persona or campaign, and its parameters.

The roster is built once, up front, from the scenario seed and the size settings; it is
small (one object per account) and identical in every worker process. Hydra churn is
decided here too: ban waves and the replacement accounts created right after them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random
from typing import Any

from distillguard.sim import catalog
from distillguard.sim._seeds import derive_seed, short_hash
from distillguard.sim.actor import FAR_FUTURE, Actor, Behaviour
from distillguard.sim.campaigns import (
    AgenticHarvest,
    HydraAccount,
    LogitProbe,
    LowAndSlow,
    ReasoningHarvest,
    Scraper,
)
from distillguard.sim.network import (
    Client,
    campus_subnet,
    datacenter_ip,
    datacenter_prefix,
    pick_client,
    residential_ip,
    subnet_ip,
)
from distillguard.sim.personas import (
    AgentUser,
    AppBackend,
    BatchPipeline,
    ChatUser,
    EvalRunner,
    LightUser,
    RoamingChatUser,
    Student,
)
from distillguard.sim.phrasing import (
    COT_SUFFIXES,
    GRADER_TEMPLATES,
    REWRITE_TEMPLATES,
    SYSTEM_PROMPTS,
)
from distillguard.sim.world import DAY_MS, HOUR_MS, MINI_MODEL, OLD_MODEL, World

__all__ = ["CAMPAIGNS", "PERSONAS", "Sizes", "build_roster"]

#: Legitimate personas (label ``legit``).
PERSONAS: tuple[str, ...] = (
    "chat-user",
    "light-user",
    "step-by-step-user",
    "coding-agent",
    "student",
    "batch-pipeline",
    "eval-runner",
    "reseller-customer",
    "app-backend",
)

#: Attack campaigns: name -> kind.
CAMPAIGNS: dict[str, str] = {
    "reasoning-harvest": "reasoning-harvesting",
    "agentic-harvest": "agentic-tool-harvesting",
    "hydra-reseller": "hydra-proxy-cluster",
    "low-and-slow": "low-and-slow",
    "heavy-scraper": "single-scripted-scraper",
    "logit-probe": "logit-bias-probe",
}


@dataclass(frozen=True, slots=True)
class Sizes:
    """Multipliers on the base (scale 1) scenario: account counts and per-account volume,
    separately for legitimate traffic and for attacks (``attack_accounts_by`` and
    ``attack_volume_by`` override the attack multipliers per campaign)."""

    legit_accounts: float = 1.0
    legit_volume: float = 1.0
    attack_accounts: float = 1.0
    attack_volume: float = 1.0
    attack_accounts_by: dict[str, float] = field(default_factory=dict)
    attack_volume_by: dict[str, float] = field(default_factory=dict)

    def n_attack(self, campaign: str, base: float) -> float:
        return base * self.attack_accounts_by.get(campaign, self.attack_accounts)

    def volume(self, campaign: str) -> float:
        """Per-account volume multiplier of one attack campaign."""
        return self.attack_volume_by.get(campaign, self.attack_volume)


# Capability mixes; shared dicts (the weighted draw caches per table).
_CHAT_CAPS = {"chat": 6, "writing": 2, "coding": 1.5, "math": 1, "reasoning": 0.5, "tools": 0.3}
_COT_CAPS = {"math": 4, "reasoning": 3, "coding": 2, "chat": 2}
_RESOLD_CAPS = {"chat": 4, "coding": 3, "writing": 1, "math": 1, "tools": 1}
_AGENTIC_CAPS = {"coding": 6, "tools": 4}
_SLOW_CAPS = {"reasoning": 3, "math": 3, "coding": 3, "chat": 1}


class _Builder:
    """Accumulates actors with stable ids, drawing everything from one seeded stream."""

    def __init__(self, world: World, sizes: Sizes, scale: float) -> None:
        self.world = world
        self.sizes = sizes
        self.scale = scale
        self.rng = Random(derive_seed(world.seed, "roster"))
        self.actors: list[Actor] = []

    def count(self, base: float, *, attack: str | None = None, minimum: int = 1) -> int:
        if attack is None:
            n = base * self.sizes.legit_accounts * self.scale
        else:
            n = self.sizes.n_attack(attack, base) * self.scale
        return max(minimum, round(n))

    def factor(self, base: float, n: int, *, attack: str | None = None) -> float:
        """Volume multiplier for a group whose account count was raised to a minimum, so
        tiny scales stay proportionally small."""
        raw = base * (
            self.sizes.legit_accounts if attack is None else self.sizes.n_attack(attack, 1.0)
        )
        return min(1.0, raw * self.scale / n) if n else 1.0

    def country(self, rng: Random | None = None) -> tuple[str, float]:
        rng = rng or self.rng
        c, tz, _ = rng.choices(catalog.COUNTRIES, weights=[w for *_, w in catalog.COUNTRIES])[0]
        return c, tz

    def mail(self) -> str:
        return self.rng.choices([m for m, _ in catalog.MAIL], weights=[w for _, w in catalog.MAIL])[
            0
        ]

    def company(self) -> str:
        r = self.rng
        word, suffix = r.choice(catalog.COMPANY_WORDS), r.choice(catalog.COMPANY_SUFFIX)
        return f"{word}{r.choice(('', '-'))}{suffix}.com"

    def pay(self, *parts: object) -> str:
        return "pm_" + short_hash(self.world.seed, "pay", *parts, n=16)

    def org(self, *parts: object) -> str:
        return "org-" + short_hash(self.world.seed, "org", *parts, n=12)

    def before_start(self, lo_days: float, hi_days: float) -> int:
        return self.world.start_ms - int(self.rng.uniform(lo_days, hi_days) * DAY_MS)

    def add(
        self,
        behaviour: Behaviour,
        *,
        label: str = "legit",
        persona: str | None = None,
        campaign: str = "",
        created_ms: int,
        org_id: str | None = None,
        tier: str = "free",
        verified: bool = False,
        email_domain: str | None = None,
        payment: str | None = None,
        signup_ip: str | None = None,
        country: str | None = None,
        ips: tuple[str, ...],
        client: Client,
        n_keys: int = 1,
        **kw: Any,
    ) -> Actor:
        index = len(self.actors)
        account_id = "acct_" + short_hash(self.world.seed, "account", index, n=16)
        account: dict[str, Any] = {
            "account_id": account_id,
            "created_at": created_ms,
            "org_id": org_id or self.org(account_id),
            "tier": tier,
            "verified": verified,
            "email_domain": email_domain or self.mail(),
            "payment_fingerprint": payment,
            "signup_ip": signup_ip or ips[0],
            "country": country,
        }
        keys = tuple(
            "key_" + short_hash(self.world.seed, "key", account_id, k, n=12) for k in range(n_keys)
        )
        actor = Actor(
            index=index,
            account_id=account_id,
            label=label,
            persona=persona or behaviour.persona,
            campaign=campaign,
            behaviour=behaviour,
            account=account,
            created_ms=created_ms,
            keys=keys,
            ips=ips,
            client=client,
            **kw,
        )
        self.actors.append(actor)
        return actor

    def signup(self, lo_days: float, hi_days: float, new_share: float = 0.06) -> int:
        """A sign-up time: usually ``lo_days``–``hi_days`` before the start, but a share of
        accounts sign up during the scenario (real services gain users every day)."""
        if self.rng.random() < new_share:
            world = self.world
            return world.start_ms + int(
                self.rng.random() * (world.end_ms - world.start_ms - HOUR_MS)
            )
        return self.before_start(lo_days, hi_days)

    def adoption(self, mean_days: float, share: tuple[float, float]) -> dict[str, Any]:
        """When a legit account starts using the new model, and how much."""
        r = self.rng
        if r.random() < 0.25:
            return {}
        lag = int(r.expovariate(1 / mean_days) * DAY_MS)
        return {"new_model_ms": self.world.release_ms + lag, "new_share": r.uniform(*share)}


def _endpoint(client: Client, rng: Random, *, responses: bool = False) -> str:
    """The API an account mostly calls, given its client (``responses``: whether the
    account may use the OpenAI Responses API, which newer OpenAI-SDK chat apps do)."""
    if client.family == "anthropic":
        return "messages"
    if client.family == "http" and rng.random() < 0.3:
        return "completions"
    if responses and client.family == "openai" and rng.random() < 0.15:
        return "responses"
    return "chat.completions"


# --------------------------------------------------------------------------------------
# Legitimate personas


def _individuals(b: _Builder) -> None:
    r = b.rng
    vol = b.sizes.legit_volume
    specs = (
        ("chat-user", 1500, 0.9, (1, 6), 0.04, ChatUser),
        ("light-user", 1200, 0.12, (1, 2), 0.03, LightUser),
        ("step-by-step-user", 300, 1.0, (1, 4), 0.45, ChatUser),
    )
    for persona, base, rate, turns, cot, cls in specs:
        for _ in range(b.count(base)):
            country, tz = b.country()
            home = residential_ip(r)
            client = pick_client(r)
            system = r.choice(SYSTEM_PROMPTS) if r.random() < 0.3 else None
            caps = _CHAT_CAPS
            if persona == "step-by-step-user":
                caps = _COT_CAPS
            behaviour = RoamingChatUser() if r.random() < 0.3 and cls is ChatUser else cls()
            b.add(
                behaviour,
                persona=persona,
                created_ms=b.signup(1, 700),
                tier="free" if r.random() < 0.7 else "startup",
                verified=r.random() < 0.2,
                payment=b.pay("ind", len(b.actors)) if r.random() < 0.6 else None,
                signup_ip=home,
                country=country,
                ips=(home, residential_ip(r)),
                client=client,
                endpoint=_endpoint(client, r, responses=True),
                rate=rate * vol * r.lognormvariate(0, 0.6),
                tz=tz,
                mini_share=r.uniform(0, 0.4),
                params={"turns": turns, "cot": cot, "system": system, "caps": caps},
                **b.adoption(3.0, (0.3, 1.0)),
            )


def _coders(b: _Builder) -> None:
    r = b.rng
    companies = [(b.company(), b.org("corp", i), datacenter_ip(r)) for i in range(40)]
    for _ in range(b.count(300)):
        country, tz = b.country()
        client = pick_client(r, r.choice(("openai", "anthropic", "openai")))
        if r.random() < 0.5:
            domain, org, nat = companies[r.randrange(len(companies))]
            ips, tier, email, verified = (nat, residential_ip(r)), "enterprise", domain, True
        else:
            home = residential_ip(r)
            ips, tier, email, org, verified = (home,), "startup", None, None, r.random() < 0.3
        b.add(
            AgentUser(),
            created_ms=b.signup(5, 500, 0.04),
            org_id=org,
            tier=tier,
            verified=verified,
            email_domain=email,
            payment=b.pay("coder", org or len(b.actors)),
            country=country,
            ips=ips,
            client=client,
            endpoint=_endpoint(client, r),
            rate=1.1 * b.sizes.legit_volume * r.lognormvariate(0, 0.5),
            tz=tz,
            mini_share=0.05,
            params={"system": r.choice(catalog.AGENT_PROMPTS), "calls": (3, 30), "stream": 0.8},
            n_keys=r.randint(1, 3),
            **b.adoption(1.5, (0.4, 0.9)),
        )


def _students(b: _Builder) -> None:
    r = b.rng
    total = b.count(240, minimum=3)
    n_cohorts = max(1, round(total / 120))
    per = total // n_cohorts
    for c in range(n_cohorts):
        country, tz = b.country()
        uni = f"{r.choice(catalog.COMPANY_WORDS)}{r.choice(('', '-state', 'tech'))}.edu"
        subnet = campus_subnet(r)
        campus = tuple(subnet_ip(r, subnet) for _ in range(4))
        # The second cohort's course starts during the scenario: its sign-up burst is then.
        burst = (
            b.before_start(8, 40)
            if c % 2 == 0
            else b.world.start_ms
            + int((min(1, b.world.days - 1) * 24 + 8 - tz) % (24 * b.world.days) * HOUR_MS)
        )
        org = b.org("uni", c)
        client = Client("OpenAI/Python 1.59.7", "openai", r.choice(("linux", "darwin", "win")))
        deadlines = tuple(d for d in range(b.world.days) if (d + c) % 4 == 2)
        for _ in range(per):
            home = residential_ip(r)
            b.add(
                Student(),
                created_ms=burst + r.randrange(0, 3 * HOUR_MS),
                org_id=org,
                tier="education",
                verified=True,
                email_domain=uni,
                signup_ip=campus[r.randrange(len(campus))],
                country=country,
                ips=(*campus, home),
                client=client,
                rate=0.6 * b.sizes.legit_volume * r.lognormvariate(0, 0.5),
                tz=tz,
                mini_share=0.3,
                params={
                    "cohort": derive_seed(b.world.seed, "cohort", c),
                    "deadlines": deadlines,
                    "turns": (1, 4),
                    "stream": 0.2,
                    "system": "You are a patient maths tutor. Explain ideas clearly.",
                },
                **b.adoption(2.0, (0.2, 0.7)),
            )


def _batch(b: _Builder) -> None:
    r = b.rng
    crons = (
        [(h, 5) for h in range(24)],
        [(2, 0), (8, 0), (14, 0), (20, 0)],
        [(h, m) for h in range(24) for m in (0, 30)],
    )
    jobs = (40, 250, 20)
    n_orgs = max(1, round(3 * b.sizes.legit_accounts * b.scale))
    shrink = b.factor(3, n_orgs)
    for o in range(n_orgs):
        kind = o % 3
        org = b.org("batch", o)
        domain = b.company()
        prefix = datacenter_prefix(r)
        ips = tuple(datacenter_ip(r, prefix) for _ in range(3))
        client = pick_client(r, "openai")
        country, _ = b.country()
        payment = b.pay("batch", o)
        for _ in range((3, 2, 1)[kind]):
            params = dict(catalog.BATCH_JOBS[kind])
            params["cron"] = crons[kind]
            params["job"] = jobs[kind] * b.sizes.legit_volume * shrink
            params["model"] = MINI_MODEL if kind == 0 else OLD_MODEL
            b.add(
                BatchPipeline(),
                created_ms=b.before_start(60, 700),
                org_id=org,
                tier="enterprise",
                verified=True,
                email_domain=domain,
                payment=payment,
                country=country,
                ips=ips,
                client=client,
                params=params,
                n_keys=2,
            )


def _evals(b: _Builder) -> None:
    r = b.rng
    n = b.count(12, minimum=2)
    shrink = b.factor(12, n)
    labs = [(b.org("lab", i), b.company(), datacenter_prefix(r)) for i in range(max(1, n // 3))]
    for i in range(n):
        org, domain, prefix = labs[i % len(labs)]
        client = pick_client(r, r.choice(("openai", "http", "anthropic")))
        country, tz = b.country()
        b.add(
            EvalRunner(),
            created_ms=b.before_start(30, 600),
            org_id=org,
            tier="research",
            verified=True,
            email_domain=domain,
            payment=b.pay("lab", org),
            country=country,
            ips=(datacenter_ip(r, prefix), datacenter_ip(r, prefix)),
            client=client,
            endpoint=_endpoint(client, r),
            rate=0.5 * b.sizes.legit_volume * shrink,
            tz=tz,
            params={
                "benchmarks": {"math": 4, "reasoning": 2, "coding": 3, "tools": 1, "chat": 1},
                "items": 500,
                "run_size": max(10, round(200 * shrink)),
                "concurrency": r.choice((2, 4, 8, 16)),
                "release_lag_h": r.uniform(0.3, 6.0),
            },
        )


def _reseller(b: _Builder) -> dict[str, Any]:
    """The legitimate reseller and its customers; returns the reseller's network identity
    (the hydra cluster hides behind the same one)."""
    r = b.rng
    prefix = datacenter_prefix(r)
    egress = tuple(datacenter_ip(r, prefix) for _ in range(8))
    fingerprint = "t13d" + short_hash(b.world.seed, "reseller-proxy", n=20)
    reseller = {"egress": egress, "fingerprint": fingerprint}
    for _ in range(b.count(400)):
        country, tz = b.country()
        client = pick_client(r)
        client.fingerprint = fingerprint
        b.add(
            ChatUser(),
            persona="reseller-customer",
            created_ms=b.signup(2, 400, 0.08),
            tier=r.choice(("free", "startup", "startup")),
            payment=b.pay("resold", len(b.actors)),
            signup_ip=egress[r.randrange(len(egress))],
            country=country,
            ips=egress,
            client=client,
            endpoint=_endpoint(client, r, responses=True),
            rate=0.8 * b.sizes.legit_volume * r.lognormvariate(0, 0.6),
            tz=tz,
            params={
                "turns": (1, 4),
                "caps": _RESOLD_CAPS,
                "cot": 0.1,
            },
            **b.adoption(1.0, (0.3, 0.8)),
        )
    return reseller


def _apps(b: _Builder) -> None:
    r = b.rng
    n = b.count(8)
    shrink = b.factor(8, n)
    for i in range(n):
        prefix = datacenter_prefix(r)
        country, tz = b.country()
        client = pick_client(r, "openai")
        b.add(
            AppBackend(),
            created_ms=b.before_start(30, 600),
            tier="startup",
            verified=r.random() < 0.7,
            email_domain=b.company(),
            payment=b.pay("app", i),
            country=country,
            ips=tuple(datacenter_ip(r, prefix) for _ in range(2)),
            client=client,
            tz=tz,
            params={
                "per_hour": 12 * b.sizes.legit_volume * shrink,
                "system": catalog.APP_PROMPTS[i % 4],
            },
            n_keys=2,
            **b.adoption(2.0, (0.5, 1.0)),
        )


# --------------------------------------------------------------------------------------
# Attack campaigns


def _attack_release(b: _Builder, lo_h: float, hi_h: float, share: float) -> dict[str, Any]:
    lag = int(b.rng.uniform(lo_h, hi_h) * HOUR_MS)
    return {"new_model_ms": b.world.release_ms + lag, "new_share": share}


def _bursts(b: _Builder, n_bursts: int, lo_days: float, hi_days: float) -> list[int]:
    return sorted(b.before_start(lo_days, hi_days) for _ in range(n_bursts))


def _reasoning(b: _Builder) -> None:
    r = b.rng
    name = "reasoning-harvest"
    prefix = datacenter_prefix(r)
    ips = tuple(datacenter_ip(r, prefix) for _ in range(4))
    cards = [b.pay(name, i) for i in range(6)]
    bursts = _bursts(b, 3, 2, 25)
    clients = (pick_client(r, "openai"), pick_client(r, "anthropic"))
    n = b.count(40, attack=name, minimum=3)
    params = {
        "cot": tuple(r.sample(COT_SUFFIXES, 3)),
        "grader": tuple(r.sample(GRADER_TEMPLATES, 2)),
        "rewrite": tuple(r.sample(REWRITE_TEMPLATES, 2)),
        "modes": {"cot": 6, "grader": 3, "rewrite": 1},
        "caps": {"math": 4, "reasoning": 3, "coding": 2, "chat": 1},
        "burst": (3, 8),
        "waves": 20 * b.sizes.volume(name) * b.factor(40, n, attack=name),
        "system": None,
    }
    for i in range(n):
        country, _tz = b.country()
        client = clients[i % 3 == 2]
        b.add(
            ReasoningHarvest(),
            label="attack",
            campaign=name,
            created_ms=r.choice(bursts) + r.randrange(0, 2 * HOUR_MS),
            tier=r.choice(("free", "startup", "research")),
            payment=r.choice(cards),
            country=country,
            ips=tuple(r.sample(ips, 2)),
            client=client,
            endpoint=_endpoint(client, r),
            params=params,
            **_attack_release(b, 2, 6, 0.6),
        )


def _agentic(b: _Builder) -> None:
    r = b.rng
    name = "agentic-harvest"
    prefixes = [datacenter_prefix(r) for _ in range(3)]
    cards = [b.pay(name, i) for i in range(max(2, b.count(15, attack=name)))]
    orgs = [(b.org(name, i), b.company() if r.random() < 0.6 else None) for i in range(25)]
    bursts = _bursts(b, 8, 1, 60)
    wraps = tuple(r.sample(catalog.AGENT_WRAPS, 3))
    system = r.choice(catalog.AGENT_PROMPTS)
    n = b.count(300, attack=name, minimum=4)
    shrink = b.factor(300, n, attack=name)
    for _ in range(n):
        org, domain = orgs[r.randrange(len(orgs))]
        country, _tz = b.country()
        client = pick_client(r, r.choice(("openai", "anthropic")))
        b.add(
            AgenticHarvest(),
            label="attack",
            campaign=name,
            created_ms=r.choice(bursts) + r.randrange(0, 4 * HOUR_MS),
            org_id=org,
            tier=r.choices(("free", "startup", "enterprise"), weights=(4, 4, 2))[0],
            verified=r.random() < 0.2,
            email_domain=domain,
            payment=r.choice(cards),
            country=country,
            ips=tuple(datacenter_ip(r, r.choice(prefixes)) for _ in range(2)),
            client=client,
            endpoint=_endpoint(client, r),
            rate=1.3 * b.sizes.volume(name) * shrink,
            params={
                "system": system,
                "wrap": wraps,
                "calls": (8, 25),
                "caps": _AGENTIC_CAPS,
                "proxy_share": 0.3,
                "tool_time": 0.4,
                "stream": 0.5,
            },
            n_keys=r.randint(1, 2),
            **_attack_release(b, 4, 30, 0.5),
        )


def _hydra(b: _Builder, reseller: dict[str, Any]) -> None:
    """A pool of light accounts kept at a fixed size: ban waves remove some, replacements
    are signed up minutes later in a burst."""
    r = b.rng
    name = "hydra-reseller"
    world = b.world
    pool = b.count(170, attack=name, minimum=6)
    shrink = b.factor(170, pool, attack=name)
    egress = reseller["egress"]
    cot = tuple(r.sample(COT_SUFFIXES, 4))
    pivot = world.release_ms + int(r.uniform(1, 4) * HOUR_MS)
    cards = [b.pay(name, i) for i in range(max(2, pool // 8))]
    caps = {"coding": 3, "tools": 2.5, "reasoning": 2, "math": 2, "chat": 0.5}

    def make(created: int, end: int) -> None:
        client = pick_client(r)
        client.fingerprint = reseller["fingerprint"]
        country, _tz = b.country()
        release = {"new_model_ms": max(pivot, created), "new_share": r.uniform(0.45, 0.65)}
        b.add(
            HydraAccount(),
            label="attack",
            campaign=name,
            created_ms=created,
            end_ms=end,
            tier=r.choice(("free", "free", "startup")),
            payment=r.choice(cards) if r.random() < 0.3 else b.pay(name, "own", len(b.actors)),
            signup_ip=egress[r.randrange(len(egress))],
            country=country,
            ips=egress,
            client=client,
            endpoint=_endpoint(client, r, responses=True),
            rate=10 * b.sizes.volume(name) * shrink,
            params={"turns": (1, 2), "caps": caps, "cot": 0.6, "cot_suffixes": cot, "stream": 0.3},
            **release,
        )

    # Ban waves across the scenario; each bans a share of the live accounts.
    waves: list[int] = []
    t = world.start_ms + int(r.uniform(3, 10) * HOUR_MS)
    while t < world.end_ms:
        waves.append(t)
        t += int(r.uniform(4, 12) * HOUR_MS)
    initial = _bursts(b, 3, 0.2, 3)
    live: list[int] = [r.choice(initial) + r.randrange(0, HOUR_MS) for _ in range(pool)]
    for wave in waves:
        survivors, banned = [], 0
        for created in live:
            age_days = (wave - created) / DAY_MS
            if age_days > 0.2 and r.random() < min(0.6, 0.12 + 0.15 * age_days):
                make(created, wave)
                banned += 1
            else:
                survivors.append(created)
        # Replacements sign up within minutes of the ban wave.
        live = survivors + [wave + r.randrange(60_000, 20 * 60_000) for _ in range(banned)]
    for created in live:
        make(created, FAR_FUTURE)


def _low_and_slow(b: _Builder) -> None:
    r = b.rng
    name = "low-and-slow"
    fingerprint = "t13d" + short_hash(b.world.seed, name, "client", n=20)
    n = b.count(50, attack=name, minimum=2)
    shrink = b.factor(50, n, attack=name)
    for _ in range(n):
        country, tz = b.country()
        home = residential_ip(r, v6_share=0.0)
        client = Client("OpenAI/Python 1.59.7", "openai", "linux-x86_64")
        client.fingerprint = fingerprint
        b.add(
            LowAndSlow(),
            label="attack",
            campaign=name,
            created_ms=b.before_start(10, 150),
            tier=r.choice(("free", "startup")),
            payment=b.pay(name, len(b.actors)),
            signup_ip=home,
            country=country,
            ips=(home,),
            client=client,
            rate=2.5 * b.sizes.volume(name) * shrink,
            tz=tz,
            params={
                "turns": (2, 6),
                "system": r.choice(catalog.TUTOR_VARIANTS),
                "caps": _SLOW_CAPS,
                "cot": 0.5,
                "think": 1.3,
                "stream": 0.3,
            },
            **_attack_release(b, 12, 48, 0.5),
        )


def _scraper(b: _Builder) -> None:
    r = b.rng
    name = "heavy-scraper"
    n = b.count(1, attack=name, minimum=1)
    shrink = b.factor(1, n, attack=name)
    for i in range(n):
        ip = datacenter_ip(r)
        client = Client("python-requests/2.31.0", "http", "linux-x86_64")
        b.add(
            Scraper(),
            label="attack",
            campaign=name,
            created_ms=b.before_start(1, 20),
            tier="startup",
            payment=b.pay(name, i),
            country=b.country()[0],
            ips=(ip,),
            client=client,
            params={
                "caps": {"coding": 3, "math": 2, "reasoning": 2, "chat": 2, "writing": 1},
                "template": r.choice(("{task}", "Answer the following thoroughly.\n\n{task}")),
                "sleep_ms": 25_000 / (b.sizes.volume(name) * shrink),
            },
            **_attack_release(b, 1, 3, 0.5),
        )


def _logit(b: _Builder) -> None:
    r = b.rng
    name = "logit-probe"
    prefix = datacenter_prefix(r)
    client = Client("python-httpx/0.27.2", "http", "linux-x86_64")
    org = b.org(name)
    n = b.count(4, attack=name, minimum=1)
    shrink = b.factor(4, n, attack=name)
    for i in range(n):
        b.add(
            LogitProbe(),
            label="attack",
            campaign=name,
            created_ms=b.before_start(1, 15),
            org_id=org if r.random() < 0.5 else None,
            tier="startup",
            payment=b.pay(name, i % 2),
            country=b.country()[0],
            ips=(datacenter_ip(r, prefix),),
            client=client,
            rate=5 * b.sizes.volume(name) * shrink,
            params={"burst": (60, 150), "completions": 0.5},
        )


_STEPS: tuple[Callable[[_Builder], Any], ...] = (
    _individuals,
    _coders,
    _students,
    _batch,
    _evals,
    _apps,
)


def build_roster(world: World, sizes: Sizes, scale: float) -> list[Actor]:
    """Every account of the scenario, in a fixed order (``Actor.index``)."""
    b = _Builder(world, sizes, scale)
    for step in _STEPS:
        step(b)
    reseller = _reseller(b)
    _reasoning(b)
    _agentic(b)
    _hydra(b, reseller)
    _low_and_slow(b)
    _scraper(b)
    _logit(b)
    return b.actors
