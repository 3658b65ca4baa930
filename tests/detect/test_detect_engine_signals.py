"""Engine signals on hand-made streams: which attributes link, sign-up bursts, synchronized
session starts, and the lone unverified machine-paced harvester."""

from __future__ import annotations

from distillguard._types import Verdict
from distillguard.detect.engine import AccountInfo, Engine
from distillguard.detect.enrich import CODING, COT, REASON, Enriched

T0 = 1_771_200_000.0  # a Monday, 2026-02-16


def _ex(i: int, tags: int = CODING | REASON) -> Enriched:
    """One single-turn exchange whose wording is unlike every other one."""
    return Enriched(
        tags=tags,
        prefix_key=1000 + i,
        suffix_key=500_000 + i,
        dup_key=900_000 + i,
        sys_key=0,
        sys_sim=0,
        tools_key=0,
        max_tokens=512,
        probe=False,
        truncated=False,
        depth=1,
        out_chars=400,
    )


def _same_cluster(eng: Engine, a: str, b: str) -> bool:
    eng.linker.rebuild()
    return eng.linker.find(a) == eng.linker.find(b)


def test_a_client_fingerprint_alone_links_nobody_but_with_the_same_egress_it_does() -> None:
    eng = Engine()
    for n, (acct, ip) in enumerate((("a", "198.51.100.1"), ("b", "203.0.113.9"))):
        eng.observe(T0 + n, acct, _ex(n), ip=ip, client_fingerprint="t13d_popular_sdk")
    assert not _same_cluster(eng, "a", "b")
    eng.observe(T0 + 5, "c", _ex(5), ip="198.51.100.1", client_fingerprint="t13d_popular_sdk")
    assert _same_cluster(eng, "a", "c")


def test_sign_up_bursts_are_counted_from_the_same_subnet_within_minutes() -> None:
    eng = Engine()
    for n, (acct, ip, dt) in enumerate(
        (
            ("r1", "192.0.2.10", 0),
            ("r2", "192.0.2.77", 120),
            ("r3", "192.0.2.200", 300),
            ("late", "192.0.2.11", 4000),
            ("elsewhere", "198.51.100.7", 60),
        )
    ):
        eng.observe_account(AccountInfo(acct, created_ts=T0 + dt, signup_ip=ip, org_id=f"org{n}"))
    bursts = {a: eng.accounts[a].burst for a in ("r1", "r2", "r3", "late", "elsewhere")}
    assert bursts == {"r1": 2, "r2": 2, "r3": 2, "late": 0, "elsewhere": 0}


def test_sessions_that_start_together_again_and_again_link_their_accounts() -> None:
    eng = Engine()
    k = 0
    for wave in range(3):  # three waves an hour apart: the scripted pair starts within 2 s
        t = T0 + wave * 3600
        for acct, dt in (("w1", 0.0), ("w2", 1.5), ("loner", 1000.0 + wave * 700)):
            for step in range(3):
                eng.observe(t + dt + step * 5, acct, _ex(k))
                k += 1
    assert _same_cluster(eng, "w1", "w2")
    assert not _same_cluster(eng, "w1", "loner")


def test_unverified_machine_paced_harvester_is_convicted_alone_a_verified_one_is_not() -> None:
    eng = Engine()
    eng.observe_account(AccountInfo("bot", created_ts=T0 - 86400 * 30, verified=False))
    eng.observe_account(AccountInfo("lab", created_ts=T0 - 86400 * 30, verified=True))
    changes = []
    for i in range(240):  # one different prompt every 30 s for two hours, from each account
        for acct, jitter in (("bot", 0.0), ("lab", 0.4)):
            changes += eng.observe(T0 + i * 30.0 + (i % 3) + jitter, acct, _ex(2 * i))
    assert eng.accounts["bot"].verdict.at_least(Verdict.THROTTLE)
    assert "unverified_paced_harvest" in eng.accounts["bot"].reasons
    assert not eng.accounts["lab"].verdict.at_least(Verdict.THROTTLE)
    flagged = [c for c in changes if c.account_id == "bot" and c.verdict.at_least(Verdict.THROTTLE)]
    # convicted within its first ~2 hours, not after a day of round-the-clock traffic
    assert flagged and flagged[0].ts.timestamp() <= T0 + 2 * 3600 + 60


def test_an_unverified_account_of_a_verified_organisation_is_not_convicted_for_its_pace() -> None:
    """A labelling company's contractor, not yet verified, grading at an annotator's steady
    pace: its organisation is verified through its colleagues' accounts."""

    def contractor(colleague_verified: bool) -> Engine:
        eng = Engine()
        eng.observe_account(
            AccountInfo(
                "lead", created_ts=T0 - 86400 * 60, org_id="vendor", verified=colleague_verified
            )
        )
        eng.observe_account(
            AccountInfo("c1", created_ts=T0 - 86400 * 30, org_id="vendor", verified=False)
        )
        for i in range(240):  # one different prompt every 30 s for two hours
            eng.observe(T0 + i * 30.0 + (i % 3), "c1", _ex(i))
        return eng

    assert not contractor(True).accounts["c1"].verdict.at_least(Verdict.THROTTLE)
    alone = contractor(False).accounts["c1"]  # nobody in the organisation is verified
    assert "unverified_paced_harvest" in alone.reasons


def test_accounts_without_accounts_file_records_count_as_one_organisation() -> None:
    from distillguard.detect.engine import organisation

    assert organisation("a", AccountInfo("a")) == organisation("b", AccountInfo("b"))
    assert organisation("a", AccountInfo("a", org_id="org1")) == "org1"
    described = AccountInfo("a", created_ts=T0, verified=False)
    assert organisation("a", described) != organisation("b", AccountInfo("b", created_ts=T0))


def test_without_org_id_a_company_domain_or_a_verified_card_stands_in() -> None:
    from distillguard.detect.engine import organisation

    def org(account: str, **info: object) -> str:
        return organisation(account, AccountInfo(account, created_ts=T0, **info))  # type: ignore[arg-type]

    # a company's (or university's) mail domain is one organisation; a webmail one is not
    assert org("a", email_domain="Vandelay.example") == org("b", email_domain="vandelay.example")
    assert org("a", email_domain="gmail.com") != org("b", email_domain="gmail.com")
    # the verified accounts one card pays for are one customer ...
    card = "pm_7ec7"
    assert org("a", payment_fingerprint=card, verified=True) == org(
        "b", payment_fingerprint=card, verified=True
    )
    # ... but a card shared by unverified accounts stays the shared-payment signal
    assert org("a", payment_fingerprint=card, verified=False) != org(
        "b", payment_fingerprint=card, verified=False
    )
    assert org("a", org_id="o1", email_domain="vandelay.example") == "o1"
    # an account described only by its card is still its own party, not "unknown"
    only_card = AccountInfo("a", payment_fingerprint=card)
    assert organisation("a", only_card) != organisation(
        "b", AccountInfo("b", payment_fingerprint=card)
    )


def _cot(i: int, sys_key: int = 0, sys_tags: int = 0) -> Enriched:
    return _ex(i, tags=REASON | COT)._replace(sys_key=sys_key, sys_tags=sys_tags)


def test_one_client_build_with_reasoning_system_prompts_links_paraphrases() -> None:
    eng = Engine()
    for n in range(40):
        eng.observe_account(AccountInfo(f"x{n}", created_ts=T0 - 86400))
    # three accounts, three different system prompts that all demand reasoning traces
    for n, acct in enumerate(("a", "b", "c")):
        e = _cot(n, sys_key=7000 + n, sys_tags=COT)
        eng.observe(T0 + n, acct, e, ip=f"198.51.100.{n}", client_fingerprint="t13d_rare")
    # the same build with an ordinary system prompt is not linked by it
    e = _cot(9, sys_key=7100, sys_tags=0)
    eng.observe(T0 + 9, "d", e, ip="198.51.100.77", client_fingerprint="t13d_rare")
    assert _same_cluster(eng, "a", "b") and _same_cluster(eng, "b", "c")
    assert not _same_cluster(eng, "a", "d")


def test_pivot_to_a_newly_released_model_is_counted_only_after_the_first_day() -> None:
    eng = Engine()
    eng.observe(T0, "a", _ex(0), model="m-old")
    eng.observe(T0 + 60, "a", _ex(1), model="m-early")  # first seen on day one: not "new"
    eng.observe(T0 + 2 * 86400, "a", _ex(2), model="m-new")  # released on day three
    eng.observe(T0 + 2 * 86400 + 60, "a", _ex(3), model="m-old")
    eng.observe(T0 + 5 * 86400, "a", _ex(4), model="m-new")  # its window has passed
    s = eng.accounts["a"].stats
    assert (s.n_avail, s.n_new) == (2, 1)


def _phrase(i: int, suffix: int) -> Enriched:
    """An exchange whose first sentence is new and whose last one is ``suffix``."""
    return _ex(i, CODING)._replace(suffix_key=suffix)


def _linked_askers(policy_share: float | None) -> tuple[Engine, list[str]]:
    """Six customers of one reseller egress and forty unlinked people, all ending their
    prompts with the same everyday follow-up phrase."""
    from distillguard.detect.policy import Policy, load_policy

    policy = load_policy()
    if policy_share is not None:
        values = {k: dict(v) for k, v in policy.values.items()}
        values["cluster"]["pattern_own_share"] = policy_share
        policy = Policy(values)
    eng = Engine(policy)
    common = 77_777
    linked = [f"cust{i}" for i in range(6)]
    for i, acct in enumerate(linked):
        eng.observe_account(AccountInfo(acct, created_ts=T0 - 90 * 86400, org_id=f"org{i}"))
    n = 0
    for rnd in range(10):
        for acct in linked:
            n += 1
            eng.observe(
                T0 + n * 60,
                acct,
                _phrase(n, common),
                ip="203.0.113.5",
                client_fingerprint="t13d_sdk",
            )
        for j in range(40):
            n += 1
            ip = f"198.51.{j}.{rnd + 1}"
            eng.observe(
                T0 + n * 60, f"person{j}", _phrase(n, common), ip=ip, client_fingerprint=f"t13d_{j}"
            )
    return eng, linked


def test_a_phrase_the_whole_population_types_is_no_clusters_pattern() -> None:
    eng, linked = _linked_askers(None)
    cluster = eng.clusters[eng.linker.find(linked[0])]
    assert set(cluster.members) == set(linked)
    assert 77_777 not in eng._shared_pattern(cluster)[0][1]
    assert all(not eng.accounts[a].verdict.at_least(Verdict.THROTTLE) for a in linked)
    # the same stream with the rule off: the shared ending is taken for the cluster's script
    eng, linked = _linked_askers(0.0)
    cluster = eng.clusters[eng.linker.find(linked[0])]
    assert 77_777 in eng._shared_pattern(cluster)[0][1]


def _hydra_with_newcomer(
    newcomer_tags: int | list[int], *, in_burst: bool = True
) -> tuple[Engine, list]:
    """A convicted hydra of young accounts signed up in a burst behind one egress, then a
    newcomer who signs up from the same subnet in the middle of a replacement burst (or,
    with ``in_burst=False``, alone from elsewhere a day before) and sends one exchange per
    entry of ``newcomer_tags`` (six of ``newcomer_tags`` when it is one value)."""
    eng = Engine()
    egress = {"ip": "203.0.113.5", "client_fingerprint": "t13d_reseller"}
    hydra = [f"h{i}" for i in range(8)]
    for i, acct in enumerate(hydra):
        eng.observe_account(
            AccountInfo(acct, T0 + i * 30, signup_ip=f"203.0.113.{10 + i}", org_id=f"o{i}")
        )
    changes: list = []
    n = 0
    for _ in range(30):  # round the clock, chain-of-thought on reasoning tasks
        for acct in hydra:
            n += 1
            changes += eng.observe(T0 + 600 + n * 97, acct, _cot(n), **egress)
    cluster = eng.clusters[eng.linker.find(hydra[0])]
    assert cluster.convicted
    # a replacement burst: three more hydra accounts and the newcomer, within minutes
    t = T0 + 600 + n * 97 + 300
    if not in_burst:
        eng.observe_account(AccountInfo("newcomer", t - 86400, signup_ip="198.51.100.9"))
    for i, acct in enumerate(("h8", "h9", "h10", "newcomer")[: 4 if in_burst else 3]):
        eng.observe_account(
            AccountInfo(acct, t + i * 20, signup_ip=f"203.0.113.{40 + i}", org_id=f"p{i}")
        )
    tags = [newcomer_tags] * 6 if isinstance(newcomer_tags, int) else newcomer_tags
    for k, tag in enumerate(tags):
        n += 1
        e = _cot(n) if tag == REASON | COT else _ex(n, tag)
        changes += eng.observe(t + 200 + k * 1800, "newcomer", e, **egress)
    return eng, [c for c in changes if c.account_id == "newcomer"]


def test_a_burst_sign_up_is_throttled_at_once_and_released_when_its_requests_differ() -> None:
    from distillguard.detect.enrich import CHAT

    eng, changes = _hydra_with_newcomer(CHAT)
    # throttled on its first exchange, on the burst alone (provisionally) ...
    assert changes[0].verdict == Verdict.THROTTLE and changes[0].reasons[-1] == "burst_signup"
    # ... and released once three of its own requests read like ordinary chat
    assert changes[-1].verdict == Verdict.ALLOW
    assert not eng.accounts["newcomer"].verdict.at_least(Verdict.THROTTLE)
    assert eng.accounts["newcomer"].flagged_ts is not None  # the throttle is on the record


def test_a_burst_sign_up_whose_requests_read_like_the_core_stays_convicted() -> None:
    eng, changes = _hydra_with_newcomer(REASON | COT)
    assert changes[0].verdict.at_least(Verdict.THROTTLE)
    assert eng.accounts["newcomer"].verdict.at_least(Verdict.THROTTLE)
    assert "burst_signup" not in eng.accounts["newcomer"].reasons


def test_a_burst_sign_up_is_provisional_even_when_its_first_requests_read_like_the_core() -> None:
    from distillguard.detect.enrich import CHAT

    # its first request reads like the core's, its next ones like ordinary chat
    eng, changes = _hydra_with_newcomer([REASON | COT] + [CHAT] * 6)
    assert changes[0].verdict == Verdict.THROTTLE and changes[0].reasons[-1] == "burst_signup"
    assert not eng.accounts["newcomer"].verdict.at_least(Verdict.THROTTLE)


def test_a_new_customer_who_asks_for_steps_now_and_then_is_not_convicted_with_a_hydra() -> None:
    from distillguard.detect.enrich import CHAT

    cot, chat = REASON | COT, CHAT
    eng, _ = _hydra_with_newcomer([cot, chat, cot, chat, cot], in_burst=False)
    newcomer = eng.accounts["newcomer"]
    assert newcomer.stats.n_cot == 3
    cluster = eng.clusters[eng.linker.find("newcomer")]
    assert "newcomer" in cluster.members and cluster.convicted
    assert eng._matches(newcomer, cluster) is None
    assert not newcomer.verdict.at_least(Verdict.THROTTLE)
    # one that asks for them every time is
    eng, _ = _hydra_with_newcomer([cot] * 8, in_burst=False)
    assert eng.accounts["newcomer"].verdict.at_least(Verdict.THROTTLE)


def test_an_account_that_starts_sessions_all_day_is_not_synchronized_with_everyone() -> None:
    # an app back-end opening a session every 11 minutes for three days meets a person who
    # starts 30 sessions over the same days 3 times within seconds, as chance would have it;
    # a scripted pair starts 3 sessions each, always together
    hub = [T0 + i * 660.0 for i in range(3 * 24 * 6)]
    person = [hub[14 * i + 7] + (2.0 if i < 3 else 300.0) for i in range(30)]
    events = [(t, "hub") for t in hub] + [(t, "person") for t in person]
    events += [(T0 + 86400 * d + 5000.0, "bot1") for d in range(3)]
    events += [(T0 + 86400 * d + 5001.5, "bot2") for d in range(3)]
    eng = Engine()
    for n, (t, acct) in enumerate(sorted(events)):
        eng.observe(t, acct, _ex(n))
    assert eng._pairs[("hub", "person")] == 3
    assert not _same_cluster(eng, "hub", "person")
    assert _same_cluster(eng, "bot1", "bot2")


def _coding_accounts(eng: Engine, names: list[str], n: int = 60, **link: str) -> None:
    """``names`` each send ``n`` plain coding questions (no reasoning trace asked for)."""
    i = 0
    for k in range(n):
        for acct in names:
            eng.observe(T0 + 600 * k + i % 97, acct, _ex(10_000 + i, CODING), **link)
            i += 1


def test_accounts_tied_by_shared_cards_harvesting_code_are_convicted_without_any_trace() -> None:
    eng = Engine()
    tied = [f"t{i}" for i in range(8)]
    for i, acct in enumerate(tied):
        card = f"card{i % 2}"  # two cards, each paying for four organisations' accounts
        eng.observe_account(
            AccountInfo(acct, created_ts=T0 - 3600, org_id=f"org{i}", payment_fingerprint=card)
        )
    _coding_accounts(eng, tied)
    flagged = [a for a in tied if eng.accounts[a].verdict.at_least(Verdict.THROTTLE)]
    assert flagged == tied
    assert "capability_harvest" in eng.accounts["t0"].reasons


def test_customers_of_one_egress_asking_for_code_are_not_convicted_for_it() -> None:
    eng = Engine()
    customers = [f"c{i}" for i in range(8)]
    for i, acct in enumerate(customers):
        eng.observe_account(
            AccountInfo(
                acct, created_ts=T0 - 90 * 86400, org_id=f"org{i}", payment_fingerprint=f"p{i}"
            )
        )
    _coding_accounts(eng, customers, ip="203.0.113.5", client_fingerprint="t13d_reseller")
    assert _same_cluster(eng, "c0", "c7")
    assert not any(eng.accounts[a].verdict.at_least(Verdict.THROTTLE) for a in customers)


def _cohort(infos: list[AccountInfo]) -> Engine:
    """Accounts signed up together on one campus network, asking for step-by-step
    reasoning round the clock through one egress: a hydra's shape, if they are strangers."""
    eng = Engine()
    for info in infos:
        eng.observe_account(info)
    egress = {"ip": "203.0.113.5", "client_fingerprint": "t13d_course_notebook"}
    n = 0
    for _ in range(30):
        for info in infos:
            n += 1
            eng.observe(T0 + 600 + n * 97, info.account_id, _cot(n), **egress)
    return eng


def test_a_cohort_of_one_verified_organisation_is_not_convicted_as_coordination() -> None:
    signup = {"created_ts": T0, "signup_ip": "192.0.2.10"}
    uni = [
        AccountInfo(f"s{i}", org_id="uni", verified=True, email_domain="student.uni.edu", **signup)  # type: ignore[arg-type]
        for i in range(6)
    ]
    # one student gave the university's domain but no org_id; one gave nothing at all
    strays = [
        AccountInfo("domain_only", email_domain="student.uni.edu", **signup),  # type: ignore[arg-type]
        AccountInfo("bare", **signup),  # type: ignore[arg-type]
    ]
    eng = _cohort(uni + strays)
    assert eng._org("domain_only") == "uni"  # the domain resolves to its organisation
    assert eng._parties([i.account_id for i in uni + strays]) == 1
    assert not any(eng.accounts[i.account_id].verdict.at_least(Verdict.THROTTLE) for i in uni)
    # the same stream from eight unrelated organisations is a coordinated harvest
    strangers = [AccountInfo(f"h{i}", org_id=f"o{i}", **signup) for i in range(8)]  # type: ignore[arg-type]
    eng = _cohort(strangers)
    assert all(eng.accounts[i.account_id].verdict.at_least(Verdict.THROTTLE) for i in strangers)
    # an unvetted organisation holding most of the core does not shield it
    posing = [AccountInfo(f"p{i}", org_id="front", **signup) for i in range(5)]  # type: ignore[arg-type]
    posing += [AccountInfo(f"q{i}", org_id=f"o{i}", **signup) for i in range(3)]  # type: ignore[arg-type]
    eng = _cohort(posing)
    assert all(eng.accounts[i.account_id].verdict.at_least(Verdict.THROTTLE) for i in posing)


def test_aged_verified_accounts_are_convicted_only_on_requests_far_beyond_chance() -> None:
    from distillguard.detect.enrich import CHAT

    aged = {"created_ts": T0 - 90 * 86400, "verified": True}
    bought = [AccountInfo(f"v{i}", org_id=f"o{i}", **aged) for i in range(5)]  # type: ignore[arg-type]
    fresh = [AccountInfo(f"y{i}", created_ts=T0, org_id=f"y{i}") for i in range(3)]
    # every request of every account follows the campaign's pattern; three of its accounts
    # were put to work the day they signed up
    eng = _cohort(bought + fresh)
    assert all(eng.accounts[i.account_id].verdict.at_least(Verdict.THROTTLE) for i in bought)
    # several companies' aged, verified accounts alike beyond chance, with nothing of a
    # campaign's structure beside them (no young accounts, no shared cards): no conviction
    alike = [AccountInfo(f"b{i}", org_id=f"o{i}", **aged) for i in range(8)]  # type: ignore[arg-type]
    eng = _cohort(alike)
    assert not any(eng.accounts[i.account_id].verdict.at_least(Verdict.THROTTLE) for i in alike)
    # a verified customer of long standing on the same egress, asking for steps now and then
    eng = _cohort(bought + fresh)
    eng.observe_account(AccountInfo("customer", org_id="oc", **aged))  # type: ignore[arg-type]
    egress = {"ip": "203.0.113.5", "client_fingerprint": "t13d_course_notebook"}
    for k, tag in enumerate([REASON | COT, CHAT, CHAT, REASON | COT, CHAT, CHAT]):
        e = _cot(9000 + k) if tag & COT else _ex(9000 + k, tag)
        eng.observe(T0 + 600 + 300 * 97 + k * 3600, "customer", e, **egress)
    cluster = eng.clusters[eng.linker.find("customer")]
    assert "customer" in cluster.members and cluster.convicted
    assert not eng.accounts["customer"].verdict.at_least(Verdict.THROTTLE)


def test_a_hydra_that_is_a_minority_of_its_resellers_customers_is_still_convicted() -> None:
    from distillguard.detect.enrich import CHAT

    eng = Engine()
    egress = {"ip": "203.0.113.5", "client_fingerprint": "t13d_reseller"}
    customers = [f"c{i}" for i in range(24)]
    for i, acct in enumerate(customers):  # a reseller's long-standing customers
        eng.observe_account(AccountInfo(acct, T0 - 200 * 86400 + i * 7919, org_id=f"c{i}"))
    hydra = [f"h{i}" for i in range(6)]  # signed up together, put to work at once
    for i, acct in enumerate(hydra):
        eng.observe_account(
            AccountInfo(acct, T0 + i * 30, signup_ip=f"198.51.100.{10 + i}", org_id=f"o{i}")
        )
    n = 0
    for _ in range(30):
        for acct in hydra:
            n += 1
            eng.observe(T0 + 600 + n * 97, acct, _cot(n), **egress)
        for acct in customers:
            n += 1
            eng.observe(T0 + 600 + n * 97, acct, _ex(n, CHAT), **egress)
    cluster = eng.clusters[eng.linker.find("h0")]
    assert set(customers) <= set(cluster.members)  # the egress links them all
    assert cluster.convicted  # a core of 6 among 30 active accounts
    assert all(eng.accounts[a].verdict.at_least(Verdict.THROTTLE) for a in hydra)
    assert not any(eng.accounts[a].verdict.at_least(Verdict.THROTTLE) for a in customers)


def test_a_platform_paying_for_its_tenants_accounts_is_one_customer() -> None:
    eng = Engine()
    tenants = [f"t{i}" for i in range(8)]
    for i, acct in enumerate(tenants):
        # one account and one org per tenant, all opened by the SaaS's staff on its card
        eng.observe_account(
            AccountInfo(
                acct,
                created_ts=T0 - 200 * 86400,
                org_id=f"tenant{i}",
                verified=True,
                email_domain="supportsaas.example",
                payment_fingerprint="saas_card",
            )
        )
    _coding_accounts(eng, tenants)
    assert eng._parties(tenants) == 1
    assert not any(eng.accounts[a].verdict.at_least(Verdict.THROTTLE) for a in tenants)
    # unverified accounts of eight organisations on one card are no such customer
    eng = Engine()
    for i, acct in enumerate(tenants):
        eng.observe_account(
            AccountInfo(
                acct,
                created_ts=T0 - 3600,
                org_id=f"org{i}",
                email_domain="supportsaas.example",
                payment_fingerprint="shared_card",
            )
        )
    _coding_accounts(eng, tenants)
    assert all(eng.accounts[a].verdict.at_least(Verdict.THROTTLE) for a in tenants)


def test_accounts_vetted_one_by_one_and_paying_apart_are_not_one_domain_customer() -> None:
    """A custom e-mail domain makes its accounts one organisation only when nothing says
    they are individuals: anyone can register a domain for forty accounts."""

    def parties(verified: bool, card: str | None, known_org: bool = False) -> int:
        eng = Engine()
        if known_org:  # the operator knows an organisation for the domain
            eng.observe_account(AccountInfo("staff", org_id="acme", email_domain="acme.example"))
        names = [f"a{i}" for i in range(5)]
        for i, acct in enumerate(names):
            eng.observe_account(
                AccountInfo(
                    acct,
                    created_ts=T0 - 3600 + i,
                    verified=verified,
                    email_domain="acme.example",
                    payment_fingerprint=card or f"own{i}" if card != "none" else None,
                )
            )
        return eng._parties(names)

    assert parties(verified=True, card=None) == 5  # vetted one by one, each its own card
    assert parties(verified=True, card="company") == 1  # one payer: one customer
    assert parties(verified=True, card="none") == 1  # a cohort on the free tier
    assert parties(verified=False, card=None) == 1  # nobody vetted them: the domain decides
    assert parties(verified=True, card=None, known_org=True) == 1  # the domain's organisation


def _course(names: list[str], client: str, ips: list[str]) -> Engine:
    """Learners of one course asking for steps through its notebook's system prompt."""
    eng = Engine()
    for n in range(1000):  # the platform's other accounts, some on the same popular client
        eng.observe_account(AccountInfo(f"other{n}", created_ts=T0 - 86400, org_id=f"x{n}"))
        if n < 20:
            browser = "t13d_popular_browser"
            eng.observe(T0 + n, f"other{n}", _ex(n), ip=f"192.0.2.{n}", client_fingerprint=browser)
    for i, acct in enumerate(names):
        eng.observe_account(AccountInfo(acct, created_ts=T0 - 3600, org_id=f"learner{i}"))
    k = 0
    for _ in range(20):
        for i, acct in enumerate(names):
            k += 1
            e = _cot(k, sys_key=4242, sys_tags=COT)
            eng.observe(T0 + 600 + 97 * k, acct, e, ip=ips[i], client_fingerprint=client)
    return eng


def test_accounts_joined_only_by_a_system_prompt_share_no_infrastructure() -> None:
    learners = [f"l{i}" for i in range(8)]
    homes = [f"198.51.100.{10 + i}" for i in range(8)]  # each on their own network
    eng = _course(learners, "t13d_popular_browser", homes)
    assert _same_cluster(eng, "l0", "l7")  # linked by the course's system prompt
    assert eng._structure(learners) == 0.0
    assert not any(eng.accounts[a].verdict.at_least(Verdict.THROTTLE) for a in learners)
    # the same requests from one operator's own client build are a campaign
    eng = _course(learners, "t13d_operator_build", homes)
    assert eng._structure(learners) == 1.0
    assert all(eng.accounts[a].verdict.at_least(Verdict.THROTTLE) for a in learners)


def test_a_tied_harvest_without_a_trace_needs_one_setup_across_its_accounts() -> None:
    def burst(apps: bool) -> Engine:
        eng = Engine()
        names = [f"h{i}" for i in range(8)]
        for i, acct in enumerate(names):  # signed up within minutes from one venue's subnet
            eng.observe_account(
                AccountInfo(acct, created_ts=T0 + 60 * i, org_id=f"o{i}", signup_ip="192.0.2.7")
            )
        k = 0
        for _ in range(60):
            for i, acct in enumerate(names):
                k += 1
                # a team's own app prompt (SimHashes far apart), or one operator's none
                sim = (0x5DEECE66D * (i + 1)) ** 3 % (1 << 64) if apps else 0
                # the same closing sentence on every request (a template, or a shared kit)
                e = _ex(20_000 + k, CODING)._replace(sys_key=sim, sys_sim=sim, suffix_key=777)
                eng.observe(T0 + 3600 + 60 * k, acct, e, ip=f"198.51.100.{i}")
        return eng

    operator = burst(apps=False)
    names = [f"h{i}" for i in range(8)]
    assert operator._setup_share(names) == 1.0
    assert all(operator.accounts[a].verdict.at_least(Verdict.THROTTLE) for a in names)
    teams = burst(apps=True)
    assert teams._setup_share(names) == 1 / 8
    assert not any(teams.accounts[a].verdict.at_least(Verdict.THROTTLE) for a in names)


def test_accounts_of_one_egress_asking_for_training_data_are_convicted_chat_is_not() -> None:
    from distillguard.detect.enrich import CHAT, DATAGEN

    def egress(tags: int) -> Engine:
        eng = Engine()
        for i in range(6):  # aged accounts of six organisations behind one egress and client
            eng.observe_account(AccountInfo(f"a{i}", created_ts=T0 - 90 * 86400, org_id=f"o{i}"))
        k = 0
        for step in range(60):
            for i in range(6):
                eng.observe(
                    T0 + 900 * step + 37 * i,
                    f"a{i}",
                    _ex(20_000 + k, tags),
                    ip="198.51.100.40",
                    client_fingerprint="t13d_one_build",
                )
                k += 1
        return eng

    asks = egress(CHAT | DATAGEN)
    flagged = [a for a in asks.accounts if asks.accounts[a].verdict.at_least(Verdict.THROTTLE)]
    assert len(flagged) == 6
    assert "datagen" in asks.accounts["a0"].reasons
    chats = egress(CHAT)
    assert not any(a.verdict.at_least(Verdict.THROTTLE) for a in chats.accounts.values())


def _agent_platform(
    eng: Engine, others: list[str], others_t0: float, standing: bool, *, t0: float, step_s: float
) -> list[str]:
    """Six tenants of an agent platform (each its own organisation and card) working through
    its egress and a popular SDK build, after ``others`` on the same build; the tenants."""
    from distillguard.detect.enrich import CHAT, TOOL

    tenants = [f"t{i}" for i in range(6)]
    for i, acct in enumerate(tenants):
        eng.observe_account(
            AccountInfo(
                acct, created_ts=T0 - 90 * 86400, org_id=f"o{i}", payment_fingerprint=f"p{i}"
            )
        )
    for n, acct in enumerate(others):  # other customers on the same popular SDK
        eng.observe(
            others_t0 + 60 * n,
            acct,
            _ex(90_000 + n, CHAT),
            ip=f"203.0.113.{n + 1}",
            client_fingerprint="t13d_popular_sdk",
        )
    k = 0
    for step in range(60):
        for i, acct in enumerate(tenants):
            e = _ex(30_000 + k, TOOL | CODING | COT)
            if standing:  # the platform's agent prompt asks for the steps, on every call
                e = e._replace(sys_key=77, sys_sim=77, sys_tags=COT, depth=4)
            eng.observe(
                t0 + step_s * step + 7 * i,
                acct,
                e,
                ip="198.51.100.40",  # the platform's egress
                client_fingerprint="t13d_popular_sdk",
            )
            k += 1
    return tenants


def test_tenants_of_an_agent_platform_are_not_tied_by_its_egress_and_prompt() -> None:
    def flagged(standing: bool) -> list[str]:
        eng = Engine()
        others = [f"other{n}" for n in range(30)]
        _agent_platform(eng, others, T0 - 3600, standing, t0=T0, step_s=900)
        return [a for a in eng.accounts if eng.accounts[a].verdict.at_least(Verdict.THROTTLE)]

    # the steps asked for by the platform's own prompt, through its own egress: one
    # product's customers, not one operator's accounts
    assert flagged(standing=True) == []
    # the same customers asking for the steps themselves, in their own requests: the egress
    # is a tie again (a hydra hiding among a reseller's customers)
    assert len(flagged(standing=False)) == 6


def test_a_popular_build_is_no_ones_own_at_the_start_of_a_log() -> None:
    """Minutes into a log few of the registered accounts have sent anything, so the most
    popular SDK build looks rare beside all of them; beside the active ones it does not."""
    eng = Engine()
    for n in range(2000):  # the platform's registered accounts, nearly all quiet so far
        eng.observe_account(AccountInfo(f"r{n}", created_ts=T0 - 200 * 86400, org_id=f"r{n}"))
    first = [f"r{n}" for n in range(14)]  # the first other accounts of the log
    tenants = _agent_platform(eng, first, T0, True, t0=T0 + 900, step_s=60)
    # 20 accounts use the build: fewer than 1.5 % of the 2,006 registered, but all of the
    # 20 active ones; the tenants share the platform's things, not an operator's
    assert not any(eng.accounts[t].verdict.at_least(Verdict.THROTTLE) for t in tenants)


def test_a_card_pool_ties_a_harvest_whatever_system_prompts_its_accounts_vary() -> None:
    def pool(paid_by_pool: bool) -> Engine:
        eng = Engine()
        names = [f"v{i}" for i in range(8)]
        for i, acct in enumerate(names):  # aged accounts of eight organisations
            card = f"pool{i % 2}" if paid_by_pool else f"own{i}"
            eng.observe_account(
                AccountInfo(
                    acct, created_ts=T0 - 60 * 86400, org_id=f"o{i}", payment_fingerprint=card
                )
            )
        k = 0
        for _ in range(60):
            for i, acct in enumerate(names):
                k += 1
                # a different system prompt on every account (SimHashes far apart)
                sim = (0x5DEECE66D * (i + 1)) ** 3 % (1 << 64)
                e = _ex(40_000 + k, CODING)._replace(sys_key=sim, sys_sim=sim, suffix_key=778)
                eng.observe(T0 + 60 * k, acct, e, ip=f"198.51.100.{i}")
        return eng

    names = [f"v{i}" for i in range(8)]
    harvest = pool(paid_by_pool=True)
    assert harvest._setup_share(names) == 1 / 8
    assert all(harvest.accounts[a].verdict.at_least(Verdict.THROTTLE) for a in names)
    assert "capability_harvest" in harvest.accounts["v0"].reasons
    # without the card pool nothing ties them: eight customers coding with their own apps
    customers = pool(paid_by_pool=False)
    assert not any(customers.accounts[a].verdict.at_least(Verdict.THROTTLE) for a in names)
