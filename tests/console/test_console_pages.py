"""The console over real HTTP: every page and its /api mirror, escaping, errors, headers."""

from __future__ import annotations

import re
from urllib.parse import quote

import duckdb

FLAGGED = ("throttle", "block")


def test_overview_counts_match_the_store_and_results(console, world, flagged, http):
    page = http(console.url + "/")
    assert page.status == 200
    api = http(console.url + "/api/overview").json()
    con = duckdb.connect(str(world.db), read_only=True)
    try:
        n = con.execute("SELECT count(*) FROM exchanges").fetchone()[0]
    finally:
        con.close()
    assert api["exchanges"] == n
    assert api["flagged_accounts"] == len(flagged) > 0
    assert sum(d["exchanges"] for d in api["per_day"]) == n
    assert api["campaigns"]["total"] >= 1
    assert f"{n:,}" in page.text
    assert "<svg" in page.text and 'role="img"' in page.text
    assert "Exchanges per day" in page.text


def test_clusters_list_shows_the_convicted_campaign_with_evidence(console, world, http):
    api = http(console.url + "/api/clusters").json()
    scores = [c["score"] for c in api["items"]]
    assert scores == sorted(scores, reverse=True)
    ours = [c for c in api["items"] if c["n_accounts"] >= len(world.campaign) // 2]
    convicted = [c for c in ours if c["verdict"] in FLAGGED]
    assert convicted, "the hand-made campaign should be a flagged cluster"
    cid = convicted[0]["cluster_id"]
    assert any("accounts share" in line for line in convicted[0]["links"])
    page = http(console.url + "/clusters")
    assert page.status == 200
    assert cid in page.text
    assert "accounts share" in page.text
    assert re.search(r'class="badge v-(block|throttle)"', page.text)
    only_flagged = http(console.url + "/api/clusters?verdict=flagged").json()
    assert {c["verdict"] for c in only_flagged["items"]} <= set(FLAGGED)


def _campaign_cluster(console, world, http) -> str:
    aid = world.campaign[1]
    account = http(console.url + f"/api/accounts/{aid}").json()
    assert account["result"]["cluster_id"], "campaign accounts should be linked"
    return account["result"]["cluster_id"]


def test_cluster_page_lists_members_timeline_and_evidence(console, world, http):
    cid = _campaign_cluster(console, world, http)
    api = http(console.url + f"/api/clusters/{cid}").json()
    members = {m["account_id"] for m in api["members"]}
    assert set(world.campaign) <= members
    assert all(m["exchanges"] > 0 for m in api["members"])
    assert set(api["timeline"]["members"]) <= members
    page = http(console.url + f"/clusters/{cid}")
    assert page.status == 200
    for aid in world.campaign:
        assert f"/accounts/{aid}" in page.text
    assert "Member timeline" in page.text and "<svg" in page.text
    for line in api["evidence"] + api["links"]:
        assert line.replace("&", "&amp;") in page.text


def test_accounts_list_filters_searches_and_pages(console, world, flagged, http):
    api = http(console.url + "/api/accounts?verdict=flagged").json()
    assert api["total"] == len(flagged)
    assert {a["account_id"] for a in api["items"]} == set(flagged)
    block = http(console.url + "/api/accounts?verdict=block").json()
    assert all(a["verdict"] == "block" for a in block["items"])
    found = http(console.url + "/api/accounts?q=CONS_ATT").json()
    assert {a["account_id"] for a in found["items"]} == set(world.campaign)
    everyone = http(console.url + "/api/accounts").json()
    assert everyone["pages"] >= 2, "the world should need more than one page"
    page2 = http(console.url + "/api/accounts?page=2").json()
    assert not {a["account_id"] for a in page2["items"]} & {
        a["account_id"] for a in everyone["items"]
    }
    assert len(everyone["items"]) == everyone["page_size"]
    html = http(console.url + "/accounts?verdict=flagged&q=cons")
    assert html.status == 200
    for aid in world.campaign:
        if aid in flagged:
            assert aid in html.text
    assert 'rel="next"' in http(console.url + "/accounts").text


def test_account_page_shows_verdict_evidence_activity_and_prompts(console, world, flagged, http):
    aid = next(a for a in world.campaign if a in flagged)
    api = http(console.url + f"/api/accounts/{aid}").json()
    assert api["result"]["verdict"] in FLAGGED
    assert api["result"]["first_flagged_at"] == flagged[aid]["first_flagged_at"]
    assert api["metadata"]["payment_fingerprint"] == "pm_console_shared_card"
    assert api["activity"]["exchanges"] == 70 == sum(api["activity"]["hourly"])
    assert 0 < api["activity"]["withheld_after_flag"] <= 70
    assert api["capabilities"]["cot"] > 0.9
    assert 0 < len(api["recent_exchanges"]) <= 25
    assert api["recent_exchanges"][0]["prompt"].startswith("Solve the following problem")
    page = http(console.url + f"/accounts/{aid}")
    assert page.status == 200
    assert "First flagged" in page.text and "Capability mix" in page.text
    assert "Solve the following problem" in page.text
    for line in api["result"]["evidence"]:
        assert line.replace("&", "&amp;") in page.text


def test_prompts_are_html_escaped(console, world, http):
    page = http(console.url + f"/accounts/{world.xss_account}")
    assert page.status == 200
    assert "dg-xss" in page.text
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(" in page.text
    assert "&lt;b&gt;this&lt;/b&gt;" in page.text
    api = http(console.url + f"/api/accounts/{world.xss_account}").json()
    assert api["recent_exchanges"][0]["prompt"] == world.xss_prompt


def test_unknown_ids_are_404_in_html_and_json(console, http):
    for path in ("/clusters/c_nope", "/accounts/acct_nope", "/no/such/page"):
        page = http(console.url + path)
        assert page.status == 404
        assert "Not found" in page.text
    for path in ("/api/clusters/c_nope", "/api/accounts/acct_nope"):
        res = http(console.url + path)
        assert res.status == 404
        err = res.json()["error"]
        assert err["type"] == "not_found_error" and "nope" in err["message"]


def test_bad_parameters_are_400_not_tracebacks(console, http):
    for query in ("page=abc", "page=0", "verdict=banana", "sort=evil", "q=" + "x" * 300):
        res = http(console.url + "/api/accounts?" + query)
        assert res.status == 400, query
        assert res.json()["error"]["type"] == "invalid_request_error"
        assert "Traceback" not in http(console.url + "/accounts?" + query).text


def test_evaluation_and_audit_pages(console, world, http):
    ev = http(console.url + "/api/eval").json()
    assert "console-cot" in ev["campaigns"]
    page = http(console.url + "/eval")
    assert page.status == 200 and "console-cot" in page.text and "Precision" in page.text
    assert "Released" in page.text  # legit accounts throttled for a while, then released
    audit = http(console.url + "/api/audit").json()
    assert any(
        e["action"] == "override.set" and e["target"] == world.campaign[0] for e in audit["items"]
    )
    filtered = http(console.url + f"/api/audit?target={quote(world.campaign[0])}").json()
    assert filtered["items"] and {e["target"] for e in filtered["items"]} == {world.campaign[0]}
    html = http(console.url + "/audit")
    assert html.status == 200 and "override.set" in html.text
    account = http(console.url + f"/api/accounts/{world.campaign[0]}").json()
    assert account["live"]["override"]["verdict"] == "block"
    assert (
        "shared card with a banned cluster"
        in http(console.url + f"/accounts/{world.campaign[0]}").text
    )


def test_security_headers_and_no_scripts(console, http):
    res = http(console.url + "/")
    csp = res.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert res.headers["x-content-type-options"] == "nosniff"
    assert res.headers["cache-control"] == "no-store"
    assert "<script" not in res.text
    css = http(console.url + "/static/console.css")
    assert css.status == 200 and "text/css" in css.headers["content-type"]


def test_odd_account_ids_are_escaped_and_linked_safely(console, world, http):
    page = http(console.url + "/accounts?q=" + quote("team/"))
    assert page.status == 200
    assert "&lt;b&gt;7&lt;/b&gt;" in page.text and "<b>7</b>" not in page.text
    href = "/accounts/" + quote(world.odd_account, safe="")
    assert f'href="{href}"' in page.text
    target = http(console.url + href)
    assert target.status == 200 and "What is a good name for a cat?" in target.text
    api = http(console.url + "/api" + href).json()
    assert api["account_id"] == world.odd_account


def test_capability_mix_matches_detects_enrichment_table(console, world, http):
    aid = world.campaign[2]
    api = http(console.url + f"/api/accounts/{aid}").json()
    assert api["capability_sample"] == api["activity"]["exchanges"] == 70
    con = duckdb.connect(str(world.db), read_only=True)
    try:
        tags = [
            r[0]
            for r in con.execute(
                "SELECT e.tags FROM exchanges x JOIN enrichment e ON x.id = e.id "
                "WHERE x.account_id = ?",
                [aid],
            ).fetchall()
        ]
    finally:
        con.close()
    from distillguard.detect.enrich import TAGS

    expected = {
        name: round(sum(1 for t in tags if t >> i & 1) / len(tags), 3)
        for i, name in enumerate(TAGS)
    }
    assert api["capabilities"] == expected


def test_the_console_never_writes_the_store_or_the_state(world, http):
    import hashlib

    from distillguard.console import serve_in_thread

    def digest(path):
        return hashlib.sha256(path.read_bytes()).hexdigest()

    before = (digest(world.db), digest(world.state))
    server = serve_in_thread(world.db, world.results, state=world.state)
    try:
        for path in ("/", "/clusters", "/accounts", f"/accounts/{world.campaign[0]}", "/audit"):
            assert http(server.url + path).status == 200
    finally:
        server.stop()
    assert (digest(world.db), digest(world.state)) == before
