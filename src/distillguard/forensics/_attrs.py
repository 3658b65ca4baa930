"""The attributes DistillGuard shares as indicators, and how each maps to STIX and the store.

One table serves both sides: :mod:`~distillguard.forensics.intel` exports indicators from
it and :mod:`~distillguard.forensics.match` finds the same attributes in a store, so an
indicator a DistillGuard operator exports is always one another operator can match.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ATTRS", "Attr", "by_object_path"]


@dataclass(frozen=True)
class Attr:
    """A shareable attribute.

    ``kind``: our name (also the HMAC namespace); ``sources``: SQL selecting
    ``(account_id, value, ts)`` rows from the store; ``sco`` / ``prop``: the STIX object
    path (``ipv4-addr:value`` for IPs, a custom ``x-distillguard-*`` object otherwise);
    ``private``: hashed before sharing; ``always_hashed``: never shared raw (our own
    template / system-prompt hashes); ``enriched``: needs the ``enrichment`` table.
    """

    kind: str
    label: str
    sources: tuple[str, ...]
    sco: str
    prop: str
    private: bool
    always_hashed: bool = False
    enriched: bool = False
    numeric: bool = False

    def path(self, hashed: bool) -> str:
        return f"{self.sco}:{self.prop}_hmac" if hashed else f"{self.sco}:{self.prop}"


ATTRS: tuple[Attr, ...] = (
    Attr(
        "ip",
        "egress IP",
        ("SELECT account_id, ip AS value, ts FROM exchanges WHERE ip IS NOT NULL AND ip <> ''",),
        "ipv4-addr",
        "value",
        private=False,
    ),
    Attr(
        "signup_ip",
        "sign-up IP",
        (
            "SELECT account_id, signup_ip AS value, created_at AS ts FROM accounts "
            "WHERE signup_ip IS NOT NULL AND signup_ip <> ''",
        ),
        "ipv4-addr",
        "value",
        private=False,
    ),
    Attr(
        "client_fingerprint",
        "client fingerprint",
        (
            "SELECT account_id, client_fingerprint AS value, ts FROM exchanges "
            "WHERE client_fingerprint IS NOT NULL AND client_fingerprint <> ''",
        ),
        "x-distillguard-client",
        "fingerprint",
        private=True,
    ),
    Attr(
        "payment_fingerprint",
        "payment fingerprint",
        (
            "SELECT account_id, payment_fingerprint AS value, created_at AS ts FROM accounts "
            "WHERE payment_fingerprint IS NOT NULL AND payment_fingerprint <> ''",
        ),
        "x-distillguard-account",
        "payment_fingerprint",
        private=True,
    ),
    Attr(
        "template",
        "prompt template signature",
        (
            "SELECT x.account_id, e.prefix_key AS value, x.ts FROM exchanges x "
            "JOIN enrichment e ON e.id = x.id WHERE e.prefix_key <> 0",
            "SELECT x.account_id, e.suffix_key AS value, x.ts FROM exchanges x "
            "JOIN enrichment e ON e.id = x.id WHERE e.suffix_key <> 0",
        ),
        "x-distillguard-prompt",
        "template",
        private=True,
        always_hashed=True,
        enriched=True,
        numeric=True,
    ),
    Attr(
        "system_prompt",
        "system-prompt hash",
        (
            "SELECT x.account_id, e.sys_key AS value, x.ts FROM exchanges x "
            "JOIN enrichment e ON e.id = x.id WHERE e.sys_key <> 0",
        ),
        "x-distillguard-prompt",
        "system_prompt",
        private=True,
        always_hashed=True,
        enriched=True,
        numeric=True,
    ),
)


def by_object_path() -> dict[str, tuple[Attr, bool]]:
    """``"sco:prop"`` (or ``"sco:prop_hmac"``) -> (attribute, hashed) for pattern matching."""
    out: dict[str, tuple[Attr, bool]] = {}
    for a in ATTRS:
        if a.sco.endswith("-addr"):
            continue  # IPs are matched by address family, not through this table
        out[a.path(True)] = (a, True)
        if not a.always_hashed:
            out[a.path(False)] = (a, False)
    return out
