"""Who may see the console: the token gate, the login form, the bind rule, CLI errors."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from distillguard.cli import main
from distillguard.console import check_binding
from distillguard.errors import ConfigError


def test_api_needs_the_bearer_token(locked_console, world, http):
    url = locked_console.url + "/api/overview"
    res = http(url)
    assert res.status == 401
    assert res.json()["error"]["type"] == "authentication_error"
    assert res.headers["www-authenticate"] == "Bearer"
    assert http(url, headers={"Authorization": "Bearer wrong-token-wrong-token"}).status == 401
    ok = http(url, headers={"Authorization": f"Bearer {world.token}"})
    assert ok.status == 200 and ok.json()["exchanges"] > 0


def test_pages_redirect_to_login_and_the_cookie_opens_them(locked_console, world, http):
    aid = world.campaign[0]
    res = http(locked_console.url + f"/accounts/{aid}")
    assert res.status == 303
    assert res.headers["location"].startswith("/login?next=")
    assert "Solve the following" not in res.text
    form = http(locked_console.url + "/login")
    assert form.status == 200 and 'type="password"' in form.text
    bad = http(
        locked_console.url + "/login",
        data=urlencode({"token": "nope", "next": f"/accounts/{aid}"}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert bad.status == 401 and "not right" in bad.text
    assert "set-cookie" not in bad.headers
    good = http(
        locked_console.url + "/login",
        data=urlencode({"token": world.token, "next": f"/accounts/{aid}"}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert good.status == 303 and good.headers["location"] == f"/accounts/{aid}"
    cookie = good.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert world.token not in cookie, "the cookie must not carry the token itself"
    session = cookie.split(";", 1)[0]
    page = http(locked_console.url + f"/accounts/{aid}", headers={"Cookie": session})
    assert page.status == 200 and aid in page.text
    forged = http(locked_console.url + f"/accounts/{aid}", headers={"Cookie": "dg_console=x"})
    assert forged.status == 303


def test_login_never_redirects_off_site(locked_console, world, http):
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        res = http(
            locked_console.url + "/login",
            data=urlencode({"token": world.token, "next": target}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert res.status == 303 and res.headers["location"] == "/"


def test_the_stylesheet_is_public_but_nothing_else(locked_console, http):
    assert http(locked_console.url + "/static/console.css").status == 200
    for path in ("/", "/clusters", "/accounts", "/eval", "/api/accounts"):
        assert http(locked_console.url + path).status in (303, 401), path


def test_binding_beyond_loopback_needs_a_token():
    check_binding("127.0.0.1", None)
    check_binding("::1", None)
    check_binding("localhost", None)
    with pytest.raises(ConfigError, match="token"):
        check_binding("0.0.0.0", None)
    check_binding("0.0.0.0", "a-long-enough-token-value")


def test_cli_errors_are_one_line(world, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DISTILLGUARD_CONSOLE_TOKEN", raising=False)
    cases = [
        ["--db", str(tmp_path / "missing.duckdb"), "--results", str(world.results)],
        ["--db", str(world.db), "--results", str(tmp_path / "no-results")],
        ["--db", str(world.db), "--results", str(world.results), "--state", str(tmp_path / "x")],
        ["--db", str(world.db), "--results", str(world.results), "--host", "0.0.0.0"],
        ["--db", str(world.db), "--results", str(world.results), "--token", "short"],
    ]
    for argv in cases:
        assert main(["console", *argv, "--port", "0"]) == 1, argv
        err = capsys.readouterr().err
        assert err.startswith("distillguard console: error: "), err
        assert err.count("\n") == 1 and "Traceback" not in err


def test_cli_rejects_a_results_folder_without_the_csv_files(world, tmp_path, capsys):
    (tmp_path / "accounts.csv").write_text("who,what\n", encoding="utf-8")
    assert main(["console", "--db", str(world.db), "--results", str(tmp_path), "--port", "0"]) == 1
    assert "accounts.csv" in capsys.readouterr().err
