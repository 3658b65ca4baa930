"""The causal detection pass: one time-ordered walk that both executors share.

:class:`Engine` is fed accounts (at their sign-up time) and enriched exchanges in time
order. Per exchange it updates the account's and its cluster's counters
(:class:`~distillguard.detect.features.Stats`), registers link attributes with the
:class:`~distillguard.detect.linking.Linker`, and re-scores only what the exchange touched,
on a geometric schedule (every exchange while small, then every ~3 % of growth), so the
pass stays linear. Everything it knows at time t comes from records with ``ts <= t``:
a run on a log prefix reproduces the full run's decisions up to the cut.

Score-then-learn (River style): a verdict is decided from the state before the next
exchange arrives, and an account with little history is reported as ``warming_up`` --
never as a clean bill of health.
"""

from __future__ import annotations

import ipaddress
import math
from bisect import bisect_right
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import add, sub
from typing import Any

from distillguard._types import Verdict
from distillguard.detect._text import simhash_bands, stable_hash
from distillguard.detect.enrich import COT, TAGS, Enriched
from distillguard.detect.features import EARLY_S, N_KINDS, KeyCounts, Stats
from distillguard.detect.linking import Linker
from distillguard.detect.policy import Policy, load_policy
from distillguard.detect.scoring import Assessment, assess, describe

__all__ = ["AccountInfo", "Engine", "VerdictChange", "client_identity", "organisation"]

_LINK_CAPS = {
    "pay": "payment",
    "cfp": "client_fingerprint",
    "cfs": "client_system_prompt",
    "cft": "client_reasoning_system_prompt",
    "sys": "system_prompt",
    "tpl": "template",
    "ipc": "ip_client",
    "burst": "signup_burst",
}
_MAX_PAIRS = 2_000_000  # co-starting account pairs tracked before single coincidences are dropped
_WARM = 12  # exchanges before an account's own behaviour is judged at all


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """What the accounts file says about an account (all optional but the id)."""

    account_id: str
    created_ts: float | None = None
    tier: str | None = None
    verified: bool | None = None
    payment_fingerprint: str | None = None
    signup_ip: str | None = None
    email_domain: str | None = None
    org_id: str | None = None


@dataclass(slots=True)
class VerdictChange:
    """An account whose verdict changed, with why (what the live executor returns)."""

    account_id: str
    ts: datetime
    verdict: Verdict
    score: float
    cluster_id: str | None
    reasons: list[str]
    evidence: list[str] = field(default_factory=list)
    warming_up: bool = False


#: link kinds that are shared infrastructure (see :meth:`Engine._structure`)
_STRUCTURE_KINDS = ("ipc", "pay", "burst", "sync")
_NON_EGRESS_KINDS = ("pay", "burst", "sync")
_PER_ACCOUNT_FPS = 8
_SETUP_BITS = 6  # system prompts whose SimHashes differ in at most this many bits are one


class _Acct:
    __slots__ = (
        "burst",
        "flagged_ts",
        "fps",
        "info",
        "last_link",
        "own",
        "reasons",
        "score",
        "setup",
        "stats",
        "tpl_reg",
        "verdict",
    )

    def __init__(self, info: AccountInfo) -> None:
        self.info = info
        self.stats = Stats()
        self.verdict = Verdict.ALLOW
        self.score = 0.0
        self.reasons: list[str] = []
        self.own: Assessment | None = None
        self.flagged_ts: float | None = None
        self.tpl_reg = 0
        self.last_link: tuple[object, ...] = ()
        self.burst = 0  # accounts signed up from the same subnet within the burst window
        self.fps: tuple[str, ...] = ()  # the client fingerprints it used (the first few)
        self.setup = -1  # SimHash of its first system prompt (0: none so far; -1: no exchange)


class _Cluster:
    __slots__ = (
        "assessment",
        "burst_w",
        "contrast",
        "contrast_bg",
        "convicted",
        "members",
        "name",
        "next_due",
        "pace",
        "pattern",
        "prior",
        "stats",
        "tier_w",
        "wording",
    )

    def __init__(self) -> None:
        self.next_due = 0
        self.pattern: tuple | None = None  # type: ignore[type-arg]
        self.stats = Stats()
        self.members: list[str] = []
        self.name = (0, "")  # (members counted, cluster_name) -- see :meth:`cid`
        self.assessment: Assessment | None = None
        self.convicted = False
        # per-feature log-likelihood weights: core members' traffic vs the other members'
        self.contrast: list[tuple[float, ...]] | None = None
        # the same weights with the platform's ordinary accounts as the other side
        self.contrast_bg: list[tuple[float, ...]] | None = None
        self.prior = 0.0  # log odds that a young member is one of the core
        self.burst_w = (0.0, 0.0)  # log-likelihood weights of a sign-up burst: core vs rest
        self.tier_w: dict[str | None, float] = {}  # log-likelihood weight of each account tier
        # the core's own wording (first / last sentences), its mixture and the rest's rates
        self.wording: _Wording | None = None
        # sessions per second after the first: (log rate ratio core / rest, rate difference)
        self.pace: tuple[float, float] | None = None

    def cid(self) -> str:
        """:func:`cluster_name` of the members, recomputed only when they changed (members
        are only ever appended; a rebuild makes new clusters)."""
        if self.name[0] != len(self.members):
            self.name = (len(self.members), cluster_name(self.members))
        return self.name[1]


def _due(n: int) -> bool:
    """Re-scoring schedule: 1, 2, 4, 8, then every 4th up to 64, then every ~6 % of growth."""
    return n & (n - 1) == 0 or (n <= 64 and n % 4 == 0) or (n > 64 and n % (n >> 4) == 0)


def _subnet(ip: str | None) -> str | None:
    if not ip:
        return None
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return None
    bits = 24 if addr.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))


def client_identity(client_fingerprint: str | None, user_agent: str | None) -> str | None:
    """Which client software sent an exchange, as link attributes see it.

    The edge's ``client_fingerprint`` (TLS / HTTP fingerprint) when the log has one; else
    the ``User-Agent`` string, which names the same thing less reliably (an SDK and its
    version, a runtime): many gateways, this project's included, log no fingerprint, and
    without a stand-in the egress link (address + client) would link nobody in their logs.
    """
    if client_fingerprint:
        return client_fingerprint
    ua = (user_agent or "").strip()
    return f"ua:{ua[:200]}" if ua else None


def cluster_name(members: list[str]) -> str:
    """Stable cluster id: derived from the cluster's smallest account id."""
    return f"c{stable_hash(min(members)):016x}"[:13]


class Engine:
    """Incremental per-account, per-attribute and per-cluster state plus verdicts."""

    def __init__(self, policy: Policy | None = None) -> None:
        self.policy = policy or load_policy()
        p = self.policy
        self._thr = p.section("verdict")
        self._solo = p.section("solo")
        self._cl = p.section("cluster")
        self._ev = p.section("evidence")
        link = p.section("linking")
        self.linker = Linker(
            {**{k: link[v] for k, v in _LINK_CAPS.items()}, "sync": 2},
            relative={
                "cfs": link["relative_share"],
                "cft": link["client_reasoning_share"],
                "sys": link["relative_share"],
                "tpl": link["template_share"],
                "cfp": link["client_fingerprint_share"],
            },
            floor=link["relative_floor"],
        )
        self._burst_s = max(1, int(link["signup_burst_seconds"]))
        self._window_s = float(self._cl["burst_window_seconds"])
        self._sync_min = int(link["synchronized_starts"])
        self._sync_window = float(link["sync_window_seconds"])
        self._session_gap = float(link["session_gap_seconds"])
        self._starts: deque[tuple[float, str]] = deque()
        self._pairs: dict[tuple[str, str], int] = {}
        self._synced: set[tuple[str, str]] = set()
        self._sync_alpha = float(link["sync_alpha"])
        self._sync_free = float(link["sync_pairs"])
        self._pairs_seen = 0  # distinct account pairs that ever started within the window
        self._signups: dict[str, list[tuple[float, str]]] = {}
        #: client fingerprint -> how many accounts have used it (for its rarity)
        self._fp_accounts: dict[str, int] = {}
        self._fp_share = float(link["client_fingerprint_share"])
        self._fp_popular = float(link["client_popular_share"])
        self._active = 0  # accounts that have sent at least one exchange so far
        #: company / university e-mail domain -> the ``org_id`` first seen with it
        self._domain_org: dict[str, str] = {}
        #: organisations with at least one verified account (the organisation is verified)
        self._verified_orgs: set[str] = set()
        self.accounts: dict[str, _Acct] = {}
        self.clusters: dict[str, _Cluster] = {}
        self.now = float("-inf")
        self._last_rebuild = float("-inf")
        self._rebuild_s = float(link["rebuild_seconds"])
        ev = self._ev
        self._fresh_after = float(ev["new_model_after_hours"]) * 3600.0
        self._fresh_window = float(ev["new_model_window_hours"]) * 3600.0
        self._log_start: float | None = None
        self._model_first: dict[str, float] = {}
        self._fresh: dict[str, float] = {}  # newly released models in their window -> release
        # how often each template end (first / last sentence) occurs over the whole log: a
        # phrase the whole population types is nobody's pattern (see _shared_pattern)
        self._own_share = float(self._cl["pattern_own_share"])
        # a sample of the platform's accounts for the member test (see _background)
        self._bg: tuple[_Rates, dict[str, _Rates]] = (_Rates(), {})
        self._bg_at = float("-inf")
        self._phrases = (KeyCounts(), KeyCounts())

    # ------------------------------------------------------------------ input
    def observe_account(self, info: AccountInfo) -> None:
        """An account exists from now on (its sign-up, or its first exchange)."""
        acct = self.accounts.get(info.account_id)
        new = acct is None
        if acct is None:
            acct = self.accounts[info.account_id] = _Acct(info)
            self.linker.population += 1
        else:
            acct.info = info
        domain = (info.email_domain or "").strip().lower()
        if info.org_id and domain and domain not in WEBMAIL:
            self._domain_org.setdefault(domain, info.org_id)
        if info.verified:
            self._verified_orgs.add(self._org(info.account_id))
        self._link(info.account_id, "pay", info.payment_fingerprint)
        if info.signup_ip and info.created_ts is not None:
            net = _subnet(info.signup_ip) or info.signup_ip
            self._link(info.account_id, "burst", f"{net}@{int(info.created_ts // self._burst_s)}")
            if new:
                self._count_burst(acct, net, info.created_ts)
        self._settle()

    def _count_burst(self, acct: _Acct, net: str, created: float) -> None:
        """Count sign-ups from the same subnet within the burst window of each other.

        Accounts arrive in sign-up order, so a new account's neighbours are the recent ones;
        each of them gains the newcomer as a neighbour at the newcomer's sign-up time (causal).
        """
        recent = self._signups.setdefault(net, [])
        horizon = created - self._window_s
        while recent and recent[0][0] < horizon:
            recent.pop(0)
        for _, other in recent:
            self.accounts[other].burst += 1
        acct.burst += len(recent)
        recent.append((created, acct.info.account_id))

    def observe(
        self,
        ts: float,
        account_id: str,
        e: Enriched,
        *,
        ip: str | None = None,
        client_fingerprint: str | None = None,
        model: str | None = None,
        user_agent: str | None = None,
    ) -> list[VerdictChange]:
        """Fold one exchange (time ``ts`` in epoch seconds) in; return verdict changes.

        The client behind the exchange is its ``client_fingerprint`` or, in logs that carry
        none, its ``user_agent`` (see :func:`client_identity`).
        """
        self.now = ts
        if not client_fingerprint and user_agent:
            client_fingerprint = client_identity(None, user_agent)
        fresh = self._fresh_flag(ts, model)
        acct = self.accounts.get(account_id)
        if acct is None:
            self.observe_account(AccountInfo(account_id))
            acct = self.accounts[account_id]
        if acct.stats.n == 0:
            self._active += 1
        start = acct.stats.n == 0 or ts - acct.stats.last_ts >= self._session_gap
        if self._sync_min and start:
            self._session_start(ts, account_id)
        acct.stats.add(ts, e, self._ev["saturation_tokens"], start, fresh)
        if acct.setup <= 0 and (acct.setup < 0 or e.sys_sim):
            acct.setup = e.sys_sim  # its first system prompt (none, until it sends one)
        if self._own_share > 0:
            if e.prefix_key:
                self._phrases[0].add(e.prefix_key)
            if e.suffix_key:
                self._phrases[1].add(e.suffix_key)
        root = self.linker.find(account_id)
        cluster = self.clusters.get(root)
        if cluster is not None:
            cluster.stats.add(ts, e, self._ev["saturation_tokens"], start, fresh)
        seen = (ip, client_fingerprint, e.sys_key)
        if seen != acct.last_link:  # most exchanges repeat the previous one's attributes
            acct.last_link = seen
            self._link_exchange(account_id, acct, e, ip, client_fingerprint)
        n = acct.stats.n
        if n >= 8 and acct.tpl_reg < 4 and n & 7 == 0:
            self._register_template(account_id, acct)
        self._settle()
        changes: list[VerdictChange] = []
        root = self.linker.find(account_id)
        cluster = self.clusters.get(root)
        if cluster is not None and (
            cluster.assessment is None or cluster.stats.n >= cluster.next_due
        ):
            # amortised: a rescore costs O(members), so wait for as many new exchanges
            self._rescore_cluster(cluster, changes)
            n_c = cluster.stats.n
            cluster.next_due = n_c + max(1, len(cluster.members) // 2, n_c >> 4)
        if _due(n):
            self._rescore_account(account_id, acct, cluster, changes)
        elif (
            cluster is not None
            and cluster.convicted
            and cluster.contrast is not None
            and not acct.verdict.at_least(Verdict.THROTTLE)
        ):
            # a young member's odds move with every exchange and cost a few multiplications:
            # act on the exchange that carries them over the line, not at the next re-score
            odds = self._member_odds(acct, cluster)
            if odds is not None and odds >= self._cl["member_evidence"]:
                self._rescore_account(account_id, acct, cluster, changes)
        return changes

    def _fresh_flag(self, ts: float, model: str | None) -> int:
        """0, or 1 when a newly released model is in its first days, 2 if ``model`` is it.

        A model is newly released when it first appears ``new_model_after_hours`` or more
        after the log began (before that, first sight says nothing about release) and stays
        so for ``new_model_window_hours``: the pivot a harvester makes within a day.
        """
        if self._log_start is None:
            self._log_start = ts
        if model is not None and model not in self._model_first:
            self._model_first[model] = ts
            if ts - self._log_start >= self._fresh_after:
                self._fresh[model] = ts
        if not self._fresh:
            return 0
        horizon = ts - self._fresh_window
        if any(t < horizon for t in self._fresh.values()):
            self._fresh = {m: t for m, t in self._fresh.items() if t >= horizon}
            if not self._fresh:
                return 0
        return 2 if model in self._fresh else 1

    # ------------------------------------------------------------------ linking
    def _link_exchange(
        self,
        account_id: str,
        acct: _Acct,
        e: Enriched,
        ip: str | None,
        client_fingerprint: str | None,
    ) -> None:
        """Register the link attributes one exchange shows."""
        if ip and not client_fingerprint:
            # a log that names no client at all: the address alone (under the same cap)
            self._link(account_id, "ipc", f"{ip}|")
        if client_fingerprint:
            self._link(account_id, "cfp", client_fingerprint)
            if client_fingerprint not in acct.fps and len(acct.fps) < _PER_ACCOUNT_FPS:
                acct.fps = (*acct.fps, client_fingerprint)
                self._fp_accounts[client_fingerprint] = (
                    self._fp_accounts.get(client_fingerprint, 0) + 1
                )
            if ip:
                self._link(account_id, "ipc", f"{ip}|{client_fingerprint}")
        if e.sys_key:
            self._link(account_id, "sys", e.sys_key)
            if client_fingerprint and e.sys_tags & COT:
                # one client build whose system prompts all demand reasoning traces: the
                # paraphrased variants of one operator's template keep its intent
                self._link(account_id, "cft", client_fingerprint)
            if client_fingerprint:
                # a fingerprint links only together with a near-identical system prompt
                for band in simhash_bands(e.sys_sim):
                    self._link(account_id, "cfs", f"{client_fingerprint}|{band}")

    def _session_start(self, ts: float, account_id: str) -> None:
        """Link accounts whose sessions repeatedly start within seconds of each other.

        One operator's scripts fan a wave of requests out over many accounts at once;
        unrelated people start sessions at random moments, so two accounts that start
        together ``synchronized_starts`` times are coordinated -- unless they start so many
        sessions that chance explains it: an app back-end opening a session every few
        minutes meets everyone now and then, and linked by it, it chained unrelated
        campaigns and customers into one cluster. So the count must also be improbable
        under chance: below ``sync_alpha`` for a Poisson count with the pair's expected
        coincidences (both accounts' session starts so far x the window / the time
        elapsed). Pair counts are pruned deterministically (same log prefix, same state),
        keeping memory bounded.
        """
        starts = self._starts
        while starts and starts[0][0] < ts - self._sync_window:
            starts.popleft()
        pairs = self._pairs
        for _, other in starts:
            if other == account_id:
                continue
            pair = (other, account_id) if other < account_id else (account_id, other)
            count = pairs.get(pair, 0) + 1
            if count == 1:
                self._pairs_seen += 1
            pairs[pair] = count
            if (
                count >= self._sync_min
                and pair not in self._synced
                and self._sync_excess(pair, count, ts)
            ):
                self._synced.add(pair)
                key = f"{pair[0]}|{pair[1]}"
                self._link(pair[0], "sync", key)
                self._link(pair[1], "sync", key)
        starts.append((ts, account_id))
        if len(pairs) > _MAX_PAIRS:
            self._pairs = {k: v for k, v in pairs.items() if v > 1}

    def _sync_excess(self, pair: tuple[str, str], count: int, ts: float) -> bool:
        """Are ``count`` co-starts improbable for two accounts starting this many sessions?

        Each account's sessions are spread over its own active time (first request to now),
        so two accounts active only in the same recent day meet as often as their rates say
        (measured from the log's start, a pair of newcomers looked far too synchronized).
        The expected count is ``rate_a x rate_b x 2 window x overlap``. The level is per
        pair up to ``linking.sync_pairs`` pairs at risk and shrinks in proportion beyond
        (Bonferroni): at 17M exchanges ~60M pairs co-start once, and a per-pair level of
        1e-6 let dozens of chance links join two campaigns into one cluster.
        """
        if self._sync_alpha <= 0:
            return True
        a, b = self.accounts[pair[0]].stats, self.accounts[pair[1]].stats
        first_a = a.first_ts if a.n else ts
        first_b = b.first_ts if b.n else ts
        span_a = max(ts - first_a, 3600.0)
        span_b = max(ts - first_b, 3600.0)
        overlap = min(span_a, span_b)
        n_a = sum(a.starts) + 1
        n_b = sum(b.starts) + 1
        mu = (n_a / span_a) * (n_b / span_b) * 2.0 * self._sync_window * overlap
        alpha = self._sync_alpha
        if self._sync_free > 0 and self._pairs_seen > self._sync_free:
            alpha *= self._sync_free / self._pairs_seen
        return poisson_sf(count, mu) <= alpha

    def _register_template(self, account_id: str, acct: _Acct) -> None:
        s = acct.stats
        for summary in (s.prefix, s.suffix):
            key, count = summary.top()
            if key and count >= 0.3 * s.n and count >= 4:
                before = len(self.linker._registered.get(account_id, {}).get("tpl", ()))
                self._link(account_id, "tpl", key)
                if len(self.linker._registered.get(account_id, {}).get("tpl", ())) > before:
                    acct.tpl_reg += 1

    def _link(self, account_id: str, kind: str, value: object) -> None:
        merged = self.linker.add(account_id, kind, value)
        if merged is None:
            return
        keep, gone = merged
        a = self.clusters.get(keep)
        b = self.clusters.pop(gone, None)
        if a is None:
            a = self.clusters[keep] = _Cluster()
            a.members = [keep]
            a.stats.merge(self.accounts[keep].stats) if keep in self.accounts else None
        if b is None:
            b = _Cluster()
            b.members = [gone]
            if gone in self.accounts:
                b.stats.merge(self.accounts[gone].stats)
        a.members.extend(b.members)
        a.stats.merge(b.stats)
        if len(b.members) * 16 >= len(a.members):
            a.pattern = None
        # else: a big cluster absorbing a few accounts keeps its pattern until its re-score
        # (due within half its size in exchanges, below): recomputing it is a walk over
        # every member, and a hydra that adds replacements one by one would pay that walk
        # for each newcomer's every exchange (quadratic in the cluster's size)
        if len(a.members) <= 8:  # small clusters are re-decided at once from merged traffic
            a.convicted = False
            a.assessment = None
        else:
            a.next_due = min(a.next_due, a.stats.n + len(a.members) // 2)

    def _settle(self) -> None:
        # rebuilding costs O(all link values): at most once per `rebuild_seconds` of log time
        if not self.linker.dirty or self.now < self._last_rebuild + self._rebuild_s:
            return
        self._last_rebuild = self.now
        self.linker.rebuild()
        self.clusters = {}
        for root, members in self.linker.clusters().items():
            c = self.clusters[root] = _Cluster()
            c.members = members
            for m in members:
                if m in self.accounts:
                    c.stats.merge(self.accounts[m].stats)

    # ------------------------------------------------------------------ scoring
    def _heavy_keys(self, cluster: _Cluster) -> tuple[set[int], set[int]]:
        """Candidate pattern: template keys (first / last sentence) heavy in the cluster.

        A shared system prompt links accounts but is no pattern of its own: popular agent
        and product prompts are sent by many unrelated customers; the same wording in the
        USER turns across organisations is what a script shows.
        """
        cs, share = cluster.stats, self._cl["heavy_share"]
        return cs.prefix.heavy(cs.n, share), cs.suffix.heavy(cs.n, share)

    def _match_count(
        self,
        acct: _Acct,
        pattern: tuple,  # type: ignore[type-arg]
        *,
        core: bool = False,
        bar: bool = True,
    ) -> int:
        """How many of an account's exchanges (lower bound) follow the cluster's pattern.

        ``bar=False`` counts an established member's matches as they are, without the
        beyond-chance bar (:meth:`_homogeneous` asks how many would match that way).
        """
        s = acct.stats
        # (tests pass the older 2- and 4-part patterns: cards, young, homogeneous default)
        padded = (*pattern, *((), (), False)[len(pattern) - 2 :])
        heavy, mode, cards, young, homogeneous = padded
        # an established member is held to the beyond-chance bar only where the cluster's
        # established members are the population a campaign of young accounts hides in
        hold = bar and young and not homogeneous
        # a hard tie matches from the first exchange (not only after `member_min` of them)
        tied = max(s.n, math.ceil(self._cl["member_min"])) if s.n else 0
        if acct.info.payment_fingerprint in cards:
            return tied
        if (
            young
            and (
                core
                or (
                    acct.burst >= self._cl["burst_neighbours"]
                    and s.n < self._cl["burst_tie_exchanges"]
                )
            )
            and (acct.info.account_id in young or self._is_young(acct))
        ):
            # any young member shapes the core; only a burst sign-up is convicted for it,
            # and only until its own requests can be judged (`burst_tie_exchanges`)
            return tied
        pre, suf = heavy
        # a template's fixed sentence may sit before or after the slot: count both ends
        ends = sum(s.prefix.low(k) for k in pre) + sum(s.suffix.low(k) for k in suf - pre)
        best = min(s.n, ends)
        if best and hold and not self._is_young(acct) and not self._beyond_chance_in(best, s):
            # the same bar as the payload below: a long-standing member who ends two of its
            # four requests with a phrase the campaign's scripts also use ("Explain each step
            # before answering.") is an ordinary user of that phrase
            best = 0
        if mode:
            payload = _mode_count(s, mode)
            # the payload is a pattern by its share of the member's own traffic; but where
            # the cluster's suspects are its young accounts (a hydra's replacements), its
            # established members are the population the campaign hides in (a reseller's
            # long-standing customers, who ask for steps too, a few requests at a time): an
            # established member matches only when that many of its requests would be far
            # out of reach of an ordinary user who asks for the payload now and then. In a
            # cluster of established accounts only (aged accounts working low and slow)
            # every member is a suspect and its share counts as it is; so it does for a
            # young member signed up in a burst (its sign-up ties it). A young member who
            # signed up alone is held to the established members' bar: a new customer who
            # asked for steps in three of its first five requests is an ordinary user.
            if payload > best and (
                not hold
                or (self._is_young(acct) and acct.burst >= self._cl["burst_neighbours"])
                or self._beyond_chance_in(payload, s)
            ):
                best = payload
        return best

    def _beyond_chance_in(self, k: int, s: Stats) -> bool:
        """:meth:`_beyond_chance` of ``k`` of an account's exchanges, counted in
        conversations.

        A conversation is one observation of an account's habits: it re-sends its first
        request with every turn, and an agent loop's steps repeat one task's wording. Every
        conversation starts with a single-turn exchange, so ``k`` of ``n`` exchanges weigh
        as that share of the account's single-turn exchanges (of its sessions, for a log
        that shows none).
        """
        units = s.n_single or sum(s.starts)
        if not s.n or not units:
            return False
        return self._beyond_chance(round(k / s.n * units), units)

    def _beyond_chance(self, k: int, n: int) -> bool:
        """``k`` of ``n`` requests carrying a pattern is out of an ordinary user's reach: a
        user who shows it at rate ``mode_background`` would, with chance below
        exp(-``mode_evidence``) (Chernoff bound)."""
        p0 = self._cl["mode_background"]
        return k > p0 * n and n * _kl(k / n, p0) >= self._cl["mode_evidence"]

    def _shared_pattern(self, cluster: _Cluster) -> tuple:  # type: ignore[type-arg]
        """Keep only the pattern keys that at least two members use heavily.

        A template one big account sends on its own is that account's habit, not a
        coordinated pattern; coordination is the same fixed wording across accounts.
        """
        pre, suf = self._heavy_keys(cluster)
        users: dict[tuple[int, int], int] = {}
        for m in cluster.members:
            s = self.accounts[m].stats
            if s.n == 0:
                continue
            need = max(2.0, 0.1 * s.n)
            for i, (summary, keys) in enumerate(((s.prefix, pre), (s.suffix, suf))):
                for k in keys:
                    if summary.low(k) >= need:
                        users[(i, k)] = users.get((i, k), 0) + 1
        keep = [{k for k in keys if users.get((i, k), 0) >= 2} for i, keys in enumerate((pre, suf))]
        own = self._own_share
        if own > 0:
            # a phrase mostly sent from outside the cluster ("Can you explain step by
            # step?") is the population's habit, not this cluster's script
            cs = cluster.stats
            keep = [
                {k for k in keys if summary.low(k) >= own * phrases.get(k)}
                for keys, summary, phrases in zip(
                    keep, (cs.prefix, cs.suffix), self._phrases, strict=True
                )
            ]
        mode, young = self._content_mode(cluster), self._young(cluster)
        pattern = (keep, mode, self._shared_cards(cluster), young, False)
        return (*pattern[:4], self._homogeneous(cluster, pattern))

    def _homogeneous(self, cluster: _Cluster, pattern: tuple) -> bool:  # type: ignore[type-arg]
        """Whether a cluster's established members are themselves the campaign.

        Beside a campaign of young accounts, the established members of a cluster are
        normally the population it hides in (a reseller's long-standing customers), and
        each is held to the beyond-chance bar. Where all of them (and at least
        ``min_accounts``) follow the pattern by their own traffic, there is no such
        population: they are aged accounts of the same campaign (bought, or grown for it),
        and their share counts as it is. One established member that does not follow is
        enough to keep the bar (a customer who asks for steps can share the egress of a
        campaign's aged accounts; the ones beside it who do not are what shows it).
        """
        if not pattern[3]:
            return False
        established = followers = 0
        for m in cluster.members:
            acct = self.accounts[m]
            if acct.stats.n == 0 or m in pattern[3] or self._is_young(acct):
                continue
            established += 1
            if self._match_count(acct, pattern, bar=False) >= self._need(acct.stats.n):
                followers += 1
        return followers >= self._cl["min_accounts"] and followers == established

    def _capped(
        self, matched: list[str], core: Stats, whole: Stats
    ) -> tuple[Stats | _Rates, Stats | _Rates]:
        """The core's counters for the member test, each account's capped at
        ``contrast_cap`` times the median core account's exchanges; and the cluster's with
        the core's replaced by them (so the other members' stay as they are).

        Two campaigns can share one core (at the disclosed scale a hydra of light accounts
        and a few thousand agent loops sending 8M exchanges): pooled by exchange, the heavy
        few set every rate a light member is compared with, and the hydra's own accounts
        score far below zero. Capped, each account counts up to a few typical accounts'
        worth; where the core is one campaign of alike accounts nothing changes.
        """
        cap = self._contrast_cap(matched)
        if all(self.accounts[m].stats.n <= cap for m in matched):
            return core, whole
        capped = _Rates()
        for m in matched:
            st = self.accounts[m].stats
            capped.add(st, min(1.0, cap / st.n))
        adjusted = _Rates()
        adjusted.add(whole, 1.0)
        adjusted.add(core, -1.0)
        adjusted.add(capped, 1.0)
        return capped, adjusted

    def _contrast_cap(self, matched: list[str]) -> float:
        """Exchanges up to which a core account counts in the member test:
        ``contrast_cap`` times the median core account's (infinite when 0)."""
        cap_x = self._cl["contrast_cap"]
        sizes = sorted(self.accounts[m].stats.n for m in matched)
        if not cap_x or not sizes:
            return math.inf
        return float(cap_x * sizes[len(sizes) // 2])

    def _background_contrast(
        self, cluster: _Cluster, matched: list[str], core: Stats | _Rates
    ) -> list[tuple[float, ...]] | None:
        """The member test's weights with the platform's accounts outside the cluster as the
        other side: a sample of ``background_accounts`` accounts (refreshed every
        ``rebuild_seconds`` of log time), each counted up to ``contrast_cap`` times the
        median sampled account's exchanges, against ``core`` (already capped). Inside a
        cluster whose members outside the core are the campaign's own (aged accounts that
        missed the core), the in-cluster contrast compares the campaign with itself; this
        one compares it with ordinary traffic.
        Only for clusters whose core holds ``background_core_share`` of the active
        members: where more of them are outside it, they are the ordinary population
        (a reseller's customers, who may well differ from the platform's average user)."""
        if not self._cl["background_accounts"]:
            return None
        active = sum(1 for m in cluster.members if self.accounts[m].stats.n)
        if len(matched) < self._cl["background_core_share"] * active:
            # enough of the linked accounts are outside the core to stand for the ordinary
            # traffic around it (a reseller's customers): they are the other side
            return None
        total, parts = self._background()
        members = set(cluster.members)
        inside = [m for m in parts if m in members]
        if len(parts) - len(inside) < 20:
            return None
        both = _Rates()
        both.add(total, 1.0)
        for m in inside:  # the cluster's own accounts are not its background
            both.add(parts[m], -1.0)
        both.add(core, 1.0)
        return _contrast(core, both)

    def _background(self) -> tuple[_Rates, dict[str, _Rates]]:
        """The sampled platform accounts' counters, summed, and each one's share of the sum;
        recomputed at most every ``rebuild_seconds`` of log time (a slowly moving reference,
        so a cluster re-score costs a subtraction per sampled member, not a walk)."""
        if self.now < self._bg_at + self._rebuild_s:
            return self._bg
        self._bg_at = self.now
        k = int(self._cl["background_accounts"])
        ids = list(self.accounts)
        sample = [m for m in ids[:: max(1, len(ids) // k)][:k] if self.accounts[m].stats.n]
        total, parts = _Rates(), {}
        if sample:
            sizes = sorted(self.accounts[m].stats.n for m in sample)
            cap = (self._cl["contrast_cap"] or math.inf) * sizes[len(sizes) // 2]
            for m in sample:
                st = self.accounts[m].stats
                part = parts[m] = _Rates()
                part.add(st, min(1.0, cap / st.n))
                total.add(part, 1.0)
        self._bg = (total, parts)
        return self._bg

    def _young_prior(self, cluster: _Cluster, matched: list[str]) -> float:
        """Log odds that a young member of this cluster belongs to its core (base rate)."""
        core = set(matched)
        inside = outside = 0
        for m in cluster.members:
            if self._is_young(self.accounts[m]):
                if m in core:
                    inside += 1
                else:
                    outside += 1
        return math.log((inside + 1) / (outside + 1))

    def _others(self, cluster: _Cluster, matched: list[str], others: list[str] | None) -> list[str]:
        """The accounts a young member's sign-up and tier are weighed against: ``others``
        when given (the platform's sampled accounts), else the cluster's active members
        outside its core."""
        if others is not None:
            return others
        core = set(matched)
        return [m for m in cluster.members if m not in core and self.accounts[m].stats.n]

    def _burst_weights(
        self, cluster: _Cluster, matched: list[str], others: list[str] | None = None
    ) -> tuple[float, float]:
        """How much likelier a sign-up burst is among the core than among the other members.

        Rates are estimated inside the cluster (smoothed): behind a reseller's egress the
        campaign's replacement accounts arrive in batches while its customers sign up one
        at a time; where customers also arrive in batches, the weight falls to nothing.
        """
        need = self._cl["burst_evidence_neighbours"]
        core_hit = sum(self.accounts[m].burst >= need for m in matched)
        rest_hit = rest_n = 0
        for m in self._others(cluster, matched, others):
            rest_n += 1
            rest_hit += self.accounts[m].burst >= need
        pc = (core_hit + 1) / (len(matched) + 2)
        pr = (rest_hit + 1) / (rest_n + 2)
        return math.log(pc / pr), math.log((1 - pc) / (1 - pr))

    def _tier_weights(
        self, cluster: _Cluster, matched: list[str], others: list[str] | None = None
    ) -> dict[str | None, float]:
        """How much likelier each account tier is among the core than among the other members.

        Estimated inside the cluster like the sign-up burst (add-one-half smoothing, clipped):
        a campaign's replacement accounts come on whatever plan is cheapest to open in
        numbers, while the customers sharing its egress are on whatever plans they bought;
        where the tiers are mixed alike on both sides the weights fall to nothing, and a
        tier nobody in the cluster has carries no weight at all.
        """
        inside: dict[str | None, int] = {}
        outside: dict[str | None, int] = {}
        for m in matched:
            tier = self.accounts[m].info.tier
            inside[tier] = inside.get(tier, 0) + 1
        for m in self._others(cluster, matched, others):
            tier = self.accounts[m].info.tier
            outside[tier] = outside.get(tier, 0) + 1
        values = inside.keys() | outside.keys()
        if len(values) < 2:
            return {}
        k = 0.5 * len(values)
        n_in, n_out = sum(inside.values()) + k, sum(outside.values()) + k
        cap = self._cl["tier_weight_cap"]
        return {
            v: _clip(
                math.log((inside.get(v, 0) + 0.5) / n_in)
                - math.log((outside.get(v, 0) + 0.5) / n_out),
                cap,
            )
            for v in values
        }

    def _wording(self, cluster: _Cluster, matched: list[str]) -> _Wording | None:
        """The core's own wording and how much a member's use of it weighs.

        First and last sentences of user turns that are common in the core's requests
        (``wording_share`` of them) and ``wording_ratio`` times rarer in the other members':
        one operator's script repeats its phrasing across all its accounts, while the
        customers beside it on the same egress phrase things their own way. Unlike the
        cluster's pattern (:meth:`_shared_pattern`), a phrase the whole population also
        uses may qualify: what counts is that THIS cluster's core uses it and its other
        members do not. Returns the prefix and suffix keys, the core's mixture (log share of
        its accounts, log rate of use, log rate of non-use per group) and the other
        members' (log rate of use, log rate of non-use), or None when no phrase qualifies.
        """
        core = set(matched)
        pre: dict[int, float] = {}
        suf: dict[int, float] = {}
        core_n = 0.0
        # each core account counts up to the member test's cap (see _capped): a few heavy
        # accounts of another campaign in the core do not make their wording the core's, so
        # the hydra's light accounts beside them are not weighed as missing it
        cap = self._contrast_cap(matched)
        weight: dict[str, float] = {}
        for m in matched:
            st = self.accounts[m].stats
            w = weight[m] = 1.0 if st.n <= cap else cap / st.n
            core_n += w * st.n
            for counts, summary in ((pre, st.prefix), (suf, st.suffix)):
                for k, c in summary.counts.items():
                    counts[k] = counts.get(k, 0) + w * c
        need = max(3.0, self._cl["wording_share"] * core_n)
        cand = [{k for k, c in counts.items() if k and c >= need} for counts in (pre, suf)]
        if not (cand[0] or cand[1]):
            return None
        rest = [dict.fromkeys(keys, 0) for keys in cand]
        rest_n = 0
        others = [m for m in cluster.members if m not in core and self.accounts[m].stats.n]
        for m in others:
            st = self.accounts[m].stats
            rest_n += st.n
            for counts, summary in ((rest[0], st.prefix), (rest[1], st.suffix)):
                for k in counts:
                    counts[k] += summary.low(k)
        if core_n < 20 or rest_n < 20:
            return None
        ratio = self._cl["wording_ratio"]
        keys = [
            frozenset(
                k
                for k in cand[i]
                if (counts[k] + 0.5) / (core_n + 1) >= ratio * (rest[i][k] + 0.5) / (rest_n + 1)
            )
            for i, counts in enumerate((pre, suf))
        ]
        if not (keys[0] or keys[1]):
            return None
        # the core as a mixture of its accounts' habits: one campaign's script uses the
        # wording in nearly every request, another campaign in the same core (or its light
        # accounts) hardly ever; pooled, every member that is all of one kind would be
        # weighed as half missing it. Accounts are grouped by their own share of requests
        # using it; each group weighs by its accounts, with its own pooled rate
        groups = [[0, 0.0, 0.0] for _ in _WORDING_BINS]  # accounts, uses, exchanges
        for m in matched:
            st = self.accounts[m].stats
            k = _uses(st, keys[0], keys[1])
            g = groups[bisect_right(_WORDING_BINS, k / st.n) - 1]
            g[0] += 1
            g[1] += weight[m] * k
            g[2] += weight[m] * st.n
        parts = tuple(
            (math.log(a / len(matched)), math.log(pc), math.log(1.0 - pc))
            for a, used, n in groups
            if a and n
            for pc in (min(max(used / n, 0.02), 0.98),)
        )
        hits_rest = sum(_uses(self.accounts[m].stats, keys[0], keys[1]) for m in others)
        pr = min(max(hits_rest / rest_n, 0.02), 0.98)
        return keys[0], keys[1], parts, (math.log(pr), math.log(1.0 - pr))

    def _pace(self, cluster: _Cluster, matched: list[str]) -> tuple[float, float] | None:
        """How fast the core's accounts start sessions in their first day, against the rest.

        A campaign works each account hard from its first request (it will be banned and
        replaced); the customers beside it come back now and then, and a customer's first
        day is its busiest. So like is compared with like: each side's rate is its sessions
        after the first over the time it was active within its first day (a Poisson
        process), and a member's evidence is ``(k - 1) log(rc / rr) - (rc - rr) T`` for its
        ``k`` first-day sessions over the ``T`` seconds between its first request and the
        last one within that day. Returns (log ratio, difference), or None with too little
        exposure on either side.
        """
        core = set(matched)
        kc = kr = 0
        tc = tr = 0.0
        for m in cluster.members:
            st = self.accounts[m].stats
            if not st.n:
                continue
            k, t = _early(st)
            if m in core:
                kc += k
                tc += t
            else:
                kr += k
                tr += t
        if kc < 20 or kr < 20 or tc <= 0 or tr <= 0:
            return None
        rc, rr = kc / tc, kr / tr
        return _clip(math.log(rc / rr), _KIND_CLIP), rc - rr

    def _structure(self, matched: list[str]) -> float:
        """Share of the core's accounts bound to another of them by shared infrastructure.

        An egress address (with its client), a card, a sign-up burst, synchronized session
        starts, or a client build few of the platform's accounts use (at most
        ``client_fingerprint_share`` of them, or mostly the core's: an operator's own
        tooling, not a browser or a popular SDK). Accounts joined only by what they send
        (a course's or an app's system prompt, used by learners on their own machines in
        many countries) are users of one product, not one operator's accounts. Where most
        of the core's exchanges carry their payload in the system prompt, the egress does
        not count either: a platform's tenants share its prompt and its address.
        """
        if not matched:
            return 0.0
        kinds = _STRUCTURE_KINDS
        total = sum(self.accounts[m].stats.n for m in matched)
        standing = sum(self.accounts[m].stats.n_standing for m in matched)
        if total and 2 * standing >= total:
            # the payload is a system prompt's standing order: a platform's tenants share
            # its prompt AND its egress, both the platform's; their shared address is no
            # tie between them (cards, bursts, synchronized starts and own builds still are)
            kinds = _NON_EGRESS_KINDS
        # rare among the accounts that exist, and not the client of a large share of those
        # that have been active so far (early in a log few accounts have been seen, and the
        # most popular SDK build still looks rare beside the registered population)
        rare = min(self._fp_share * self.linker.population, self._fp_popular * self._active)
        inside: dict[str, int] = {}  # client fingerprint -> core accounts that used it
        for m in matched:
            for fp in self.accounts[m].fps:
                inside[fp] = inside.get(fp, 0) + 1
        # a build is the core's own when few of the platform's accounts use it, or when
        # most of those that do are in the core (one operator's tooling on a small platform)
        own = {
            fp
            for fp, k in inside.items()
            if k >= 2 and (self._fp_accounts[fp] <= rare or 2 * k >= self._fp_accounts[fp])
        }
        keys_of: dict[str, list[tuple[str, object]]] = {}
        counts: dict[tuple[str, object], int] = {}
        for m in matched:
            keys = list(self.linker.linking(m, kinds))
            keys.extend(("fp", fp) for fp in self.accounts[m].fps if fp in own)
            keys_of[m] = keys
            for k in keys:
                counts[k] = counts.get(k, 0) + 1
        tied = sum(1 for m in matched if any(counts[k] >= 2 for k in keys_of[m]))
        return tied / len(matched)

    def _setup_share(self, matched: list[str]) -> float:
        """Share of the core's accounts that run its most common setup: the same system
        prompt (SimHash within ``_SETUP_BITS`` bits: one operator's prompt with a name
        changed is one setup), or none."""
        reps: list[list[int]] = []  # [SimHash, accounts]
        for m in matched:
            setup = max(self.accounts[m].setup, 0)
            for rep in reps:
                if (rep[0] ^ setup).bit_count() <= _SETUP_BITS:
                    rep[1] += 1
                    break
            else:
                reps.append([setup, 1])
        return max(r[1] for r in reps) / len(matched) if reps else 0.0

    def _ties(self, cluster: _Cluster, matched: list[str]) -> float:
        """Share of the core's accounts bound by a hard tie: shared card or burst sign-up."""
        cards = cluster.pattern[2] if cluster.pattern else ()
        need = self._cl["burst_neighbours"]
        tied = 0
        for m in matched:
            acct = self.accounts[m]
            if acct.info.payment_fingerprint in cards or (
                acct.burst >= need and self._is_young(acct)
            ):
                tied += 1
        return tied / len(matched) if matched else 0.0

    def _card_ties(self, cluster: _Cluster, matched: list[str]) -> float:
        """Share of the core's accounts paid by a card that pays for several organisations'
        accounts in the cluster (the hard tie that is not a sign-up burst)."""
        cards = cluster.pattern[2] if cluster.pattern else ()
        if not matched or not cards:
            return 0.0
        paid = sum(1 for m in matched if self.accounts[m].info.payment_fingerprint in cards)
        return paid / len(matched)

    def _is_young(self, acct: _Acct) -> bool:
        """First used within ``young_days`` of sign-up (checked live: newcomers count at once)."""
        created = acct.info.created_ts
        return (
            created is not None
            and acct.stats.n > 0
            and acct.stats.first_ts - created <= self._cl["young_days"] * 86400.0
        )

    def _org(self, account_id: str) -> str:
        """:func:`organisation`, with a domain-only account resolved to its domain's org.

        A student who signed up with the university's e-mail domain but no ``org_id`` is
        one of the accounts of the organisation known for that domain (if any, so far).
        """
        org = organisation(account_id, self.accounts[account_id].info)
        if org.startswith("domain:"):
            return self._domain_org.get(org[7:], org)
        return org

    def _party(self, account_id: str) -> str:
        """The customer an account answers to: :meth:`_org`, except that a verified account
        with a company e-mail domain answers to that domain.

        A support platform that runs one account (and one ``org_id``) per tenant, all
        opened by its own staff and paid with its card, is one customer: its accounts are
        vetted, and an e-mail domain of its own is not something unrelated parties share.
        Where no organisation is known for the domain, a verified account without an
        ``org_id`` answers to its card: accounts vetted one by one and paying apart are
        individuals who registered one domain, those on one card one payer.
        """
        info = self.accounts[account_id].info
        if info.verified:
            domain = (info.email_domain or "").strip().lower()
            if domain and domain not in WEBMAIL:
                org = self._domain_org.get(domain)
                if org is None and not info.org_id and info.payment_fingerprint:
                    # no organisation is known for the domain, and this account was vetted
                    # on its own and pays by card: it answers to its payer (anyone can
                    # register a domain for forty accounts)
                    return f"card:{info.payment_fingerprint}"
                # the organisation first seen with that domain, as for a domain-only account
                return org or f"domain:{domain}"
        return self._org(account_id)

    def _parties(self, matched: list[str] | set[str]) -> int:
        """How many independent organisations the accounts stand for.

        Their distinct organisations, except when one organisation holds at least
        ``dominant_org_share`` of them and some of its accounts are verified: that is one
        vetted customer's own accounts (a university cohort, a company's teams) with a few
        strays beside it, so it counts as one party.
        """
        orgs: dict[str, int] = {}
        verified: set[str] = set()
        for m in matched:
            org = self._party(m)
            orgs[org] = orgs.get(org, 0) + 1
            if self.accounts[m].info.verified:
                verified.add(org)
        if not orgs:
            return 0
        top = max(orgs, key=orgs.__getitem__)
        share = self._cl["dominant_org_share"]
        if share and top in verified and orgs[top] >= share * len(matched):
            return 1
        return len(orgs)

    def _young(self, cluster: _Cluster) -> set[str]:
        """Members put to work soon after sign-up, when there are enough of them.

        Linked accounts created and used within days (churned and replaced) shape the
        cluster's core; long-standing customers who share the same egress do not. Being
        young is not enough to be convicted with the core, though: a reseller's new
        customers are young too. Only members signed up in a burst (several sign-ups from
        one subnet within minutes: a batch of replacements) are convicted for it; other
        young members must match the pattern by their own traffic (:meth:`_match_count`).
        """
        young = set()
        orgs = set()
        for m in cluster.members:
            acct = self.accounts[m]
            if self._is_young(acct):
                young.add(m)
                orgs.add(self._org(m))
        return young if len(orgs) >= self._cl["min_accounts"] else set()

    def _shared_cards(self, cluster: _Cluster) -> set[str]:
        """Payment instruments shared across organisations inside the cluster.

        One card paying for accounts of several unrelated organisations is coordination in
        itself (an enterprise's accounts share a card but also an ``org_id``).
        """
        orgs: dict[str, set[str]] = {}
        for m in cluster.members:
            info = self.accounts[m].info
            card = info.payment_fingerprint
            if card:
                orgs.setdefault(card, set()).add(self._party(m))
        need = self._cl["shared_card_orgs"]
        return {card for card, o in orgs.items() if len(o) >= need}

    def _content_mode(self, cluster: _Cluster) -> str | None:
        """The payload that dominates the WHOLE cluster's traffic, if one does.

        Measured over every member (no selection), so a big group of ordinary users that
        happens to contain a few step-by-step askers never qualifies.
        """
        cs = cluster.stats
        if cs.n < self._cl["content_min_exchanges"]:
            return None
        for name in _MODES:
            if _mode_count(cs, name) >= 0.5 * cs.n:
                return name
        return None

    def _consistent(self, s: Stats, core: dict[str, Any] | None) -> bool:
        """A member's content resembles the core's (not just its wording)."""
        if core is None:
            return True
        for key, value in (
            ("cot", s.n_cot),
            ("grading", s.n_grade),
            ("probe", s.n_probe),
            ("rewrite_probe", s.n_rewrite),
            ("sys_extract", s.n_sysx),
            ("datagen", s.n_tag[_DATAGEN]),
        ):
            if core[key] >= 0.3 and value < self._cl["member_payload"] * core[key] * s.n:
                return False
        for i, share in enumerate(core.get("tags", ())):
            # the same capabilities, too: a chat user who asks for steps is not an agent loop
            if share >= 0.5 and s.n_tag[i] < 0.4 * share * s.n:
                return False
        return True

    def _matches(self, acct: _Acct, cluster: _Cluster) -> str | None:
        """How a member is convicted with its convicted cluster, or None.

        ``"card"`` (paid with a card shared across the cluster's organisations),
        ``"pattern"`` (its own requests follow the cluster's pattern and content),
        ``"burst"`` (a burst sign-up too new to judge; provisional), or ``"odds"`` (a young
        member whose posterior odds of belonging to the core reach ``member_evidence`` while
        its own requests do not point away from it; provisional, see :meth:`_released`).
        """
        s = acct.stats
        if cluster.pattern is None:
            cluster.pattern = self._shared_pattern(cluster)
        core = cluster.assessment.profile if cluster.assessment is not None else None
        if s.n == 0:
            return None
        if acct.info.payment_fingerprint in cluster.pattern[2]:
            # paid with a card that pays for several organisations' accounts in this
            # cluster: the card is the tie, whatever the member's own mix of requests
            return "card"
        count = self._match_count(acct, cluster.pattern)
        if acct.info.verified is True and not self._is_young(acct):
            # a long-standing verified customer is not convicted for resembling a cluster it
            # is linked to (a popular agent prompt, the same reasoning settings): only a hard
            # tie, or its own requests following the cluster's pattern far beyond what an
            # ordinary user of that pattern would send (an aged, verified account bought or
            # grown for a campaign), convicts it, and only beside a campaign's structure
            # (young accounts put to work within days, or cards paying for several
            # organisations): several companies' batch jobs behind one NAT are alike
            # beyond chance and are no campaign
            if (
                (cluster.pattern[3] or cluster.pattern[2])
                and count >= self._need(s.n)
                and self._beyond_chance_in(count, s)
                and self._consistent_member(acct, cluster.pattern, core)
            ):
                return "pattern"
            return None
        if count >= self._need(s.n):
            if (
                s.n < self._cl["burst_tie_exchanges"]
                and cluster.pattern[3]
                and acct.burst >= self._cl["burst_neighbours"]
            ):
                # a burst sign-up's first exchanges are too few to judge it by: convicted
                # for its sign-up, provisionally (re-decided on its own requests)
                return "burst"
            if self._consistent_member(acct, cluster.pattern, core):
                return "pattern"
        parts = self.member_odds_parts(acct, cluster)
        if (
            parts is not None
            and sum(parts.values()) >= self._cl["member_evidence"]
            # its own requests must not point away from the core: the base rate and the
            # sign-up say where it came from, not what it does
            and parts["own requests"] >= self._cl["member_own_min"]
        ):
            return "odds"
        return None

    def _member_llr(self, acct: _Acct, cluster: _Cluster) -> float | None:
        """A young member whose own traffic is far likelier under the core's behaviour.

        The likelihood ratio of the member's exchanges (their kinds -- capability tags and
        single turn jointly --, payload tags, saturated outputs, going to a new model) under
        the core's rates against the rates of the cluster's other members -- for a hydra,
        the reseller's ordinary customers on the same egress -- scaled to one observation
        per session, plus the hours its sessions start in. It grows with evidence, and an
        account that chats like the customers around it scores below zero. One session can
        carry a young member over the line where the cluster's base rate and its sign-up
        already make it likely (see docs/detection.md, "What may not generalise").
        """
        contrast = cluster.contrast
        created = acct.info.created_ts
        s = acct.stats
        if (
            contrast is None
            or created is None
            or s.n == 0
            or s.first_ts - created > self._cl["young_days"] * 86400.0
        ):
            return None
        # exchanges of one session are not independent observations (a customer's homework
        # session asks for steps five times running): count the evidence per session
        per_session = min(1.0, sum(s.starts) / s.n)
        llr = _traffic_llr(contrast, s, per_session)
        if cluster.contrast_bg is not None:
            # against the platform's ordinary accounts instead: the better of two tests,
            # so it pays for the choice (log 2)
            bg = _traffic_llr(cluster.contrast_bg, s, per_session) - _LN2
            llr = max(llr, bg)
        wording = cluster.wording
        if wording is not None:
            llr += _worded(
                wording, _uses(s, wording[0], wording[1]) * per_session, s.n * per_session
            )
        pace = cluster.pace
        if pace is not None:
            k, t = _early(s)
            llr += k * pace[0] - pace[1] * t
        return llr

    def _member_odds(self, acct: _Acct, cluster: _Cluster) -> float | None:
        """Posterior log odds that a young member is one of the cluster's core.

        The base rate among the cluster's young members, times the likelihood ratios of how
        it signed up (alone, or with other sign-ups from its subnet within minutes), of its
        account tier, and of its own traffic (:meth:`_member_llr`).
        """
        parts = self.member_odds_parts(acct, cluster)
        return None if parts is None else sum(parts.values())

    def member_odds_parts(self, acct: _Acct, cluster: _Cluster) -> dict[str, float] | None:
        """The terms of :meth:`_member_odds` by name (for evidence), or None when untested."""
        llr = self._member_llr(acct, cluster)
        if llr is None:
            return None
        hit, miss = cluster.burst_w
        return {
            "base rate": cluster.prior,
            "sign-up": hit if acct.burst >= self._cl["burst_evidence_neighbours"] else miss,
            "tier": cluster.tier_w.get(acct.info.tier, 0.0),
            "own requests": llr,
        }

    def _need(self, n: int) -> float:
        """Exchanges of a member that must follow the pattern: a share, and at least 3."""
        return max(self._cl["member_match"] * n, self._cl["member_min"])

    def _consistent_member(self, acct: _Acct, pattern: tuple, core: dict | None) -> bool:  # type: ignore[type-arg]
        """A member's content must resemble the core's, however it matched the pattern."""
        return self._consistent(acct.stats, core)

    def _core(
        self, cluster: _Cluster, profile: dict[str, float] | None, *, merge: bool = True
    ) -> tuple[Stats, list[str]]:
        """The core's counters (summed only with ``merge``) and its members."""
        core = Stats()
        matched_n = 0
        matched: list[str] = []
        for m in cluster.members:
            acct = self.accounts[m]
            s = acct.stats
            if s.n == 0:
                continue
            count = self._match_count(acct, cluster.pattern, core=True)
            if count >= self._need(s.n) and self._consistent_member(acct, cluster.pattern, profile):
                matched.append(m)
                if merge:
                    core.merge_scalars(s)
                matched_n += count
        if matched:
            core.prefix.counts = {1: min(matched_n, core.n)}
        return core, matched

    def _typical(self, matched: list[str]) -> dict[str, Any]:
        """The content shares of the typical candidate, each account weighing the same.

        A cluster can hold two campaigns joined by a chain of links (at the disclosed scale
        a hydra of 20,000 light accounts and 3,000 heavy agent loops). Weighed by exchanges,
        the heavy few set the profile every candidate must resemble and the many light
        accounts all fail it; weighed by accounts, the many set it, so the core is the
        campaign most of the linked accounts belong to (the heavy few are judged on their
        own traffic, which convicts them).
        """
        keys = ("cot", "grading", "probe", "rewrite_probe", "sys_extract", "datagen")
        total = dict.fromkeys(keys, 0.0)
        tags: list[float] = []
        for m in matched:
            st = self.accounts[m].stats
            n = st.n
            for key, value in zip(
                keys,
                (st.n_cot, st.n_grade, st.n_probe, st.n_rewrite, st.n_sysx, st.n_tag[_DATAGEN]),
                strict=True,
            ):
                total[key] += value / n
            if not tags:
                tags = [0.0] * len(st.n_tag)
            for i, c in enumerate(st.n_tag):
                tags[i] += c / n
        k = max(len(matched), 1)
        out: dict[str, Any] = {key: v / k for key, v in total.items()}
        out["tags"] = [t / k for t in tags]
        return out

    def _rescore_cluster(self, cluster: _Cluster, changes: list[VerdictChange]) -> None:
        """Score the cluster's CORE: members that share its pattern and its content.

        Linked accounts that do not follow the pattern (a reseller's ordinary customers on
        the same egress) neither dilute nor share the core's score; members that share the
        wording but not the payload (a legitimate coding agent using the same task phrasing
        as an agentic harvester) are dropped in a second pass.
        """
        cluster.pattern = self._shared_pattern(cluster)
        prior = self._ev["cluster_prior"]
        by_accounts = bool(self._cl["core_by_accounts"])
        # a first pass without the content test; summed only where its profile is used
        core, matched = self._core(cluster, None, merge=not by_accounts)
        if matched:
            typical = (
                self._typical(matched)
                if by_accounts
                else assess(core, self.policy, prior, len(matched)).profile
            )
            core, matched = self._core(cluster, typical)
            ties = self._ties(cluster, matched)
            # a harvest without a trace is one operator's where its accounts run one setup,
            # or are paid by cards that pay for several organisations' accounts: builders
            # at a hackathon, tied only by signing up together, each bring their own app
            # and system prompt; a card pool is one payer whatever prompts it varies
            one_setup = self._setup_share(matched) >= self._cl["harvest_setup_share"]
            harvest_ties = ties if one_setup else self._card_ties(cluster, matched)
            a = assess(core, self.policy, prior, len(matched), ties, harvest_ties=harvest_ties)
        else:
            a = assess(core, self.policy, prior, 0)
        cluster.assessment = a
        # coordination means several organisations: one org's own accounts (a university
        # cohort, an enterprise's teams) are judged one by one, never as a cluster
        cluster.convicted = (
            a.score >= self._thr["throttle"]
            and len(matched) >= self._cl["min_accounts"]
            and self._parties(matched) >= self._cl["min_accounts"]
            # a core that is a small minority of the linked accounts is more likely a
            # selection (the CoT askers among a popular client's users) than a campaign
            and (
                # ... unless its suspects are its young accounts (sign-ups put to work within
                # days), beside whom an established member matches only far beyond chance
                bool(cluster.pattern[3])
                or len(matched)
                >= self._cl["core_share"]
                * sum(1 for m in cluster.members if self.accounts[m].stats.n)
            )
            # one operator's accounts share infrastructure; one product's users need not
            and self._structure(matched) >= self._cl["structure_share"]
        )
        if not cluster.convicted:
            # the member test below is read only beside a convicted cluster; until then it
            # keeps what it was at the last conviction (what the evidence of a member
            # convicted on its odds then quotes)
            return
        capped, adjusted = self._capped(matched, core, cluster.stats)
        cluster.contrast = _contrast(capped, adjusted)
        cluster.contrast_bg = self._background_contrast(cluster, matched, capped)
        cluster.prior = self._young_prior(cluster, matched)
        # where the cluster is nearly all core, the few others are the campaign's own
        # stragglers: sign-up and tier are weighed against the platform's sampled accounts
        others = None
        if cluster.contrast_bg is not None:
            members = set(cluster.members)
            others = [m for m in self._background()[1] if m not in members]
        cluster.burst_w = self._burst_weights(cluster, matched, others)
        cluster.tier_w = (
            self._tier_weights(cluster, matched, others) if self._cl["tier_weight_cap"] else {}
        )
        cluster.pace = self._pace(cluster, matched) if self._cl["pace"] else None
        cluster.wording = self._wording(cluster, matched) if self._cl["wording_ratio"] else None
        # every member is re-decided now, not only at its own next exchange: an account that
        # went quiet is still matched (or ranked) against the cluster as it stands
        for m in cluster.members:
            acct = self.accounts[m]
            if acct.stats.n:
                self._apply(m, acct, cluster, changes)

    def _rescore_account(
        self, account_id: str, acct: _Acct, cluster: _Cluster | None, changes: list[VerdictChange]
    ) -> None:
        if acct.stats.n >= _WARM:
            own = assess(acct.stats, self.policy, self._ev["account_prior"])
            acct.own = own
        self._apply(account_id, acct, cluster, changes)

    def _solo_gate(self, prof: dict[str, float], score: float, info: AccountInfo) -> str | None:
        """A signature no look-alike legitimate workload shows, or None."""
        so = self._solo
        if (
            prof["probe"] >= so["probe_share"]
            and prof["n"] >= so["probe_min"]
            # recovering the output layer needs many different token biases; a classifier
            # constraining its labels repeats one logit_bias set
            and prof["bias_repeat"] <= so["probe_bias_repeat"]
        ):
            return "output_layer_probe"
        if (
            prof["active_hours"] >= so["sustained_hours"]
            and prof["span_days"] >= so["sustained_days"]
            and prof["n"] >= so["sustained_min"]
            and prof["gap_cv"] <= so["scripted_cv"]
            and prof["harvest"] >= so["scripted_harvest"]
        ):
            return "scripted_harvest"
        if (
            info.verified is False
            and self._org(info.account_id) not in self._verified_orgs
            and prof["n"] >= so["unverified_paced_min"]
            and prof["span_days"] * 24.0 >= so["unverified_paced_hours"]
            and prof["gap_cv"] <= so["scripted_cv"]
            and (
                score >= self._thr["watch"]
                # or a script walking a data set: one prompt after another, all different
                or (
                    prof["single_turn"] >= 0.9
                    and prof["template"] <= 0.3
                    and prof["harvest"] >= so["scripted_harvest"]
                )
            )
        ):
            # harvest-grade traffic at a machine's pace for an hour or more from an account
            # nobody has verified, of an organisation nobody has verified (one verified
            # account verifies its organisation); benchmark runs and batch jobs come from
            # verified organisations
            return "unverified_paced_harvest"
        return None

    def _apply(
        self, account_id: str, acct: _Acct, cluster: _Cluster | None, changes: list[VerdictChange]
    ) -> None:
        score, reasons, prof = 0.0, [], None
        if acct.own is not None:
            score, reasons, prof = acct.own
            signature = self._solo_gate(prof, score, acct.info)
            if signature is None:
                score = min(score, self._solo["cap"])
            else:
                score = max(score, self._solo["signature_score"])
                reasons = [signature, *reasons]
        in_cluster = False
        if (
            cluster is not None
            and cluster.convicted
            and cluster.assessment is not None
            and cluster.assessment.score > score
            and (route := self._matches(acct, cluster)) is not None
        ):
            score = cluster.assessment.score
            reasons = ["cluster", *cluster.assessment.reasons]
            if route == "odds" and self._cl["odds_provisional"]:
                # convicted on its posterior odds: lifted if later requests lower them
                reasons.append("member_odds")
            prof = cluster.assessment.profile
            in_cluster = True
            if route == "burst" or (
                acct.stats.n < 3 and not self._consistent_member(acct, cluster.pattern, prof)
            ):
                # convicted on its sign-up burst alone, before its own requests could be
                # judged: throttled, not blocked, and provisionally (:meth:`_released`)
                score = min(score, (self._thr["throttle"] + self._thr["block"]) / 2)
                reasons = [*reasons, "burst_signup"]
        elif cluster is not None and cluster.convicted and cluster.assessment is not None:
            # not convicted with the cluster, but ranked by the posterior odds that it is one
            # of the core: the cluster's base rate among young members times its own
            # likelihood ratio; kept below the watch threshold (no action on a ranking)
            odds = self._member_odds(acct, cluster)
            if odds is not None:
                odds = min(max(odds, -50.0), 50.0)
                rank = self._thr["watch"] * 0.98 / (1.0 + math.exp(-odds))
                score = max(score, min(rank, cluster.assessment.score))
        verdict = self._verdict(score)
        if (
            acct.verdict.at_least(Verdict.THROTTLE)
            and not verdict.at_least(acct.verdict)
            and not self._released(acct, cluster)
        ):
            verdict = acct.verdict  # convictions stick until an analyst overrides them
            reasons = acct.reasons
            score = max(score, acct.score)  # and so does the belief behind them
        acct.score = score
        if verdict == acct.verdict:
            return
        acct.verdict = verdict
        acct.reasons = reasons
        if verdict.at_least(Verdict.THROTTLE) and acct.flagged_ts is None:
            acct.flagged_ts = self.now
        evidence = describe(reasons, prof) if prof else []
        cid = cluster.cid() if in_cluster and cluster else None
        if cid:
            evidence.insert(0, f"one of {len(cluster.members)} linked accounts")  # type: ignore[union-attr]
        changes.append(
            VerdictChange(
                account_id=account_id,
                ts=datetime.fromtimestamp(self.now, UTC),
                verdict=verdict,
                score=round(score, 4),
                cluster_id=cid,
                reasons=reasons,
                evidence=evidence,
                warming_up=acct.stats.n < _WARM,
            )
        )

    def _released(self, acct: _Acct, cluster: _Cluster | None) -> bool:
        """A conviction on the sign-up burst alone, or on the posterior odds alone, is
        provisional: once the account's own requests can be judged (3 exchanges) and leave
        its posterior odds of belonging to the core below ``cluster.release_odds``, it is
        lifted. Hard ties (a shared card, the cluster's pattern in its own requests) stick."""
        if not (
            acct.reasons
            and acct.reasons[-1] in ("burst_signup", "member_odds")
            and acct.stats.n >= 3
        ):
            return False
        if cluster is None or not cluster.convicted:
            return True
        parts = self.member_odds_parts(acct, cluster)
        return (
            parts is None
            or sum(parts.values()) < self._cl["release_odds"]
            or parts["own requests"] < self._cl["member_own_min"]
        )

    def _verdict(self, score: float) -> Verdict:
        t = self._thr
        if score >= t["block"]:
            return Verdict.BLOCK
        if score >= t["throttle"]:
            return Verdict.THROTTLE
        if score >= t["watch"]:
            return Verdict.WATCH
        return Verdict.ALLOW


#: Mailbox providers anyone can sign up with: an address there says nothing about who
#: employs its owner, so it never stands in for a missing ``org_id``.
WEBMAIL = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "ymail.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.com",
        "mail.ru",
        "yandex.ru",
        "yandex.com",
        "qq.com",
        "163.com",
        "126.com",
        "yeah.net",
        "sina.com",
        "naver.com",
        "daum.net",
        "hanmail.net",
        "zoho.com",
        "tutanota.com",
        "fastmail.com",
        "hey.com",
    ]
)


def organisation(account_id: str, info: AccountInfo) -> str:
    """The organisation an account belongs to, for "several organisations" tests.

    The accounts file's ``org_id``. Without one, the best stand-in the file offers: a
    company or university e-mail domain (not a webmail provider); for a verified account,
    its payment instrument (the verified accounts one card pays for are one customer); else
    the account itself. An unverified account's card never stands in: one card paying for
    many unverified accounts is the shared-payment signal, not an organisation. Accounts
    the file does not describe at all (a log analysed without its accounts file) count
    together as ONE: nothing shows they are independent parties, and a university cohort
    or a company's teams seen without their ``org_id`` must not pass for dozens of
    coordinating organisations.
    """
    if info.org_id:
        return info.org_id
    domain = (info.email_domain or "").strip().lower()
    if domain and domain not in WEBMAIL:
        return f"domain:{domain}"
    if info.payment_fingerprint and info.verified:
        return f"card:{info.payment_fingerprint}"
    if (
        info.created_ts is None
        and info.tier is None
        and info.verified is None
        and info.payment_fingerprint is None
        and info.signup_ip is None
        and not domain
    ):
        return "unknown"
    return f"acct:{account_id}"


_PAYLOAD = ("cot", "grading", "rewrite_probe", "sys_extract", "datagen")
_PAYLOAD_TAGS = tuple(i for i, t in enumerate(TAGS) if t in _PAYLOAD)
_DATAGEN = TAGS.index("datagen")
#: payloads that can dominate a whole cluster's traffic (its content mode)
_MODES = ("cot", "grading", "probe", "datagen")


def _mode_count(s: Stats, mode: str) -> int:
    """How many of a counter set's exchanges carry the payload ``mode``."""
    if mode == "cot":
        return s.n_cot
    if mode == "grading":
        return s.n_grade
    if mode == "probe":
        return s.n_probe
    return s.n_tag[_DATAGEN]


_KIND_ALPHA = 0.5  # additive smoothing of the per-kind rates
_KIND_CLIP = 3.9  # the largest per-exchange weight, as for the binary features (0.98 : 0.02)


def poisson_sf(k: int, mu: float) -> float:
    """P(X >= k) for X ~ Poisson(mu)."""
    if k <= 0:
        return 1.0
    term = math.exp(-mu)
    below = term
    for i in range(1, k):
        term *= mu / i
        below += term
    return max(0.0, 1.0 - below)


def _kl(q: float, p: float) -> float:
    """Kullback-Leibler divergence of Bernoulli(q) from Bernoulli(p) when q > p, else 0.

    ``n * _kl(k / n, p)`` is the Chernoff exponent of seeing ``k`` or more hits in ``n``
    trials at rate ``p``: the chance is at most ``exp(-n * _kl(k / n, p))``."""
    if q <= p:
        return 0.0
    out = q * math.log(q / p)
    if q < 1.0:
        out += (1.0 - q) * math.log((1.0 - q) / (1.0 - p))
    return out


def _clip(x: float, cap: float) -> float:
    """``x`` limited to ``[-cap, cap]``."""
    return min(max(x, -cap), cap)


def _early(s: Stats) -> tuple[int, float]:
    """Sessions after the first within an account's first day, and the seconds they span."""
    return max(s.early_starts - 1, 0), min(s.last_ts, s.first_ts + EARLY_S) - s.first_ts


def _uses(s: Stats, prefixes: frozenset[int], suffixes: frozenset[int]) -> int:
    """How many of a stream's exchanges (lower bound) open or close with one of the phrases."""
    k = sum(s.prefix.low(x) for x in prefixes) + sum(s.suffix.low(x) for x in suffixes)
    return min(k, s.n)


class _Rates:
    """The counters the member test reads (``n``, kinds, tags, saturation, new-model use,
    session starts) as weighted sums of streams' (:meth:`Engine._capped`)."""

    __slots__ = ("n", "n_avail", "n_kind", "n_new", "n_sat", "n_tag", "starts")

    def __init__(self) -> None:
        self.n = self.n_sat = self.n_new = self.n_avail = 0.0
        self.n_kind = [0.0] * N_KINDS
        self.n_tag = [0.0] * len(TAGS)
        self.starts = [0.0] * 6

    def add(self, s: Stats | _Rates, w: float) -> None:
        self.n += w * s.n
        self.n_sat += w * s.n_sat
        self.n_new += w * s.n_new
        self.n_avail += w * s.n_avail
        if w == 1.0 or w == -1.0:  # most calls: the same sums as below, without the products
            op = add if w == 1.0 else sub
            self.n_kind = list(map(op, self.n_kind, s.n_kind))
            self.n_tag = list(map(op, self.n_tag, s.n_tag))
            self.starts = list(map(op, self.starts, s.starts))
            return
        self.n_kind = [a + w * b for a, b in zip(self.n_kind, s.n_kind, strict=True)]
        self.n_tag = [a + w * b for a, b in zip(self.n_tag, s.n_tag, strict=True)]
        self.starts = [a + w * b for a, b in zip(self.starts, s.starts, strict=True)]


_LN2 = math.log(2.0)


def _traffic_llr(contrast: list[tuple[float, ...]], s: Stats, per_session: float) -> float:
    """A member's own traffic under one contrast: kinds, payload tags, saturation and
    new-model use, counted per session; plus the start hours."""
    llr = 0.0
    for w, k in zip(contrast[0], s.n_kind, strict=True):
        llr += w * k
    for (hit, miss), (k, trials) in zip(contrast[1:-1], _member_counts(s), strict=True):
        llr += k * hit + (trials - k) * miss
    llr *= per_session
    for w, k in zip(contrast[-1], s.starts, strict=True):
        llr += w * k
    return llr


#: a core account's share of requests in its core's wording: the group bounds (Engine._wording)
_WORDING_BINS = (0.0, 0.1, 0.5)

_Wording = tuple[
    frozenset[int], frozenset[int], tuple[tuple[float, float, float], ...], tuple[float, float]
]


def _worded(wording: _Wording, k: float, n: float) -> float:
    """Log-likelihood ratio of ``k`` of ``n`` requests (effective counts) in the core's
    wording: under the core's mixture of groups against the other members' rate."""
    terms = [lw + k * lp + (n - k) * lq for lw, lp, lq in wording[2]]
    top = max(terms)
    core = top + math.log(sum(math.exp(t - top) for t in terms))
    lp, lq = wording[3]
    return core - (k * lp + (n - k) * lq)


def _member_counts(s: Stats | _Rates) -> list[tuple[float, float]]:
    """Per-exchange binary features a member's traffic is compared on: (hits, trials).

    Most are asked of every exchange; going to a newly released model only of the
    exchanges sent while one was new. The capability tags and single-turn are not among
    them: they depend on each other (a tool call is neither chat nor single-turn), so they
    are compared jointly, as the exchange's kind (:func:`_kind_weights`).
    """
    n = s.n
    return [*((s.n_tag[i], n) for i in _PAYLOAD_TAGS), (s.n_sat, n), (s.n_new, s.n_avail)]


def _kind_weights(core: Stats | _Rates, whole: Stats | _Rates) -> tuple[float, ...]:
    """log p_core(kind) / p_rest(kind) per exchange kind, smoothed and clipped.

    A kind is the joint of an exchange's capability tags and whether it is single-turn
    (``Stats.n_kind``): weighing the tags one by one counted one tool call three times (tool
    use, not chat, not single-turn), which let a customer's few agent-like exchanges reach
    the conviction odds.
    """
    nc, nr = core.n, whole.n - core.n
    out = []
    for kc, kw in zip(core.n_kind, whole.n_kind, strict=True):
        pc = (kc + _KIND_ALPHA) / (nc + _KIND_ALPHA * N_KINDS)
        pr = (kw - kc + _KIND_ALPHA) / (nr + _KIND_ALPHA * N_KINDS)
        out.append(_clip(math.log(pc / pr), _KIND_CLIP))
    return tuple(out)


def _contrast(core: Stats | _Rates, whole: Stats | _Rates) -> list[tuple[float, ...]] | None:
    """Member-test weights: the per-kind weights, then (log p_core / p_rest,
    log (1 - p_core) / (1 - p_rest)) per binary feature, then the session-start hours'."""
    rest_n = whole.n - core.n
    if core.n < 20 or rest_n < 20:
        return None
    out: list[tuple[float, ...]] = [_kind_weights(core, whole)]
    for (kc, nc), (kw, nw) in zip(_member_counts(core), _member_counts(whole), strict=True):
        if nc < 20 or nw - nc < 20:
            out.append((0.0, 0.0))  # too few trials on either side to weigh this feature
            continue
        pc = min(max(kc / nc, 0.02), 0.98)
        pr = min(max((kw - kc) / (nw - nc), 0.02), 0.98)
        out.append((math.log(pc / pr), math.log((1 - pc) / (1 - pr))))
    # when in the day sessions start: a campaign's scripts run round the clock, customers
    # keep their hours (one observation per session: its exchanges are not independent)
    core_s, rest_s = sum(core.starts), sum(whole.starts) - sum(core.starts)
    out.append(
        tuple(
            math.log(((c + 1) / (core_s + 6)) / ((w - c + 1) / (rest_s + 6)))
            for c, w in zip(core.starts, whole.starts, strict=True)
        )
    )
    return out
