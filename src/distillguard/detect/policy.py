"""The detection policy: thresholds and weights operators tune, read from TOML.

Defaults live in ``default_policy.toml`` next to this module (documented key by key); an
operator's file overrides any subset. Unknown sections or keys and wrong types raise
:class:`~distillguard.errors.ConfigError`, so a typo never silently keeps a default.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from distillguard.errors import ConfigError

__all__ = ["Policy", "load_policy"]


def _defaults() -> dict[str, dict[str, Any]]:
    text = resources.files("distillguard.detect").joinpath("default_policy.toml").read_text()
    return tomllib.loads(text)


@dataclass(frozen=True)
class Policy:
    """Validated policy values: ``policy.get("verdict", "throttle")`` etc."""

    values: dict[str, dict[str, Any]] = field(default_factory=_defaults)

    def get(self, section: str, key: str) -> Any:
        return self.values[section][key]

    def section(self, section: str) -> dict[str, Any]:
        return dict(self.values[section])


def load_policy(path: str | Path | None = None) -> Policy:
    """The default policy, overridden by the TOML file at ``path`` if given."""
    values = _defaults()
    if path is None:
        return Policy(values)
    try:
        user = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"policy file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read policy file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"policy file {path} is not valid TOML: {exc}") from None
    for section, table in user.items():
        if section not in values or not isinstance(table, dict):
            raise ConfigError(f"policy file {path}: unknown section [{section}]")
        for key, value in table.items():
            if key not in values[section]:
                raise ConfigError(f"policy file {path}: unknown key {section}.{key}")
            default = values[section][key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"policy file {path}: {section}.{key} must be a number")
            if value < 0:
                raise ConfigError(f"policy file {path}: {section}.{key} must not be negative")
            values[section][key] = type(default)(value) if isinstance(default, float) else value
    v = values["verdict"]
    if not 0 < v["watch"] <= v["throttle"] <= v["block"] <= 1:
        raise ConfigError(f"policy file {path}: need 0 < watch <= throttle <= block <= 1")
    return Policy(values)
