"""The attributes DistillGuard shares as indicators, and how each maps to STIX and the store.

One table serves both sides: :mod:`~distillguard.forensics.intel` exports indicators from
it and :mod:`~distillguard.forensics.match` finds the same attributes in a store, so an
indicator a DistillGuard operator exports is always one another operator can match.

The SQL is generated so that filters apply before the expensive join: a store of 16M
exchanges is scanned, never joined whole with ``enrichment`` (template and system-prompt
keys are filtered in ``enrichment`` first, then joined to the few exchanges that hold them).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ATTRS", "Attr", "by_object_path"]


@dataclass(frozen=True)
class Attr:
    """A shareable attribute.

    ``kind``: our name (also the HMAC namespace); ``table`` / ``columns``: where its
    values live (``exchanges``, ``accounts`` or ``enrichment``, one or more columns);
    ``sco`` / ``prop``: the STIX object path (``ipv4-addr:value`` for IPs, a custom
    ``x-distillguard-*`` object otherwise); ``private``: hashed before sharing unless the
    operator asks for raw values; ``always_hashed``: never shared raw (our own template /
    system-prompt hashes); ``numeric``: BIGINT keys (shared as 16 hex digits).
    """

    kind: str
    label: str
    table: str
    columns: tuple[str, ...]
    sco: str
    prop: str
    private: bool
    always_hashed: bool = False

    @property
    def enriched(self) -> bool:
        return self.table == "enrichment"

    @property
    def numeric(self) -> bool:
        return self.table == "enrichment"

    def path(self, hashed: bool) -> str:
        return f"{self.sco}:{self.prop}_hmac" if hashed else f"{self.sco}:{self.prop}"

    def _present(self, col: str) -> str:
        return f"{col} <> 0" if self.numeric else f"{col} IS NOT NULL AND {col} <> ''"

    def rows_sql(self, *, values_from: str | None = None, accounts_from: str | None = None) -> str:
        """SQL of ``(account_id, value, ts)`` rows, optionally only for the values in table
        ``values_from`` (column ``value``) or the accounts in ``accounts_from``
        (column ``account_id``)."""
        parts = []
        for col in self.columns:
            cond = self._present(col)
            if values_from:
                cond += f" AND {col} IN (SELECT value FROM {values_from})"
            if self.table == "enrichment":
                acc = (
                    f" WHERE x.account_id IN (SELECT account_id FROM {accounts_from})"
                    if accounts_from
                    else ""
                )
                parts.append(
                    f"SELECT x.account_id, e.value, x.ts FROM (SELECT id, {col} AS value "
                    f"FROM enrichment WHERE {cond}) e JOIN exchanges x ON x.id = e.id{acc}"
                )
                continue
            if accounts_from:
                cond += f" AND account_id IN (SELECT account_id FROM {accounts_from})"
            ts = "ts" if self.table == "exchanges" else "created_at"
            parts.append(
                f"SELECT account_id, {col} AS value, {ts} AS ts FROM {self.table} WHERE {cond}"
            )
        return " UNION ALL ".join(f"({p})" for p in parts)

    def distinct_sql(self) -> str:
        """SQL of the distinct values in the store (one column ``value``)."""
        return " UNION ".join(
            f"(SELECT DISTINCT {c} AS value FROM {self.table} WHERE {self._present(c)})"
            for c in self.columns
        )


ATTRS: tuple[Attr, ...] = (
    Attr("ip", "egress IP", "exchanges", ("ip",), "ipv4-addr", "value", private=False),
    Attr("signup_ip", "sign-up IP", "accounts", ("signup_ip",), "ipv4-addr", "value", False),
    Attr(
        "client_fingerprint",
        "client fingerprint",
        "exchanges",
        ("client_fingerprint",),
        "x-distillguard-client",
        "fingerprint",
        private=True,
    ),
    Attr(
        "payment_fingerprint",
        "payment fingerprint",
        "accounts",
        ("payment_fingerprint",),
        "x-distillguard-account",
        "payment_fingerprint",
        private=True,
    ),
    Attr(
        "template",
        "prompt template signature",
        "enrichment",
        ("prefix_key", "suffix_key"),
        "x-distillguard-prompt",
        "template",
        private=True,
        always_hashed=True,
    ),
    Attr(
        "system_prompt",
        "system-prompt hash",
        "enrichment",
        ("sys_key",),
        "x-distillguard-prompt",
        "system_prompt",
        private=True,
        always_hashed=True,
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
