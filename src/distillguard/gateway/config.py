"""Gateway settings: one frozen, validated object loaded from a TOML file and the environment.

The gateway reads its configuration once at start-up. Everything an operator may tune lives
here: where the upstream model server is, how long to wait for it, request size limits, the
rate limits per scope and tier, what each verdict does to a suspect account (degradation),
the admin token, logging, signing and watermarking switches.

Example ``gateway.toml``::

    [upstream]
    url = "http://127.0.0.1:9000"
    kind = "openai"                 # or "anthropic"
    api_key_env = "DISTILLGUARD_UPSTREAM_API_KEY"
    connect_timeout = 5.0
    read_timeout = 120.0

    [server]
    max_body_bytes = 4194304
    models = ["gpt-4o-mini", "claude-sonnet"]   # omit to allow any model
    trusted_proxies = ["10.0.0.0/8"]  # load balancers whose X-Forwarded-For is believed
    # fingerprint_header = "cloudfront-viewer-ja4-fingerprint"  # the edge's TLS fingerprint
    #                                 # (JA4), believed from trusted proxies only
    # replay_timestamps = false       # log a trusted replayer's X-Replay-TS as the exchange
    #                                 # time (`distillguard replay` of a past log), never a
    #                                 # client's

    [storage]           # paths relative to this file; CLI flags win
    db = "distillguard.duckdb"      # state defaults to <db stem>.state.sqlite beside it
    # state = "gateway.state.sqlite"
    # redis = "redis://127.0.0.1:6379/0"  # share rate limits across gateway processes

    [limits.key]        # per API key; rpm = requests/minute, tpm = tokens/minute
    rpm = 600
    tpm = 200000
    [limits.account]
    rpm = 1200
    [limits.org]
    rpm = 6000
    [limits.cluster]    # accounts the detector linked into one cluster share this
    rpm = 600

    [tiers.free]        # account-scope limits for accounts of this tier
    rpm = 60
    tpm = 40000

    [verdicts.watch]
    log_full = true
    watermark_strength = 1.5
    [verdicts.throttle]
    rpm = 6
    tpm = 8000
    max_tokens_cap = 512
    strip_reasoning = true
    route_model = "small-model"
    watermark_strength = 2.0

    [admin]
    token_env = "DISTILLGUARD_ADMIN_TOKEN"

    [logging]
    strict = false
    dir = "logs"

    [signing]
    enabled = true
    keyring = "signing-keys.json"

    [watermark]         # text-level watermark on every response, stronger per verdict
    enabled = false
    keyring = "watermark-keys.json"   # created (mode 0600) with a fresh secret if missing
    stream_max_hold = 4000            # streams: longest line held back to be marked
    # mode = "generation"             # upstream is a model we run (vLLM): send it the
    # generation_field = "vllm_xargs" # account and strength instead of marking the text

Bad values raise :class:`~distillguard.errors.ConfigError` naming the key at fault.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from distillguard._types import Verdict
from distillguard.errors import ConfigError

__all__ = [
    "LIMIT_SCOPES",
    "REPLAY_TS_HEADER",
    "GatewaySettings",
    "Limit",
    "VerdictPolicy",
    "load_settings",
]

#: The scopes a request is counted against, in the order they are checked.
LIMIT_SCOPES: tuple[str, ...] = ("key", "account", "org", "cluster")

ENV_UPSTREAM_KEY = "DISTILLGUARD_UPSTREAM_API_KEY"
ENV_ADMIN_TOKEN = "DISTILLGUARD_ADMIN_TOKEN"

#: The header ``distillguard replay`` sends each logged request's original time in (logged
#: as the exchange's time by a gateway with ``server.replay_timestamps``, from a trusted peer).
REPLAY_TS_HEADER = "x-replay-ts"


@dataclass(frozen=True, slots=True)
class Limit:
    """Requests and tokens per minute; ``None`` means unlimited."""

    rpm: float | None = None
    tpm: float | None = None

    @property
    def unlimited(self) -> bool:
        return self.rpm is None and self.tpm is None


@dataclass(frozen=True, slots=True)
class VerdictPolicy:
    """What a verdict does to an account's requests (operator-configured degradation).

    ``limit`` is an extra, usually tight, per-account bucket applied on top of the normal
    ones (for ``throttle``). The other fields are copied into every
    :class:`~distillguard.gateway.policy.Decision` for that account.
    """

    limit: Limit = field(default_factory=Limit)
    max_tokens_cap: int | None = None
    strip_reasoning: bool = False
    route_model: str | None = None
    log_full: bool = False
    watermark_strength: float = 1.0


def _default_verdicts() -> dict[Verdict, VerdictPolicy]:
    return {
        Verdict.ALLOW: VerdictPolicy(),
        Verdict.WATCH: VerdictPolicy(log_full=True, watermark_strength=1.5),
        Verdict.THROTTLE: VerdictPolicy(
            limit=Limit(rpm=6.0, tpm=8000.0),
            max_tokens_cap=1024,
            log_full=True,
            watermark_strength=2.0,
        ),
        Verdict.BLOCK: VerdictPolicy(log_full=True),
    }


def _default_limits() -> dict[str, Limit]:
    return {
        "key": Limit(rpm=600.0, tpm=400_000.0),
        "account": Limit(rpm=1200.0, tpm=800_000.0),
        "org": Limit(),
        "cluster": Limit(rpm=600.0, tpm=400_000.0),
    }


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    """Everything the gateway is configured with. Build it with :func:`load_settings`."""

    # upstream model server
    upstream_url: str = "http://127.0.0.1:9000"
    upstream_kind: str = "openai"
    upstream_api_key: str | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 300.0
    # the listening server (SERVER passes CLI flags as overrides)
    host: str = "127.0.0.1"
    port: int = 8080
    max_body_bytes: int = 4 * 1024 * 1024
    models: frozenset[str] | None = None
    trusted_proxies: tuple[str, ...] = ()
    fingerprint_header: str | None = None
    replay_timestamps: bool = False
    # storage
    db_path: Path | None = None
    state_path: Path | None = None
    redis_url: str | None = None
    # limits and enforcement
    limits: Mapping[str, Limit] = field(default_factory=_default_limits)
    tier_limits: Mapping[str, Limit] = field(default_factory=dict)
    verdicts: Mapping[Verdict, VerdictPolicy] = field(default_factory=_default_verdicts)
    reload_interval: float = 1.0
    # admin, logging, provenance
    admin_token: str | None = None
    strict_logging: bool = False
    log_dir: Path | None = None
    signing: bool = False
    signing_keyring: Path | None = None
    watermark: bool = False
    watermark_keyring: Path | None = None
    watermark_max_hold: int = 4000
    watermark_mode: str = "text"
    watermark_generation_field: str = "vllm_xargs"

    def verdict_policy(self, verdict: Verdict) -> VerdictPolicy:
        """The configured degradation for ``verdict`` (defaults when not configured)."""
        return self.verdicts.get(verdict) or _default_verdicts()[verdict]


# ---------------------------------------------------------------- validation helpers


def _number(value: Any, key: str, *, minimum: float = 0.0, strict: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{key} must be a number, got {value!r}")
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise ConfigError(f"{key} must be finite, got {value!r}")
    if number < minimum or (strict and number == minimum):
        op = ">" if strict else ">="
        raise ConfigError(f"{key} must be {op} {minimum:g}, got {value!r}")
    return number


def _int(value: Any, key: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{key} must be an integer, got {value!r}")
    if value < minimum:
        raise ConfigError(f"{key} must be >= {minimum}, got {value!r}")
    return value


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false, got {value!r}")
    return value


def _str(value: Any, key: str, *, empty_ok: bool = False) -> str:
    if not isinstance(value, str) or (not empty_ok and not value.strip()):
        raise ConfigError(f"{key} must be a non-empty string, got {value!r}")
    return value


def _table(value: Any, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{key} must be a table, got {value!r}")
    return value


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(
            f"unknown setting {where}.{unknown[0]} (allowed: {', '.join(sorted(allowed))})"
        )


def _limit(table: Any, where: str) -> Limit:
    table = _table(table, where)
    _check_keys(table, {"rpm", "tpm"}, where)
    rpm = table.get("rpm")
    tpm = table.get("tpm")
    return Limit(
        rpm=None if rpm is None else _number(rpm, f"{where}.rpm", strict=True),
        tpm=None if tpm is None else _number(tpm, f"{where}.tpm", strict=True),
    )


def _verdict_policy(table: Any, where: str, base: VerdictPolicy) -> VerdictPolicy:
    table = _table(table, where)
    allowed = {
        "rpm",
        "tpm",
        "max_tokens_cap",
        "strip_reasoning",
        "route_model",
        "log_full",
        "watermark_strength",
    }
    _check_keys(table, allowed, where)
    limit = base.limit
    if "rpm" in table or "tpm" in table:
        limit = _limit({k: table[k] for k in ("rpm", "tpm") if k in table}, where)
    cap = table.get("max_tokens_cap", base.max_tokens_cap)
    route = table.get("route_model", base.route_model)
    return VerdictPolicy(
        limit=limit,
        max_tokens_cap=None if cap is None else _int(cap, f"{where}.max_tokens_cap", minimum=1),
        strip_reasoning=_bool(
            table.get("strip_reasoning", base.strip_reasoning), f"{where}.strip_reasoning"
        ),
        route_model=None if route is None else _str(route, f"{where}.route_model"),
        log_full=_bool(table.get("log_full", base.log_full), f"{where}.log_full"),
        watermark_strength=_number(
            table.get("watermark_strength", base.watermark_strength),
            f"{where}.watermark_strength",
            strict=True,
        ),
    )


def _url(value: Any, key: str) -> str:
    url = _str(value, key)
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{key} must start with http:// or https://, got {value!r}")
    return url.rstrip("/")


def _from_toml(data: Mapping[str, Any], base_dir: Path) -> dict[str, Any]:
    """Translate the TOML document into keyword arguments for :class:`GatewaySettings`."""
    sections = {
        "upstream",
        "server",
        "storage",
        "limits",
        "tiers",
        "verdicts",
        "admin",
        "logging",
        "signing",
        "watermark",
    }
    _check_keys(data, sections, "config")
    out: dict[str, Any] = {}

    def path(value: Any, key: str) -> Path:
        p = Path(_str(value, key)).expanduser()
        return p if p.is_absolute() else base_dir / p

    up = _table(data.get("upstream", {}), "upstream")
    _check_keys(
        up, {"url", "kind", "api_key", "api_key_env", "connect_timeout", "read_timeout"}, "upstream"
    )
    if "url" in up:
        out["upstream_url"] = up["url"]
    if "kind" in up:
        out["upstream_kind"] = up["kind"]
    if "api_key" in up:
        out["upstream_api_key"] = _str(up["api_key"], "upstream.api_key")
    if "api_key_env" in up:
        env_name = _str(up["api_key_env"], "upstream.api_key_env")
        if os.environ.get(env_name):
            out["upstream_api_key"] = os.environ[env_name]
    for key in ("connect_timeout", "read_timeout"):
        if key in up:
            out[key] = up[key]

    server = _table(data.get("server", {}), "server")
    _check_keys(
        server,
        {
            "host",
            "port",
            "max_body_bytes",
            "models",
            "trusted_proxies",
            "fingerprint_header",
            "replay_timestamps",
        },
        "server",
    )
    for key in ("host", "port", "max_body_bytes"):
        if key in server:
            out[key] = server[key]
    if "models" in server:
        models = server["models"]
        if not isinstance(models, list) or not all(isinstance(m, str) and m for m in models):
            raise ConfigError(f"server.models must be a list of model names, got {models!r}")
        out["models"] = frozenset(models)
    for key in ("trusted_proxies", "fingerprint_header", "replay_timestamps"):
        if key in server:
            out[key] = server[key]

    storage = _table(data.get("storage", {}), "storage")
    _check_keys(storage, {"db", "state", "redis"}, "storage")
    if "db" in storage:
        out["db_path"] = path(storage["db"], "storage.db")
    if "state" in storage:
        out["state_path"] = path(storage["state"], "storage.state")
    if "redis" in storage:
        out["redis_url"] = storage["redis"]

    limits_t = _table(data.get("limits", {}), "limits")
    _check_keys(limits_t, set(LIMIT_SCOPES), "limits")
    limits = _default_limits()
    for scope, table in limits_t.items():
        limits[scope] = _limit(table, f"limits.{scope}")
    out["limits"] = limits

    tiers_t = _table(data.get("tiers", {}), "tiers")
    out["tier_limits"] = {tier: _limit(table, f"tiers.{tier}") for tier, table in tiers_t.items()}

    verdicts_t = _table(data.get("verdicts", {}), "verdicts")
    _check_keys(verdicts_t, {v.value for v in Verdict}, "verdicts")
    verdicts = _default_verdicts()
    for name, table in verdicts_t.items():
        v = Verdict(name)
        verdicts[v] = _verdict_policy(table, f"verdicts.{name}", verdicts[v])
    out["verdicts"] = verdicts

    admin = _table(data.get("admin", {}), "admin")
    _check_keys(admin, {"token", "token_env"}, "admin")
    if "token" in admin:
        out["admin_token"] = _str(admin["token"], "admin.token")
    if "token_env" in admin:
        env_name = _str(admin["token_env"], "admin.token_env")
        if os.environ.get(env_name):
            out["admin_token"] = os.environ[env_name]

    logging_t = _table(data.get("logging", {}), "logging")
    _check_keys(logging_t, {"strict", "dir"}, "logging")
    if "strict" in logging_t:
        out["strict_logging"] = logging_t["strict"]
    if "dir" in logging_t:
        out["log_dir"] = path(logging_t["dir"], "logging.dir")

    signing = _table(data.get("signing", {}), "signing")
    _check_keys(signing, {"enabled", "keyring"}, "signing")
    if "enabled" in signing:
        out["signing"] = signing["enabled"]
    if "keyring" in signing:
        out["signing_keyring"] = path(signing["keyring"], "signing.keyring")

    wm = _table(data.get("watermark", {}), "watermark")
    _check_keys(
        wm, {"enabled", "keyring", "stream_max_hold", "mode", "generation_field"}, "watermark"
    )
    if "enabled" in wm:
        out["watermark"] = wm["enabled"]
    if "keyring" in wm:
        out["watermark_keyring"] = path(wm["keyring"], "watermark.keyring")
    if "stream_max_hold" in wm:
        out["watermark_max_hold"] = wm["stream_max_hold"]
    if "mode" in wm:
        out["watermark_mode"] = wm["mode"]
    if "generation_field" in wm:
        out["watermark_generation_field"] = _str(
            wm["generation_field"], "watermark.generation_field"
        )
    return out


def _validate(s: GatewaySettings) -> GatewaySettings:
    """Check every field; returns ``s`` with values normalised (paths, numbers)."""
    s = replace(s, upstream_url=_url(s.upstream_url, "upstream.url"))
    if s.upstream_kind not in ("openai", "anthropic"):
        raise ConfigError(f"upstream.kind must be 'openai' or 'anthropic', got {s.upstream_kind!r}")
    if s.upstream_api_key is not None:
        _str(s.upstream_api_key, "upstream.api_key")
    _number(s.connect_timeout, "upstream.connect_timeout", strict=True)
    _number(s.read_timeout, "upstream.read_timeout", strict=True)
    _str(s.host, "server.host")
    _int(s.port, "server.port", minimum=0)
    if s.port > 65535:
        raise ConfigError(f"server.port must be <= 65535, got {s.port}")
    _int(s.max_body_bytes, "server.max_body_bytes", minimum=1)
    if s.redis_url is not None and not _str(s.redis_url, "storage.redis").startswith(
        ("redis://", "rediss://", "unix://")
    ):
        raise ConfigError(
            f"storage.redis must be a redis:// rediss:// or unix:// URL, got {s.redis_url!r}"
        )
    for scope in s.limits:
        if scope not in LIMIT_SCOPES:
            raise ConfigError(f"unknown limit scope {scope!r} (allowed: {LIMIT_SCOPES})")
    _number(s.reload_interval, "reload_interval", strict=True)
    if s.reload_interval > 5:
        raise ConfigError("reload_interval must be <= 5 seconds so verdicts apply within 5 s")
    if s.admin_token is not None and len(s.admin_token) < 16:
        raise ConfigError("admin token must be at least 16 characters")
    for key in ("strict_logging", "signing", "watermark"):
        _bool(getattr(s, key), key)
    s = replace(s, trusted_proxies=_networks(s.trusted_proxies))
    if s.fingerprint_header is not None:
        s = replace(s, fingerprint_header=_header_name(s.fingerprint_header, s.trusted_proxies))
    _bool(s.replay_timestamps, "server.replay_timestamps")
    if s.replay_timestamps and not s.trusted_proxies:
        raise ConfigError(
            "server.replay_timestamps needs server.trusted_proxies: only the replaying host "
            "may set an exchange's time"
        )
    _int(s.watermark_max_hold, "watermark.stream_max_hold", minimum=0)
    if s.watermark_mode not in ("text", "generation"):
        raise ConfigError(
            f"watermark.mode must be 'text' or 'generation', got {s.watermark_mode!r}"
        )
    if s.watermark and s.watermark_mode == "generation" and s.upstream_kind != "openai":
        raise ConfigError(
            "watermark.mode = 'generation' needs an OpenAI-compatible upstream we run (vLLM)"
        )
    if s.watermark:
        for verdict, vp in s.verdicts.items():
            if not 0 < vp.watermark_strength <= 2:
                raise ConfigError(
                    f"verdicts.{verdict.value}.watermark_strength must be in (0, 2] for the "
                    f"text watermark, got {vp.watermark_strength:g}"
                )
    if s.watermark_keyring is not None and Path(s.watermark_keyring).is_dir():
        raise ConfigError(f"watermark.keyring {s.watermark_keyring} is a directory, not a file")
    return s


def _networks(value: Any) -> tuple[str, ...]:
    """CIDRs (or single addresses) as normalised network strings, e.g. ``10.0.0.0/8``."""
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ConfigError(f"server.trusted_proxies must be a list of CIDRs, got {value!r}")
    out = []
    for item in value:
        if not isinstance(item, str):
            raise ConfigError(f"server.trusted_proxies entries must be strings, got {item!r}")
        try:
            out.append(str(ipaddress.ip_network(item.strip(), strict=True)))
        except ValueError as exc:
            raise ConfigError(f"server.trusted_proxies: {item!r} is not a CIDR ({exc})") from None
    return tuple(out)


def _header_name(value: Any, trusted: tuple[str, ...]) -> str:
    """A request header name, lower-cased; only proxies we trust may set what it says."""
    if not isinstance(value, str) or not _TOKEN.fullmatch(value):
        raise ConfigError(f"server.fingerprint_header must be an HTTP header name, got {value!r}")
    if not trusted:
        raise ConfigError(
            "server.fingerprint_header needs server.trusted_proxies: the header is believed "
            "only from the edge that computes it (a client could send any value)"
        )
    return value.lower()


_TOKEN = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}")

_PATH_FIELDS = {"db_path", "state_path", "log_dir", "signing_keyring", "watermark_keyring"}


def load_settings(path: Path | None, **overrides: Any) -> GatewaySettings:
    """Load settings from a TOML file (optional), the environment, then ``overrides``.

    Precedence, lowest first: defaults, the file, the environment
    (``DISTILLGUARD_UPSTREAM_API_KEY``, ``DISTILLGUARD_ADMIN_TOKEN``), then ``overrides``
    (command-line flags: keyword names are :class:`GatewaySettings` field names; ``None``
    values are ignored so unset flags do not mask the file).
    """
    values: dict[str, Any] = {}
    env_key = os.environ.get(ENV_UPSTREAM_KEY)
    if env_key:
        values["upstream_api_key"] = env_key
    env_admin = os.environ.get(ENV_ADMIN_TOKEN)
    if env_admin:
        values["admin_token"] = env_admin
    if path is not None:
        path = Path(path)
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist") from None
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
        values.update(_from_toml(data, path.resolve().parent))
    names = {f.name for f in fields(GatewaySettings)}
    for key, value in overrides.items():
        if key not in names:
            raise ConfigError(f"unknown gateway setting {key!r}")
        if value is None:
            continue
        if key in _PATH_FIELDS:
            value = Path(value)
        if key == "models" and not isinstance(value, frozenset):
            value = frozenset(value)
        values[key] = value
    return _validate(replace(GatewaySettings(), **values))
