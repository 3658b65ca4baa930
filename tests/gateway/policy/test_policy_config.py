"""Gateway settings: file, environment and overrides; clear errors for bad values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from distillguard._types import Verdict
from distillguard.errors import ConfigError
from distillguard.gateway.config import Limit, load_settings


def _load(tmp_path: Path, text: str, **overrides: object):
    path = tmp_path / "gw.toml"
    path.write_text(text)
    return load_settings(path, **overrides)


def test_file_environment_and_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISTILLGUARD_UPSTREAM_API_KEY", "sk-upstream")
    monkeypatch.setenv("DISTILLGUARD_ADMIN_TOKEN", "admin-token-0123456789")
    s = _load(
        tmp_path,
        """
[upstream]
url = "http://127.0.0.1:9999/"
kind = "anthropic"
read_timeout = 30
[server]
models = ["m1"]
[limits.org]
rpm = 100
[tiers.free]
tpm = 5000
[verdicts.throttle]
route_model = "cheap"
[signing]
enabled = true
keyring = "keys.json"
""",
        port=9001,
        redis_url=None,
    )
    assert s.upstream_url == "http://127.0.0.1:9999" and s.upstream_kind == "anthropic"
    assert s.upstream_api_key == "sk-upstream" and s.admin_token == "admin-token-0123456789"
    assert s.read_timeout == 30 and s.port == 9001 and s.models == frozenset({"m1"})
    assert s.limits["org"] == Limit(rpm=100) and s.limits["key"].rpm == 600
    assert s.tier_limits == {"free": Limit(tpm=5000)}
    throttle = s.verdict_policy(Verdict.THROTTLE)
    assert throttle.route_model == "cheap" and throttle.max_tokens_cap == 1024
    assert s.signing and s.signing_keyring == tmp_path / "keys.json"
    assert s.max_body_bytes == 4 * 1024 * 1024


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[upstream]\nkind = 'grpc'", "upstream.kind must be 'openai' or 'anthropic'"),
        ("[upstream]\nurl = 'ftp://x'", "upstream.url must start with http"),
        ("[upstream]\nread_timeout = -1", "upstream.read_timeout must be > 0"),
        ("[limits.key]\nrpm = 0", "limits.key.rpm must be > 0"),
        ("[limits.key]\nrpm = 'ten'", "limits.key.rpm must be a number"),
        ("[limits.planet]\nrpm = 1", "unknown setting limits.planet"),
        ("[verdicts.banish]\nrpm = 1", "unknown setting verdicts.banish"),
        ("[verdicts.throttle]\nmax_tokens_cap = 0", "max_tokens_cap must be >= 1"),
        ("[verdicts.watch]\nlog_full = 'yes'", "verdicts.watch.log_full must be true or false"),
        ("[server]\nmax_body_bytes = 1.5", "server.max_body_bytes must be an integer"),
        ("[admin]\ntoken = 'short'", "admin token must be at least 16 characters"),
        ("[storage]\nredis = 'http://x'", "storage.redis must be a redis://"),
        ("colour = 'blue'", "unknown setting config.colour"),
        ("[upstream\n", "is not valid TOML"),
    ],
)
def test_bad_values_raise_clear_config_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        _load(tmp_path, text)


def test_missing_file_and_unknown_override(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="unknown gateway setting 'colour'"):
        load_settings(None, colour="blue")
    with pytest.raises(ConfigError, match=r"server\.port"):
        load_settings(None, port=70000)


def test_the_documented_example_config_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example in ``distillguard.gateway.config``'s docstring is valid and complete."""
    from distillguard.gateway import config

    monkeypatch.setenv("DISTILLGUARD_ADMIN_TOKEN", "an-admin-token-of-some-length")
    doc = config.__doc__ or ""
    example = doc.split("Example ``gateway.toml``::", 1)[1].split("Bad values raise", 1)[0]
    text = "\n".join(line[4:] for line in example.splitlines())
    s = _load(tmp_path, text)
    assert s.upstream_kind == "openai" and s.tier_limits["free"] == Limit(rpm=60, tpm=40000)
    assert s.verdict_policy(Verdict.THROTTLE).route_model == "small-model"
    assert s.admin_token == "an-admin-token-of-some-length" and s.signing
    documented = {
        line.split("]")[0].strip("[") for line in text.splitlines() if line.startswith("[")
    }
    assert {d.split(".")[0] for d in documented} >= {
        "upstream",
        "server",
        "limits",
        "tiers",
        "verdicts",
        "admin",
        "logging",
        "signing",
        "watermark",
        "storage",
    }
    assert s.db_path == tmp_path / "distillguard.duckdb"
