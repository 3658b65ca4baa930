"""STIX 2.1 export of convicted clusters: what one provider shares with others.

:func:`export_bundle` turns a ``distillguard detect`` result folder plus its store into a
STIX 2.1 bundle: an ``identity`` for the producer, the TLP marking, one ``campaign`` per
convicted cluster (or lone convicted account), one ``indicator`` per shareable attribute
value and an ``indicates`` relationship from each indicator to its campaign.

What is shared, and why it is safe to share:

- Only attributes of the *convicted* accounts of a group (verdict at or above
  ``min_verdict``), never of the innocent accounts a link pulled into the same cluster
  (a reseller's ordinary customers).
- Only values *specific* to the group: at least half of the accounts in the store that
  carry the value belong to it (``MIN_PURITY``). A popular SDK's client fingerprint, a
  common system prompt or a NAT shared with ordinary customers is never exported, so a
  partner matching the bundle does not flag the crowd.
- IPs as ``ipv4-addr`` / ``ipv6-addr`` values. Payment and client fingerprints, template
  signatures and system-prompt hashes only as keyed hashes (:mod:`._hashing`) unless the
  operator asks for the log's opaque fingerprints with ``raw_fingerprints``. Never
  prompts, never account ids (lone accounts get an opaque group id).

Ids are UUIDv5 of the producer, group and value, so re-exporting the same finding gives
the same STIX ids (a partner sees an update, not a new object).
"""

from __future__ import annotations

import hashlib
import ipaddress
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import stix2

from distillguard._types import Verdict
from distillguard.errors import ConfigError, InputError, StoreError
from distillguard.forensics._attrs import ATTRS, Attr
from distillguard.forensics._hashing import Hasher, template_value
from distillguard.forensics._inputs import Results, read_results
from distillguard.store import Store

__all__ = ["MAX_PER_KIND", "MIN_PURITY", "TLP", "ExportSummary", "export_bundle", "parse_bundle"]

#: Share of the accounts carrying a value that must belong to the group for it to be shared.
MIN_PURITY = 0.5
#: Template and system-prompt values must be this specific (prompt styles recur among
#: ordinary users far more than payment cards do) and used by at least two accounts.
MIN_PURITY_TEMPLATE = 0.8
#: Indicators per attribute kind per group (the most used values first).
MAX_PER_KIND = 50
#: Template / system-prompt values need this many exchanges from the group (one-off
#: prompts are not a signature).
MIN_TEMPLATE_EXCHANGES = 5

TLP: dict[str, stix2.MarkingDefinition] = {
    "clear": stix2.TLP_WHITE,
    "white": stix2.TLP_WHITE,
    "green": stix2.TLP_GREEN,
    "amber": stix2.TLP_AMBER,
    "red": stix2.TLP_RED,
}
_NS = uuid.UUID("6f1d6c2e-5b1a-4c57-9d43-3c0f9a1e7b21")


@dataclass
class _Group:
    group_id: str
    accounts: list[str]
    score: float
    verdict: Verdict
    first_flagged: str
    reasons: list[str]
    evidence: list[str]
    capabilities: dict[str, float]
    n_accounts_cluster: int
    first_seen: Any = None
    last_seen: Any = None
    n_exchanges: int = 0


@dataclass
class ExportSummary:
    """What :func:`export_bundle` put in the bundle."""

    groups: int = 0
    indicators: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    skipped_common: int = 0


def _groups(res: Results, min_verdict: Verdict) -> list[_Group]:
    by_group: dict[str, list[str]] = {}
    for account_id, row in sorted(res.accounts.items()):
        try:
            verdict = Verdict.parse(row["verdict"])
        except ValueError as exc:
            raise InputError(f"{res.dir / 'accounts.csv'}: {exc}") from None
        if not verdict.at_least(min_verdict):
            continue
        cid = row.get("cluster_id") or ""
        gid = cid or "s" + hashlib.sha256(account_id.encode()).hexdigest()[:12]
        by_group.setdefault(gid, []).append(account_id)
    out = []
    for gid, accounts in sorted(by_group.items()):
        rows = [res.accounts[a] for a in accounts]
        cluster = res.clusters.get(gid)
        ev = res.cluster_evidence(gid) if cluster else res.account_evidence(accounts[0])
        ev = ev or {}
        scores = [float(r["score"] or 0) for r in rows]
        score = max(scores + ([float(cluster["score"] or 0)] if cluster else []))
        flagged = sorted(r["first_flagged_at"] for r in rows if r.get("first_flagged_at"))
        reasons = sorted({x for r in rows for x in (r.get("reasons") or "").split(";") if x})
        out.append(
            _Group(
                group_id=gid,
                accounts=accounts,
                score=min(1.0, score),
                verdict=max((Verdict.parse(r["verdict"]) for r in rows), key=lambda v: v.rank),
                first_flagged=flagged[0] if flagged else "",
                reasons=reasons,
                evidence=[str(s) for s in ev.get("evidence", [])],
                capabilities={str(k): float(v) for k, v in (ev.get("top_tags") or {}).items()},
                n_accounts_cluster=int(cluster["n_accounts"]) if cluster else 1,
            )
        )
    return out


def _stats(
    con: duckdb.DuckDBPyConnection, attr: Attr
) -> list[tuple[str, Any, int, int, int, Any, Any]]:
    """(group, value, group accounts, other accounts, group exchanges, first, last)."""
    # the group accounts' rows first (small), then per value the number of distinct
    # accounts in the whole store: one aggregate per value, never a row per (account, value)
    sql = f"""
WITH gs AS (SELECT g.group_id, s.value, count(DISTINCT s.account_id) AS members,
                   count(*) AS n, min(s.ts) AS first, max(s.ts) AS last
            FROM ({attr.rows_sql(accounts_from="g")}) s JOIN g ON g.account_id = s.account_id
            GROUP BY 1, 2),
vals AS (SELECT DISTINCT value FROM gs),
tot AS (SELECT value, count(DISTINCT account_id) AS accounts
        FROM ({attr.rows_sql(values_from="vals")}) GROUP BY 1)
SELECT gs.group_id, gs.value, gs.members, tot.accounts - gs.members, gs.n, gs.first, gs.last
FROM gs JOIN tot ON tot.value = gs.value ORDER BY 1, 2"""
    try:
        return con.execute(sql).fetchall()
    except duckdb.Error as exc:
        raise StoreError(f"cannot read {attr.label}s: {str(exc).splitlines()[0]}") from None


def _ts(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value
    from distillguard.exchange import parse_ts

    return parse_ts(value)


def _id(kind: str, *parts: str) -> str:
    return f"{kind}--{uuid.uuid5(_NS, '|'.join(parts))}"


def _ip_pattern(value: str) -> str | None:
    try:
        ip = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    family = "ipv4-addr" if ip.version == 4 else "ipv6-addr"
    return f"[{family}:value = '{ip.compressed}']"


def export_bundle(
    results: str | Path,
    db: str | Path,
    *,
    min_verdict: Verdict = Verdict.THROTTLE,
    identity: str = "DistillGuard operator",
    tlp: str = "amber",
    hash_key: str | None = None,
    raw_fingerprints: bool = False,
    now: datetime | None = None,
) -> tuple[stix2.Bundle, ExportSummary]:
    """Build the STIX 2.1 bundle for the convicted groups of a detect run (module docstring)."""
    marking = TLP.get(tlp.strip().lower())
    if marking is None:
        raise ConfigError(f"unknown TLP level {tlp!r} (expected clear, green, amber or red)")
    if not identity.strip():
        raise ConfigError("--identity must not be empty")
    res = read_results(results)
    groups = _groups(res, min_verdict)
    hasher = Hasher(hash_key)
    created = (now or datetime.now(UTC)).astimezone(UTC)
    producer = stix2.Identity(
        id=_id("identity", identity),
        name=identity,
        identity_class="organization",
        created=created,
        modified=created,
        object_marking_refs=[marking.id],
    )
    objects: list[Any] = [producer, marking]
    summary = ExportSummary(groups=len(groups))
    if not groups:
        return stix2.Bundle(objects=objects, allow_custom=True), summary
    with Store(db, read_only=True) as store:
        con = store.con
        table = pa.table(
            {
                "account_id": [a for g in groups for a in g.accounts],
                "group_id": [g.group_id for g in groups for _ in g.accounts],
            }
        )
        con.register("g", table)
        for g_id, n, first, last in con.execute(
            "SELECT g.group_id, count(*), min(x.ts), max(x.ts) FROM exchanges x "
            "JOIN g ON g.account_id = x.account_id GROUP BY 1"
        ).fetchall():
            grp = next(gr for gr in groups if gr.group_id == g_id)
            grp.n_exchanges, grp.first_seen, grp.last_seen = n, first, last
        has_enrichment = bool(
            con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'enrichment'"
            ).fetchone()[0]
        )
        stats = {a.kind: _stats(con, a) for a in ATTRS if has_enrichment or not a.enriched}
    campaigns: dict[str, stix2.Campaign] = {}
    common = {
        "created_by_ref": producer.id,
        "created": created,
        "modified": created,
        "object_marking_refs": [marking.id],
    }
    for grp in groups:
        valid_from = _ts(grp.first_flagged) or _ts(grp.first_seen) or created
        caps = ", ".join(k for k, v in sorted(grp.capabilities.items(), key=lambda kv: -kv[1]))
        campaigns[grp.group_id] = stix2.Campaign(
            id=_id("campaign", identity, grp.group_id),
            name=f"Distillation campaign {grp.group_id}",
            description=(
                f"{len(grp.accounts)} convicted account(s) "
                f"({grp.n_accounts_cluster} linked) harvesting model outputs"
                + (f"; capabilities: {caps}" if caps else "")
                + (". Evidence: " + "; ".join(grp.evidence) if grp.evidence else "")
            ),
            objective="Distil a language model's capabilities from its API outputs",
            first_seen=_ts(grp.first_seen) or valid_from,
            last_seen=_ts(grp.last_seen) or valid_from,
            confidence=round(100 * grp.score),
            custom_properties={
                "x_distillguard_group_id": grp.group_id,
                "x_distillguard_verdict": grp.verdict.value,
                "x_distillguard_score": round(grp.score, 4),
                "x_distillguard_reasons": grp.reasons,
                "x_distillguard_capabilities": grp.capabilities,
                "x_distillguard_accounts": len(grp.accounts),
                "x_distillguard_exchanges": grp.n_exchanges,
                "x_distillguard_first_flagged": grp.first_flagged or None,
            },
            **common,
        )
    objects += [campaigns[g.group_id] for g in groups]
    relationships = []
    by_id = {g.group_id: g for g in groups}
    for attr in ATTRS:
        rows = stats.get(attr.kind, [])
        per_group: dict[str, list[tuple[Any, ...]]] = {}
        for row in rows:
            gid, value, members, others, n, first, last = row
            purity = members / (members + others)
            if purity < (MIN_PURITY_TEMPLATE if attr.numeric else MIN_PURITY):
                summary.skipped_common += 1
                continue
            if attr.numeric and (n < MIN_TEMPLATE_EXCHANGES or members < 2):
                continue
            per_group.setdefault(gid, []).append(row)
        for gid in sorted(per_group):
            grp = by_id[gid]
            picked = sorted(per_group[gid], key=lambda r: (-r[2], -r[4], str(r[1])))
            for _, value, members, others, n, first, last in picked[:MAX_PER_KIND]:
                ind = _indicator(
                    attr, value, grp, members, others, n, first, last, hasher,
                    raw_fingerprints, identity, common, created,
                )  # fmt: skip
                if ind is None:
                    continue
                objects.append(ind)
                summary.indicators += 1
                summary.by_kind[attr.kind] = summary.by_kind.get(attr.kind, 0) + 1
                relationships.append(
                    stix2.Relationship(
                        id=_id("relationship", ind.id, campaigns[gid].id),
                        relationship_type="indicates",
                        source_ref=ind.id,
                        target_ref=campaigns[gid].id,
                        **common,
                    )
                )
    objects += relationships
    return stix2.Bundle(objects=objects, allow_custom=True), summary


def _indicator(
    attr: Attr,
    value: Any,
    grp: _Group,
    members: int,
    others: int,
    n: int,
    first: Any,
    last: Any,
    hasher: Hasher,
    raw_fingerprints: bool,
    identity: str,
    common: dict[str, Any],
    created: datetime,
) -> stix2.Indicator | None:
    text = template_value(value) if attr.numeric else str(value)
    custom: dict[str, Any] = {
        "x_distillguard_field": attr.kind,
        "x_distillguard_accounts": members,
        "x_distillguard_other_accounts": others,
        "x_distillguard_exchanges": n,
    }
    if attr.sco.endswith("-addr"):
        pattern = _ip_pattern(text)
        if pattern is None:
            return None
        name = f"{attr.label} {text}"
    else:
        hashed = attr.always_hashed or not raw_fingerprints
        shown = hasher(attr.kind, text) if hashed else text
        pattern = f"[{attr.path(hashed)} = '{shown}']"
        name = f"{attr.label} {shown[:16]}…"
        if hashed:
            custom["x_distillguard_hash"] = "hmac-sha256"
            custom["x_distillguard_key_id"] = hasher.key_id
    valid_from = _ts(grp.first_flagged) or _ts(first) or created
    custom["x_distillguard_first_seen"] = _iso(first)
    custom["x_distillguard_last_seen"] = _iso(last)
    return stix2.Indicator(
        id=_id("indicator", identity, grp.group_id, attr.kind, pattern),
        name=name,
        description=(
            f"{attr.label} used by {members} convicted account(s) of distillation campaign "
            f"{grp.group_id} ({n} exchanges or records); {others} other account(s) seen with it"
        ),
        indicator_types=[
            "malicious-activity" if grp.verdict is Verdict.BLOCK else "anomalous-activity"
        ],
        pattern=pattern,
        pattern_type="stix",
        valid_from=valid_from,
        confidence=round(100 * grp.score * members / (members + others)),
        custom_properties=custom,
        **common,
    )


def _iso(value: Any) -> str | None:
    ts = _ts(value)
    return ts.isoformat(timespec="milliseconds").replace("+00:00", "Z") if ts else None


def parse_bundle(path: str | Path) -> Any:
    """Read and validate a STIX 2.1 bundle file with ``stix2.parse`` (custom props allowed)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{p}: not UTF-8 text") from None
    try:
        obj = stix2.parse(text, allow_custom=True)
    except Exception as exc:  # stix2 raises many unrelated types
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{p}: not a valid STIX 2.1 bundle ({first})") from None
    if getattr(obj, "type", None) != "bundle":
        raise InputError(f"{p}: not a STIX bundle (top-level type {getattr(obj, 'type', '?')!r})")
    return obj


def iter_objects(bundle: Any, kind: str) -> Iterable[Any]:
    """The bundle's objects of one STIX type."""
    return (o for o in getattr(bundle, "objects", []) or [] if getattr(o, "type", None) == kind)
