"""The member test's per-cluster terms, estimated inside one cluster: the account tier, the
core's own wording, and the first-day pace; and how a conviction on the odds alone is
provisional."""

from __future__ import annotations

import math

from distillguard._types import Verdict
from distillguard.detect.engine import AccountInfo, Engine, _Cluster, _worded
from distillguard.detect.enrich import CHAT, CODING, COT, REASON, Enriched

T0 = 1_771_200_000.0  # a Monday, 2026-02-16
HOUR = 3600.0


#: what every hand-made exchange here shares: no system prompt or tools, one turn
_PLAIN = {
    "sys_key": 0,
    "sys_sim": 0,
    "tools_key": 0,
    "max_tokens": 512,
    "probe": False,
    "truncated": False,
    "depth": 1,
    "out_chars": 400,
}


def _ex(i: int, tags: int = CODING | REASON, suffix: int | None = None) -> Enriched:
    """Exchange ``i``: its own first sentence, and its own last one unless ``suffix``."""
    last = 500_000 + i if suffix is None else suffix
    return Enriched(tags=tags, prefix_key=1000 + i, suffix_key=last, dup_key=900_000 + i, **_PLAIN)


def _feed(eng: Engine, acct: str, times: list[float], exchanges: list[Enriched]) -> None:
    """Add exchanges straight to an account's counters (a new session after 10 idle minutes)."""
    a = eng.accounts[acct]
    last = None
    for t, e in zip(times, exchanges, strict=True):
        a.stats.add(t, e, 0, start=last is None or t - last > 600.0)
        last = t


def _cluster(eng: Engine, members: list[str]) -> _Cluster:
    c = _Cluster()
    c.members = list(members)
    for m in members:
        c.stats.merge(eng.accounts[m].stats)
    return c


def _accounts(eng: Engine, names: list[str], tier: str) -> None:
    for i, name in enumerate(names):
        eng.observe_account(AccountInfo(name, T0, tier=tier, org_id=f"org-{name}-{i}"))


def test_tier_weights_favour_the_tier_of_the_core_and_vanish_when_tiers_are_mixed_alike() -> None:
    eng = Engine()
    core = [f"c{i}" for i in range(12)]
    rest = [f"r{i}" for i in range(12)]
    _accounts(eng, core, "free")
    _accounts(eng, rest[:10], "startup")
    _accounts(eng, rest[10:], "free")
    for m in core + rest:
        _feed(eng, m, [T0 + 60], [_ex(0)])
    w = eng._tier_weights(_cluster(eng, core + rest), core)
    assert w["free"] > 1.0 and w["startup"] < -1.0
    assert w["free"] <= eng._cl["tier_weight_cap"]

    eng = Engine()
    _accounts(eng, core[:6], "free")
    _accounts(eng, core[6:], "startup")
    _accounts(eng, rest[:6], "free")
    _accounts(eng, rest[6:], "startup")
    for m in core + rest:
        _feed(eng, m, [T0 + 60], [_ex(0)])
    w = eng._tier_weights(_cluster(eng, core + rest), core)
    assert all(abs(v) < 0.1 for v in w.values())


def test_the_cores_own_wording_weighs_but_a_phrase_everyone_in_the_cluster_uses_does_not() -> None:
    eng = Engine()
    core = [f"c{i}" for i in range(10)]
    rest = [f"r{i}" for i in range(10)]
    _accounts(eng, core + rest, "free")
    for j, m in enumerate(core):
        # four in ten requests end with the operator's phrase 42, two with the popular 7
        ends = [42, 42, 42, 42, 7, 7, None, None, None, None]
        times = [T0 + j * 50 + k * 600 for k in range(10)]
        _feed(eng, m, times, [_ex(100 * j + k, suffix=s) for k, s in enumerate(ends)])
    for j, m in enumerate(rest):
        ends = [7, 7, None, None, None, None, None, None, None, None]
        times = [T0 + j * 50 + k * 600 for k in range(10)]
        _feed(eng, m, times, [_ex(5000 + 100 * j + k, suffix=s) for k, s in enumerate(ends)])
    wording = eng._wording(_cluster(eng, core + rest), core)
    assert wording is not None
    prefixes, suffixes, _, _ = wording
    assert suffixes == frozenset({42}) and not prefixes
    # one request in the phrase weighs for the core, one without it against
    assert _worded(wording, 1.0, 1.0) > 2.0 and _worded(wording, 0.0, 1.0) < 0.0


def test_wording_of_one_campaign_in_a_mixed_core_does_not_count_against_the_other() -> None:
    # a core of two campaigns: 4 script accounts that end every request with phrase 42 and
    # 16 light accounts that never do; the 10 other members never do either
    eng = Engine()
    script = [f"s{i}" for i in range(4)]
    light = [f"l{i}" for i in range(16)]
    rest = [f"r{i}" for i in range(10)]
    _accounts(eng, script + light + rest, "free")
    for j, m in enumerate(script):
        times = [T0 + j * 50 + k * 600 for k in range(40)]
        _feed(eng, m, times, [_ex(100 * j + k, suffix=42) for k in range(40)])
    for j, m in enumerate(light + rest):
        times = [T0 + j * 50 + k * 600 for k in range(10)]
        _feed(eng, m, times, [_ex(10_000 + 100 * j + k) for k in range(10)])
    wording = eng._wording(_cluster(eng, script + light + rest), script + light)
    assert wording is not None
    # a light account's 10 requests without the phrase cost no more than the light
    # accounts' share of the core (log 16/20); pooled by request they would cost ~3 nats
    assert _worded(wording, 0.0, 10.0) > math.log(16 / 20) - 0.05
    # and a script account's requests in the phrase still weigh strongly for the core
    assert _worded(wording, 10.0, 10.0) > 10.0


def test_no_wording_term_when_the_core_and_the_rest_phrase_things_alike() -> None:
    eng = Engine()
    members = [f"m{i}" for i in range(20)]
    _accounts(eng, members, "free")
    for j, m in enumerate(members):
        ends = [7, 7, 9, None, None, None, None, None, None, None]
        times = [T0 + j * 50 + k * 600 for k in range(10)]
        _feed(eng, m, times, [_ex(100 * j + k, suffix=s) for k, s in enumerate(ends)])
    assert eng._wording(_cluster(eng, members), members[:10]) is None


def test_pace_compares_first_days_so_a_busy_first_day_weighs_only_against_other_first_days() -> (
    None
):
    eng = Engine()
    core = [f"c{i}" for i in range(8)]
    rest = [f"r{i}" for i in range(12)]
    _accounts(eng, core + rest, "free")
    for j, m in enumerate(core):  # a session every two hours, from the first request
        _feed(eng, m, [T0 + j * 60 + k * 2 * HOUR for k in range(10)], [_ex(k) for k in range(10)])
    for j, m in enumerate(rest):  # three sessions on the first day, then one a day for weeks
        times = [T0 + j * 60 + k * 6 * HOUR for k in range(3)]
        times += [T0 + j * 60 + d * 24 * HOUR for d in range(2, 30)]
        _feed(eng, m, times, [_ex(k) for k in range(len(times))])
    pace = eng._pace(_cluster(eng, core + rest), core)
    assert pace is not None
    w, diff = pace
    # first days only: 9 more sessions in 18 h against 2 in the whole first day (not 30 over
    # 29 days, which would make the customers look even slower)
    assert math.isclose(w, math.log((9 / 18) / (2 / 24)), rel_tol=1e-6)
    assert diff > 0


def _hydra_and_newcomer(second_half: int) -> tuple[Engine, list]:
    """A convicted hydra of young free-tier accounts behind one egress; a newcomer signs up
    alone on the same egress, asks six step-by-step questions at the hydra's pace, then
    carries on with ``second_half`` requests at a customer's pace."""
    eng = Engine()
    egress = {"ip": "203.0.113.5", "client_fingerprint": "t13d_reseller"}
    hydra = [f"h{i}" for i in range(10)]
    customers = [f"u{i}" for i in range(10)]
    for i, acct in enumerate(hydra):
        eng.observe_account(
            AccountInfo(acct, T0 + i * 30, tier="free", signup_ip=f"203.0.113.{10 + i}")
        )
    for i, acct in enumerate(customers):
        eng.observe_account(
            AccountInfo(acct, T0 - 30 * 86400 + i, tier="startup", org_id=f"org-u{i}")
        )
    changes: list = []
    n = 0
    for r in range(24):
        for acct in hydra:
            n += 1
            e = _ex(n, REASON | COT, suffix=77)
            changes += eng.observe(T0 + 600 + r * 1800 + n, acct, e, **egress)
        for acct in customers:
            n += 1
            changes += eng.observe(T0 + 600 + r * 3 * 3600 + n, acct, _ex(n, CHAT), **egress)
    cluster = eng.clusters[eng.linker.find(hydra[0])]
    assert cluster.convicted
    t = T0 + 600 + 24 * 3 * 3600
    eng.observe_account(AccountInfo("newcomer", t, tier="free", signup_ip="198.51.100.9"))
    mine: list = []
    for k in range(6):
        n += 1
        e = _ex(n, REASON | COT, suffix=77)
        mine += eng.observe(t + 300 + k * 1800, "newcomer", e, **egress)
    for k in range(second_half):
        n += 1
        mine += eng.observe(t + 12 * 3600 + k * 20 * 3600, "newcomer", _ex(n, CHAT), **egress)
    return eng, [c for c in mine if c.account_id == "newcomer"]


def test_a_conviction_on_the_odds_alone_is_provisional_and_explained() -> None:
    from distillguard.detect.batch import account_evidence

    eng, _ = _hydra_and_newcomer(0)
    acct = eng.accounts["newcomer"]
    assert acct.verdict.at_least(Verdict.THROTTLE)
    assert acct.reasons[0] == "cluster" and acct.reasons[-1] == "member_odds"
    lines = account_evidence(eng, "newcomer")
    assert any("posterior odds of belonging to the cluster core" in x for x in lines)
    assert any("own requests +" in x for x in lines)


def test_an_odds_conviction_is_lifted_when_later_requests_read_like_the_other_members() -> None:
    eng, changes = _hydra_and_newcomer(12)
    acct = eng.accounts["newcomer"]
    assert any(c.verdict.at_least(Verdict.THROTTLE) for c in changes)
    assert not acct.verdict.at_least(Verdict.THROTTLE)
    assert acct.flagged_ts is not None  # the throttle stays on the record


def _sessions(eng: Engine, acct: str, first: float, n: int, every: float) -> None:
    eng.observe_account(AccountInfo(acct, first - 60))
    _feed(eng, acct, [first + k * every for k in range(n)], [_ex(k) for k in range(n)])


def test_co_starts_of_two_newcomers_are_judged_on_the_time_both_were_active() -> None:
    eng = Engine()
    eng._log_start = T0
    now = T0 + 7 * 86400.0
    # two accounts that signed up two hours ago and started a session every 20 minutes
    _sessions(eng, "a", now - 2 * HOUR, 6, 1200.0)
    _sessions(eng, "b", now - 2 * HOUR + 30, 6, 1200.0)
    # three co-starts are what chance gives two such accounts in two hours (not in a week)
    assert not eng._sync_excess(("a", "b"), 3, now)
    # two accounts with one session a day for a week starting together three times is not
    _sessions(eng, "c", T0, 7, 86400.0)
    _sessions(eng, "d", T0 + 2, 7, 86400.0)
    assert eng._sync_excess(("c", "d"), 3, now)


def test_the_co_start_level_shrinks_once_many_pairs_are_at_risk() -> None:
    eng = Engine()
    eng._log_start = T0
    now = T0 + 7 * 86400.0
    _sessions(eng, "c", T0, 30, 5 * HOUR)
    _sessions(eng, "d", T0 + 2, 30, 5 * HOUR)
    assert eng._sync_excess(("c", "d"), 4, now)
    eng._pairs_seen = int(eng._sync_free * 1000)  # a thousand times more pairs than free
    assert not eng._sync_excess(("c", "d"), 4, now)
    assert eng._sync_excess(("c", "d"), 8, now)


def test_the_typical_candidate_is_weighed_by_accounts_not_by_exchanges() -> None:
    from distillguard.detect.enrich import TOOL

    eng = Engine()
    heavy = [f"agent{i}" for i in range(3)]
    light = [f"light{i}" for i in range(12)]
    _accounts(eng, heavy + light, "free")
    for j, m in enumerate(heavy):  # agent loops: 300 tool calls each, no reasoning asked
        _feed(eng, m, [T0 + j + k * 30 for k in range(300)], [_ex(k, TOOL) for k in range(300)])
    for j, m in enumerate(light):  # light accounts: 5 step-by-step questions each
        times = [T0 + j + k * 900 for k in range(5)]
        _feed(eng, m, times, [_ex(k, REASON | COT) for k in range(5)])
    typical = eng._typical(heavy + light)
    assert typical["cot"] == 12 / 15  # by exchanges it would be 60 / 960
    core = _cluster(eng, heavy + light).stats
    assert core.n_cot / core.n < 0.1


def _cot_member(
    eng: Engine, name: str, created: float, cot: int, n: int, signup_ip: str | None = None
) -> None:
    """An account created at ``created`` that sends ``n`` requests, ``cot`` asking for steps."""
    eng.observe_account(
        AccountInfo(name, created, tier="startup", org_id=f"org-{name}", signup_ip=signup_ip)
    )
    tags = [COT | REASON if i < cot else CHAT for i in range(n)]
    _feed(eng, name, [T0 + i * HOUR for i in range(n)], [_ex(i, t) for i, t in enumerate(tags)])


def test_a_payload_pattern_needs_strong_evidence_from_an_established_member_beside_young_ones() -> (
    None
):
    eng = Engine()
    young = [f"y{i}" for i in range(6)]
    for i, name in enumerate(young):  # a hydra's replacements, signed up in a burst an hour
        # before their first request
        _cot_member(eng, name, T0 - HOUR + i, 3, 4, signup_ip=f"203.0.113.{10 + i}")
    _cot_member(eng, "customer", T0 - 90 * 24 * HOUR, 3, 4)  # a long-standing customer
    _cot_member(eng, "scripted", T0 - 90 * 24 * HOUR, 17, 17)  # established, steps every time
    _cot_member(eng, "newcomer", T0 - 2 * HOUR, 3, 4)  # young too, but signed up alone
    pattern = ((set(), set()), "cot", set(), set(young))
    # the burst member's three step-by-step requests of four follow the cluster's payload
    assert eng._match_count(eng.accounts["y0"], pattern) == 3
    # a young member who signed up alone is held to the established members' bar
    assert eng._match_count(eng.accounts["newcomer"], pattern) == 0
    # the customer's same three of four are what an ordinary user sends: no match
    assert eng._match_count(eng.accounts["customer"], pattern) == 0
    # seventeen of seventeen are beyond an ordinary user (chance < 1/1000 at a quarter)
    assert eng._match_count(eng.accounts["scripted"], pattern) == 17
    # in a cluster with no young members (aged accounts working low and slow), every member
    # is a suspect: the customer-like share counts as it is
    assert eng._match_count(eng.accounts["customer"], (pattern[0], "cot", set(), set())) == 3


def test_a_template_phrase_needs_the_same_evidence_from_an_established_member() -> None:
    eng = Engine()
    young = [f"y{i}" for i in range(6)]
    phrase = 77  # a closing sentence the campaign's scripts use, and ordinary users too

    def member(name: str, created: float, uses: int, n: int) -> None:
        eng.observe_account(AccountInfo(name, created, tier="startup", org_id=f"org-{name}"))
        ends = [phrase if i < uses else None for i in range(n)]
        times = [T0 + i * HOUR for i in range(n)]
        _feed(eng, name, times, [_ex(i, suffix=e) for i, e in enumerate(ends)])

    for name in young:
        member(name, T0 - HOUR, 2, 4)
    member("customer", T0 - 90 * 24 * HOUR, 2, 4)  # two of four end with the phrase
    member("scripted", T0 - 90 * 24 * HOUR, 17, 17)
    pattern = ((set(), {phrase}), None, set(), set(young))
    assert eng._match_count(eng.accounts["y0"], pattern) == 2
    assert eng._match_count(eng.accounts["customer"], pattern) == 0
    assert eng._match_count(eng.accounts["scripted"], pattern) == 17
    # beside no young members every member's share counts as it is
    assert eng._match_count(eng.accounts["customer"], (pattern[0], None, set(), set())) == 2


def test_a_few_heavy_core_accounts_do_not_set_the_rates_a_light_member_is_compared_with() -> None:
    from distillguard.detect.engine import _contrast
    from distillguard.detect.enrich import TOOL

    eng = Engine()
    light = [f"l{i}" for i in range(10)]  # a hydra's light accounts: single-turn reasoning
    heavy = ["h0"]  # another campaign's agent loop, in the same core
    rest = [f"r{i}" for i in range(10)]  # the customers beside them: chat
    _accounts(eng, light + heavy + rest, "free")
    for j, m in enumerate(light):
        _feed(
            eng,
            m,
            [T0 + j + k * HOUR for k in range(10)],
            [_ex(k, COT | REASON) for k in range(10)],
        )
    _feed(
        eng,
        "h0",
        [T0 + k * 60.0 for k in range(2000)],
        [_ex(k, TOOL | CODING) for k in range(2000)],
    )
    for j, m in enumerate(rest):
        _feed(eng, m, [T0 + j + k * HOUR for k in range(10)], [_ex(k, CHAT) for k in range(10)])
    core_members = light + heavy
    cluster = _cluster(eng, core_members + rest)
    core = _cluster(eng, core_members).stats
    reasoning, chat = REASON | 16, 8 | 16  # kinds: capability bits, 8 = chat, 16 = single turn
    pooled = _contrast(core, cluster.stats)
    capped = _contrast(*eng._capped(core_members, core, cluster.stats))
    assert pooled is not None and capped is not None
    # pooled by exchange, the agent loop's 2,000 exchanges make reasoning rare in the core
    # (100 of 2,100); capped at 4x the median account (40 exchanges), the light accounts'
    # kind weighs far more, and the customers' chat still weighs against
    assert capped[0][reasoning] > pooled[0][reasoning] + 1.5
    assert capped[0][chat] < 0
    # a core of alike accounts is left as it is
    same = eng._capped(light, _cluster(eng, light).stats, cluster.stats)
    assert same[0] is not None and same[0].n == 100


def test_a_cluster_that_is_nearly_all_core_is_contrasted_with_the_platforms_accounts() -> None:
    eng = Engine()
    core = [f"c{i}" for i in range(19)]
    straggler = ["s0"]  # one linked account outside the core: no population to compare with
    platform = [f"p{i}" for i in range(30)]  # ordinary accounts elsewhere: chat
    _accounts(eng, core + straggler + platform, "free")
    for j, m in enumerate(core + straggler):
        _feed(
            eng,
            m,
            [T0 + j + k * HOUR for k in range(10)],
            [_ex(k, COT | REASON) for k in range(10)],
        )
    for j, m in enumerate(platform):
        _feed(eng, m, [T0 + j + k * HOUR for k in range(10)], [_ex(k, CHAT) for k in range(10)])
    eng.now = T0 + 20 * HOUR
    cluster = _cluster(eng, core + straggler)
    bg = eng._background_contrast(cluster, core, _cluster(eng, core).stats)
    assert bg is not None
    reasoning, chat = REASON | 16, 8 | 16  # kinds: capability bits, 8 = chat, 16 = single turn
    assert bg[0][reasoning] > 2.0 and bg[0][chat] < -2.0
    # half the cluster outside the core: those members are the population it is compared with
    assert eng._background_contrast(cluster, core[:10], _cluster(eng, core[:10]).stats) is None


def test_established_members_count_as_they_are_where_they_are_the_campaign_themselves() -> None:
    eng = Engine()
    young = [f"y{i}" for i in range(4)]
    for i, name in enumerate(young):  # sign-ups put to work within the hour, in a burst
        _cot_member(eng, name, T0 - HOUR + i, 3, 4, signup_ip=f"203.0.113.{10 + i}")
    aged = [f"a{i}" for i in range(5)]  # aged accounts doing the same work: 3 of 4 steps
    for name in aged:
        _cot_member(eng, name, T0 - 90 * 24 * HOUR, 3, 4)
    pattern = ((set(), set()), "cot", set(), set(young))
    cluster = _cluster(eng, young + aged)
    # every established member follows the payload by its own traffic: no population to
    # hide in, so their three of four count as they are
    assert eng._homogeneous(cluster, pattern)
    assert eng._match_count(eng.accounts["a0"], (*pattern, True)) == 3
    # beside long-standing customers who chat (a reseller's), the same three of four are
    # what an ordinary user of the payload sends: held to the beyond-chance bar
    customers = [f"r{i}" for i in range(20)]
    for name in customers:
        _cot_member(eng, name, T0 - 90 * 24 * HOUR, 0, 4)
    mixed = _cluster(eng, young + aged + customers)
    assert not eng._homogeneous(mixed, pattern)
    assert eng._match_count(eng.accounts["a0"], (*pattern, False)) == 0
    # and two established followers are too few to say the established members are the
    # campaign (min_accounts)
    assert not eng._homogeneous(_cluster(eng, young + aged[:2]), pattern)
    # one long-standing member beside them that does not follow keeps the bar for all
    assert not eng._homogeneous(_cluster(eng, young + aged + customers[:1]), pattern)
