"""Matching partners' STIX indicators against our own store: shared intel as a signal.

:func:`match_bundles` reads STIX 2.1 bundles (validated with ``stix2.parse``), pulls the
comparisons out of each indicator's pattern, and finds the accounts in the store whose
exchanges or account records carry a matching value:

- ``ipv4-addr:value`` / ``ipv6-addr:value`` with ``=`` or ``ISSUBSET``: an address or a
  CIDR subnet, against ``exchanges.ip`` and ``accounts.signup_ip``;
- ``x-distillguard-client:fingerprint[_hmac]``, ``x-distillguard-account:
  payment_fingerprint[_hmac]``, ``x-distillguard-prompt:template_hmac`` /
  ``system_prompt_hmac``: raw opaque fingerprints, or keyed hashes computed here with our
  key — only when the bundle's ``x_distillguard_key_id`` says it was made with the same
  key (otherwise those indicators are reported as unusable rather than silently empty).

Comparisons joined by ``OR`` each count; other operators and observation operators
(``AND``, ``FOLLOWEDBY``, qualifiers) are skipped and counted. The result is one row per
account, in the columns ``distillguard override --from-detections`` reads, with verdict
``watch`` by default: another provider's intel alone should put an account under watch,
not block it.
"""

from __future__ import annotations

import csv
import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from distillguard._types import Verdict
from distillguard.errors import InputError, StoreError
from distillguard.forensics._attrs import ATTRS, Attr, by_object_path
from distillguard.forensics._hashing import Hasher, template_value
from distillguard.forensics.intel import iter_objects, parse_bundle
from distillguard.store import Store

__all__ = [
    "DETAIL_COLUMNS",
    "MATCH_COLUMNS",
    "AccountMatch",
    "MatchResult",
    "match_bundles",
    "write_details",
    "write_matches",
]

MATCH_COLUMNS = (
    "account_id",
    "verdict",
    "score",
    "cluster_id",
    "reasons",
    "n_indicators",
    "fields",
    "count",
    "first_seen",
    "last_seen",
    "indicator_ids",
    "sources",
)

#: One row per (account, indicator, field): the evidence behind each account's row.
DETAIL_COLUMNS = (
    "account_id",
    "indicator_id",
    "pattern",
    "field",
    "count",
    "first_seen",
    "last_seen",
    "campaign",
    "source",
)

_CMP = re.compile(
    r"([a-z0-9][a-z0-9-]*):([A-Za-z0-9_.]+)\s+(=|ISSUBSET|NOT\s*=|!=|IN|LIKE|MATCHES|<|>|<=|>=)"
    r"\s+'((?:[^'\\]|\\.)*)'"
)
_ATTR_BY_KIND = {a.kind: a for a in ATTRS}
#: A prompt-template or system-prompt match counts only when it is this many of the
#: account's exchanges, and at least this share of them: one prompt that happens to share
#: a sentence with a harvesting template says nothing.
MIN_PROMPT_MATCHES = 3
MIN_PROMPT_SHARE = 0.1
#: An indicator matching more accounts here than max(this floor, twice the accounts it
#: covered at the producer, 1 % of our accounts) describes something common in our
#: population (a NAT, a popular client), not the campaign: it is skipped, not applied.
COMMON_FLOOR = 20
#: Fields that identify infrastructure or payment (strong on their own); the others (client
#: fingerprints, prompt templates, system prompts) recur among ordinary users of the same
#: SDK or agent framework, so an account needs two different such indicators to match.
STRONG_FIELDS = frozenset({"ip", "signup_ip", "payment_fingerprint"})
MIN_WEAK_INDICATORS = 2
COMMON_SHARE = 0.01


@dataclass
class _Wanted:
    indicator_id: str
    source: str
    campaign: str
    confidence: float
    producer_accounts: int
    pattern: str
    attr: Attr | None  # None: an IP / subnet
    value: str  # the value to compare (hash, fingerprint, or IP/CIDR text)
    hashed: bool


@dataclass
class AccountMatch:
    """Everything one account matched."""

    account_id: str
    indicators: set[str] = field(default_factory=set)
    fields: set[str] = field(default_factory=set)
    campaigns: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    count: int = 0
    confidence: float = 0.0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    details: list[tuple[str, str, str, int, Any, Any, str, str]] = field(default_factory=list)

    def add(self, w: _Wanted, fld: str, n: int, first: Any, last: Any) -> None:
        detail = (w.indicator_id, w.pattern, fld, int(n), first, last, w.campaign, w.source)
        self.details.append(detail)
        self.indicators.add(w.indicator_id)
        self.fields.add(fld)
        if w.campaign:
            self.campaigns.add(w.campaign)
        self.sources.add(w.source)
        self.count += int(n)
        self.confidence = max(self.confidence, w.confidence)
        if first is not None and (self.first_seen is None or first < self.first_seen):
            self.first_seen = first
        if last is not None and (self.last_seen is None or last > self.last_seen):
            self.last_seen = last


@dataclass
class MatchResult:
    """Matches per account, and how many indicators could not be used and why."""

    matches: dict[str, AccountMatch]
    indicators: int = 0
    usable: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    weak_only: int = 0  # accounts dropped: one weak indicator only

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1


def _campaigns_of(bundle: Any) -> dict[str, str]:
    """indicator id -> a campaign / intrusion-set label it indicates."""
    names: dict[str, str] = {}
    for kind in ("campaign", "intrusion-set"):
        for o in iter_objects(bundle, kind):
            names[o.id] = str(o.get("x_distillguard_group_id") or o.get("name") or o.id)
    out: dict[str, str] = {}
    for r in iter_objects(bundle, "relationship"):
        if r.relationship_type == "indicates" and r.target_ref in names:
            out.setdefault(r.source_ref, names[r.target_ref])
    return out


def _wanted(paths: Sequence[str | Path], hasher: Hasher, res: MatchResult) -> list[_Wanted]:
    paths_map = by_object_path()
    out: list[_Wanted] = []
    for path in paths:
        bundle = parse_bundle(path)
        producer = {o.id: str(o.name) for o in iter_objects(bundle, "identity")}
        camp = _campaigns_of(bundle)
        for ind in iter_objects(bundle, "indicator"):
            res.indicators += 1
            if ind.get("pattern_type") != "stix":
                res.skip("not a STIX pattern")
                continue
            pattern = str(ind.pattern)
            if re.search(r"\]\s*(AND|FOLLOWEDBY)\s*\[|\b(WITHIN|REPEATS|START)\b", pattern):
                res.skip("compound observation (AND / FOLLOWEDBY / qualifiers)")
                continue
            source = producer.get(str(ind.get("created_by_ref") or ""), Path(path).name)
            conf = float(ind.get("confidence") or 50) / 100.0
            key_id = ind.get("x_distillguard_key_id")
            used = False
            for sco, prop, op, raw in _CMP.findall(pattern):
                value = raw.replace("\\'", "'").replace("\\\\", "\\")
                op = " ".join(op.split())
                n_prod = int(ind.get("x_distillguard_accounts") or 1)
                w = _Wanted(
                    ind.id, source, camp.get(ind.id, ""), conf, n_prod, pattern, None, value, False
                )

                if sco in ("ipv4-addr", "ipv6-addr") and prop == "value":
                    if op not in ("=", "ISSUBSET"):
                        res.skip(f"operator {op} on IPs")
                        continue
                    try:
                        ipaddress.ip_network(value, strict=False)
                    except ValueError:
                        res.skip("malformed IP")
                        continue
                    out.append(w)
                    used = True
                    continue
                target = paths_map.get(f"{sco}:{prop}")
                if target is None:
                    res.skip(f"unsupported object path {sco}:{prop}")
                    continue
                if op != "=":
                    res.skip(f"operator {op}")
                    continue
                attr, hashed = target
                if hashed and key_id is not None and key_id != hasher.key_id:
                    res.skip("hashed with a different key")
                    continue
                w.attr, w.hashed = attr, hashed
                w.value = value.lower() if hashed else value
                out.append(w)
                used = True
            if used:
                res.usable += 1
    return out


_Hit = tuple[_Wanted, str, str, int, Any, Any]  # indicator, account, field, count, first, last


def _rows_for(
    con: duckdb.DuckDBPyConnection, attr: Attr, values: list[Any]
) -> list[tuple[Any, ...]]:
    """``(account_id, value, count, first, last)`` of the store rows holding ``values``."""
    if not values:
        return []
    try:
        con.register("dg_wanted_values", pa.table({"value": values}))
        try:
            src = attr.rows_sql(values_from="dg_wanted_values")
            return con.execute(
                f"SELECT account_id, value, count(*), min(ts), max(ts) FROM ({src}) "
                "GROUP BY 1, 2 ORDER BY 1, 2"
            ).fetchall()
        finally:
            con.unregister("dg_wanted_values")
    except duckdb.Error as exc:
        raise StoreError(f"cannot read {attr.label}s: {str(exc).splitlines()[0]}") from None


def _distinct(con: duckdb.DuckDBPyConnection, attr: Attr) -> list[Any]:
    try:
        return [r[0] for r in con.execute(attr.distinct_sql()).fetchall()]
    except duckdb.Error as exc:
        raise StoreError(f"cannot read {attr.label}s: {str(exc).splitlines()[0]}") from None


def _match_ips(con: duckdb.DuckDBPyConnection, wanted: list[_Wanted], hits_out: list[_Hit]) -> None:
    """Addresses and subnets against egress and sign-up IPs: distinct addresses are tested
    in Python (CIDR containment), then only the matching ones are counted in SQL."""
    if not wanted:
        return
    exact: dict[Any, list[_Wanted]] = {}
    nets: list[tuple[Any, _Wanted]] = []
    for w in wanted:
        net = ipaddress.ip_network(w.value, strict=False)
        if net.num_addresses == 1:
            exact.setdefault(net.network_address, []).append(w)
        else:
            nets.append((net, w))
    for attr in (_ATTR_BY_KIND["ip"], _ATTR_BY_KIND["signup_ip"]):
        found: dict[str, list[_Wanted]] = {}
        for text in _distinct(con, attr):
            try:
                ip = ipaddress.ip_address(str(text).strip())
            except ValueError:
                continue
            hits = list(exact.get(ip, ()))
            hits += [w for net, w in nets if ip.version == net.version and ip in net]
            if hits:
                found[text] = hits
        for account, value, n, first, last in _rows_for(con, attr, sorted(found)):
            hits_out += [(w, account, attr.kind, n, first, last) for w in found[value]]


def _match_attr(
    con: duckdb.DuckDBPyConnection,
    attr: Attr,
    wanted: list[_Wanted],
    hasher: Hasher,
    hits_out: list[_Hit],
) -> None:
    """Raw or keyed-hash values: each distinct stored value is hashed once."""
    if not wanted:
        return
    by_raw: dict[str, list[_Wanted]] = {}
    by_hash: dict[str, list[_Wanted]] = {}
    for w in wanted:
        (by_hash if w.hashed else by_raw).setdefault(w.value, []).append(w)
    found: dict[Any, list[_Wanted]] = {}
    for value in _distinct(con, attr):
        text = template_value(value) if attr.numeric else str(value)
        hits = list(by_raw.get(text, ()))
        if by_hash:
            hits += by_hash.get(hasher(attr.kind, text), ())
        if hits:
            found[value] = hits
    for account, value, n, first, last in _rows_for(con, attr, sorted(found)):
        hits_out += [(w, account, attr.kind, n, first, last) for w in found[value]]


def match_bundles(
    bundles: Sequence[str | Path], db: str | Path, *, hash_key: str | None = None
) -> MatchResult:
    """Find the store's accounts that match any indicator of ``bundles`` (module docstring)."""
    if not bundles:
        raise InputError("give at least one STIX bundle file")
    hasher = Hasher(hash_key)
    res = MatchResult(matches={})
    wanted = _wanted(bundles, hasher, res)
    with Store(db, read_only=True) as store:
        con = store.con
        enriched = bool(
            con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'enrichment'"
            ).fetchone()[0]
        )
        hits: list[_Hit] = []
        _match_ips(con, [w for w in wanted if w.attr is None], hits)
        for attr in ATTRS:
            ws = [w for w in wanted if w.attr is not None and w.attr.kind == attr.kind]
            if attr.enriched and not enriched and ws:
                for _ in ws:
                    res.skip("store has no enrichment table (run 'distillguard detect --db')")
                continue
            _match_attr(con, attr, ws, hasher, hits)
        totals = dict(
            con.execute("SELECT account_id, count(*) FROM exchanges GROUP BY 1").fetchall()
        )
        n_accounts = con.execute(
            "SELECT count(*) FROM (SELECT account_id FROM exchanges UNION SELECT account_id "
            "FROM accounts)"
        ).fetchone()[0]
    _apply(hits, totals, n_accounts, res)
    return res


def _apply(hits: list[_Hit], totals: dict[str, int], n_accounts: int, res: MatchResult) -> None:
    """Keep the hits that say something (see the thresholds above) and fold them per account."""
    per_ind: dict[str, dict[str, int]] = {}
    for w, account, fld, n, _, _ in hits:
        if fld in ("template", "system_prompt"):
            acc = per_ind.setdefault(w.indicator_id + "|" + fld, {})
            acc[account] = acc.get(account, 0) + int(n)
    strong: set[tuple[str, str]] = set()
    for key, counts in per_ind.items():
        ind_id = key.split("|")[0]
        for account, n in counts.items():
            if n >= MIN_PROMPT_MATCHES and n >= MIN_PROMPT_SHARE * totals.get(account, n):
                strong.add((ind_id, account))
    kept: dict[str, list[_Hit]] = {}
    for hit in hits:
        w, account, fld = hit[0], hit[1], hit[2]
        if fld in ("template", "system_prompt") and (w.indicator_id, account) not in strong:
            continue
        kept.setdefault(w.indicator_id, []).append(hit)
    for ind_hits in kept.values():
        w = ind_hits[0][0]
        accounts = {h[1] for h in ind_hits}
        cap = max(COMMON_FLOOR, 2 * w.producer_accounts, COMMON_SHARE * n_accounts)
        if len(accounts) > cap:
            res.skip("too common in this store (matches more accounts than the campaign had)")
            continue
        for w_, account, fld, n, first, last in ind_hits:
            res.matches.setdefault(account, AccountMatch(account)).add(w_, fld, n, first, last)
    for account in list(res.matches):
        m = res.matches[account]
        if not (m.fields & STRONG_FIELDS) and len(m.indicators) < MIN_WEAK_INDICATORS:
            del res.matches[account]
            res.weak_only += 1


def _ts(value: datetime | None) -> str:
    return value.isoformat(timespec="milliseconds") + "Z" if value is not None else ""


def rows(result: MatchResult, verdict: Verdict = Verdict.WATCH) -> Iterable[tuple[str, ...]]:
    """The output rows (:data:`MATCH_COLUMNS`), one per matched account, sorted."""
    for account in sorted(result.matches):
        m = result.matches[account]
        yield (
            account,
            verdict.value,
            f"{m.confidence:.4f}",
            ";".join(f"intel:{c}" for c in sorted(m.campaigns))[:200],
            ";".join(["intel_match", *sorted(f"intel_{f}" for f in m.fields)]),
            str(len(m.indicators)),
            ";".join(sorted(m.fields)),
            str(m.count),
            _ts(m.first_seen),
            _ts(m.last_seen),
            ";".join(sorted(m.indicators)),
            ";".join(sorted(m.sources)),
        )


def write_matches(result: MatchResult, out: str | Path, verdict: Verdict = Verdict.WATCH) -> Path:
    """Write the matches as CSV (header :data:`MATCH_COLUMNS`)."""
    path = Path(out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(MATCH_COLUMNS)
            w.writerows(rows(result, verdict))
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def write_details(result: MatchResult, out: str | Path) -> Path:
    """Write one row per (account, indicator, field) match (:data:`DETAIL_COLUMNS`)."""
    path = Path(out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(DETAIL_COLUMNS)
            for account in sorted(result.matches):
                details = sorted(
                    result.matches[account].details, key=lambda d: (d[0], d[2], str(d[4]))
                )
                for ind, pattern, fld, n, first, last, campaign, source in details:
                    row = (account, ind, pattern, fld, n, _ts(first), _ts(last), campaign, source)
                    w.writerow(row)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
