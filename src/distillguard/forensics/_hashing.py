"""Keyed hashes for the privacy-sensitive attributes DistillGuard shares with partners.

Payment fingerprints, client fingerprints, prompt-template signatures and system-prompt
hashes leave the operator only as ``HMAC-SHA256(key, "<kind>:<value>")``. Providers who
agree on a key (``--hash-key`` or ``$DISTILLGUARD_INTEL_KEY``) can match each other's
indicators; anyone without it learns nothing beyond equality within one bundle. The key
itself is never written: bundles carry only :func:`key_id`, a short fingerprint, so a
matcher can tell that it holds a different key instead of silently matching nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import os

__all__ = ["DEFAULT_KEY", "KEY_ENV", "Hasher", "template_value"]

#: Environment variable holding the shared key.
KEY_ENV = "DISTILLGUARD_INTEL_KEY"
#: The key used when none is given: a public salt, so bundles stay matchable by every
#: DistillGuard user; it hides values only as well as their own entropy does.
DEFAULT_KEY = "distillguard-intel-v1"


def template_value(key: int) -> str:
    """The canonical text of an enrichment hash (``prefix_key``, ``sys_key``...): 16 hex."""
    return f"{int(key) & 0xFFFFFFFFFFFFFFFF:016x}"


class Hasher:
    """HMAC-SHA256 over ``kind:value`` with one shared key."""

    def __init__(self, key: str | None = None) -> None:
        text = key if key is not None else os.environ.get(KEY_ENV) or DEFAULT_KEY
        self._key = text.encode("utf-8")
        self.is_default = text == DEFAULT_KEY

    @property
    def key_id(self) -> str:
        """A short, non-reversible fingerprint of the key (first 16 hex of its SHA-256)."""
        return hashlib.sha256(b"distillguard-key-id:" + self._key).hexdigest()[:16]

    def __call__(self, kind: str, value: str) -> str:
        return hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
