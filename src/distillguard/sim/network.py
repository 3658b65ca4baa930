"""Where simulated traffic comes from: IP address pools, client software and fingerprints.

Real API traffic is dominated by a few official SDKs, so the same User-Agent and the same
TLS/HTTP fingerprint are shared by thousands of unrelated legitimate accounts. Addresses
come from distinct kinds of networks: home broadband (one address per household, changing
now and then), cloud data centres (batch jobs, eval boxes, scrapers), campus subnets, the
egress addresses of resellers that proxy many customers, and corporate NAT. Attackers use
the same networks and the same clients; only the *pattern* of use differs.
"""

from __future__ import annotations

from random import Random

from distillguard.sim._seeds import short_hash

__all__ = [
    "Client",
    "campus_subnet",
    "datacenter_ip",
    "datacenter_prefix",
    "pick_client",
    "residential_ip",
    "subnet_ip",
]

# First octets of large consumer ISP allocations (cable, DSL, mobile) in many regions.
_RESIDENTIAL_FIRST = (
    2, 5, 24, 31, 37, 46, 47, 49, 50, 58, 59, 60, 61, 67, 68, 70, 71, 73, 75, 76, 77, 78,
    79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 101,
    108, 109, 110, 112, 114, 115, 116, 118, 119, 121, 122, 123, 124, 125, 171, 172, 173, 174,
    175, 176, 177, 178, 179, 180, 181, 182, 183, 186, 187, 188, 189, 190, 191, 200, 201, 210,
    211, 212, 213, 217, 218, 219, 220, 221, 222,
)  # fmt: skip

# Two-octet prefixes typical of public clouds and hosting providers.
_DATACENTER_PREFIXES = (
    (3, 80), (3, 120), (13, 48), (13, 57), (18, 188), (18, 204), (34, 68), (34, 102),
    (34, 145), (35, 185), (35, 199), (35, 230), (44, 201), (52, 14), (52, 36), (52, 90),
    (54, 86), (54, 175), (20, 62), (20, 118), (40, 76), (104, 196), (138, 68), (159, 89),
    (167, 99), (164, 90), (5, 161), (65, 108), (95, 216), (135, 181), (141, 94), (51, 15),
    (45, 76), (149, 28), (207, 148), (185, 199),
)  # fmt: skip


def residential_ip(rng: Random, *, v6_share: float = 0.08) -> str:
    """A consumer broadband or mobile address (occasionally IPv6)."""
    if rng.random() < v6_share:
        a, b, c = rng.randrange(1, 10), rng.randrange(0x100, 0xFFFF), rng.randrange(0x10, 0xFFFF)
        d, e = rng.randrange(0x10, 0xFFFF), rng.randrange(1, 0xFFFF)
        return f"2a0{a}:{b:x}:{c:x}:{d:x}::{e:x}"
    first = rng.choice(_RESIDENTIAL_FIRST)
    return f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def datacenter_prefix(rng: Random) -> tuple[int, int]:
    """The first two octets of one cloud or hosting range."""
    return rng.choice(_DATACENTER_PREFIXES)


def datacenter_ip(rng: Random, prefix: tuple[int, int] | None = None) -> str:
    """An address inside a cloud range (a random one unless ``prefix`` is given)."""
    a, b = prefix if prefix is not None else datacenter_prefix(rng)
    return f"{a}.{b}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def campus_subnet(rng: Random) -> tuple[int, int]:
    """A university's /16 (the classic 128–171 legacy class-B space campuses hold)."""
    return (rng.randrange(128, 170), rng.randrange(1, 255))


def subnet_ip(rng: Random, subnet: tuple[int, int]) -> str:
    """An address inside a /16 given by its first two octets."""
    return f"{subnet[0]}.{subnet[1]}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


class Client:
    """One client software build: its User-Agent, SDK family and TLS/HTTP fingerprint.

    The fingerprint depends on the SDK family's HTTP stack and the runtime, not on the
    account, so every account on the same build shares it, as at a real edge.
    """

    __slots__ = ("family", "fingerprint", "user_agent")

    def __init__(self, user_agent: str, family: str, runtime: str) -> None:
        self.user_agent = user_agent
        self.family = family
        stack = user_agent.split("/")[0] + "|" + user_agent.split(" ")[-1].rsplit(".", 1)[0]
        self.fingerprint = "t13d" + short_hash("fp", stack, runtime, n=20)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Client({self.user_agent!r}, {self.fingerprint})"


# (user agent, family, popularity weight). Families: openai, anthropic, http (raw HTTP).
_CLIENTS: tuple[tuple[str, str, float], ...] = (
    ("OpenAI/Python 1.54.4", "openai", 9.0),
    ("OpenAI/Python 1.57.2", "openai", 12.0),
    ("OpenAI/Python 1.59.7", "openai", 14.0),
    ("OpenAI/Python 1.61.1", "openai", 10.0),
    ("OpenAI/JS 4.73.1", "openai", 6.0),
    ("OpenAI/JS 4.77.0", "openai", 7.0),
    ("Anthropic/Python 0.42.0", "anthropic", 6.0),
    ("Anthropic/Python 0.45.2", "anthropic", 5.0),
    ("Anthropic/JS 0.36.3", "anthropic", 3.0),
    ("python-httpx/0.27.2", "http", 1.5),
    ("python-requests/2.32.3", "http", 2.0),
    ("axios/1.7.9", "http", 1.0),
    ("curl/8.5.0", "http", 0.4),
    ("Go-http-client/2.0", "http", 0.8),
    ("okhttp/4.12.0", "http", 0.5),
)
_RUNTIMES = ("linux-x86_64", "darwin-arm64", "win-x86_64")
_RUNTIME_WEIGHTS = (5.0, 4.0, 2.0)


def pick_client(rng: Random, family: str | None = None) -> Client:
    """A popular client build, weighted by popularity (optionally of one SDK family)."""
    rows = [r for r in _CLIENTS if family is None or r[1] == family]
    ua, fam, _ = rng.choices(rows, weights=[r[2] for r in rows])[0]
    runtime = rng.choices(_RUNTIMES, weights=_RUNTIME_WEIGHTS)[0]
    return Client(ua, fam, runtime)
