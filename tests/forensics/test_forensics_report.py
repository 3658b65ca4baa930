"""Case reports: figures cross-checked against SQL, both formats, escaping, custody."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from distillguard.cli import main
from distillguard.forensics._doc import render_html, render_markdown
from distillguard.forensics.report import ReportInputs, build_report


def _report(case, out: Path, *extra: str) -> str:
    argv = ["report", "--db", str(case.db), "--results", str(case.results), "--out", str(out)]
    assert main(argv + list(extra)) == 0
    return out.read_text(encoding="utf-8")


def _row(md: str, label: str) -> str:
    m = re.search(rf"^\| {re.escape(label)} \| (.*) \|$", md, re.M)
    assert m, f"no row {label!r}"
    return m.group(1)


@pytest.fixture(scope="module")
def cluster_md(case, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("rep") / "case.md"
    return _report(case, out, "--cluster", case.cluster, "--state", str(case.state),
                   "--trace", str(case.trace))  # fmt: skip


def test_summary_counts_match_sql(case, cluster_md: str) -> None:
    con = duckdb.connect(str(case.db), read_only=True)
    try:
        ids = case.members
        n, first = con.execute(
            "SELECT count(*), min(ts) FROM exchanges WHERE list_contains(?, account_id)", [ids]
        ).fetchone()
        flagged = {}
        held = {}  # still flagged at the end: a lifted provisional throttle claims nothing
        import csv

        with (case.results / "accounts.csv").open(newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                if r["account_id"] in ids and r["first_flagged_at"]:
                    flagged[r["account_id"]] = r["first_flagged_at"]
                    if r["verdict"] in ("throttle", "block"):
                        held[r["account_id"]] = r["first_flagged_at"]
        withheld = 0
        for acct, ff in held.items():
            ts = datetime.fromisoformat(ff.replace("Z", "+00:00")).replace(tzinfo=None)
            withheld += con.execute(
                "SELECT count(*) FROM exchanges WHERE account_id = ? AND ts >= ?", [acct, ts]
            ).fetchone()[0]
        pay = con.execute(
            "SELECT payment_fingerprint, count(*) FROM accounts WHERE list_contains(?, account_id)"
            " AND payment_fingerprint IS NOT NULL GROUP BY 1 HAVING count(*) >= 2",
            [ids],
        ).fetchall()
    finally:
        con.close()
    assert _row(cluster_md, "accounts in the case") == str(len(ids))
    assert _row(cluster_md, "accounts convicted (throttle or block)") == str(len(case.convicted))
    assert _row(cluster_md, "exchanges in the store") == str(n)
    assert _row(cluster_md, "first exchange") == first.isoformat(timespec="seconds") + "Z"
    assert _row(cluster_md, "first flagged") == min(flagged.values())
    assert _row(cluster_md, "withheld (sent at or after the sender's first flag)").startswith(
        f"{withheld} of {n} "
    )
    # linking evidence: every payment card shared inside the cluster is listed with its count
    for value, count in pay:
        assert re.search(rf"^\| {re.escape(value)} \| {count} \| \d+ \|", cluster_md, re.M)
    assert "## Linking evidence" in cluster_md
    for label in ("chain-of-thought elicitation share", "top prompt template share"):
        assert re.search(rf"^\| {label} \| \d+\.\d% \|$", cluster_md, re.M)
    assert "## Timeline" in cluster_md and "First-flag moments" in cluster_md


def test_state_and_trace_sections(case, cluster_md: str) -> None:
    assert "case DG-1: shared card" in cluster_md
    assert "analyst-ana" in cluster_md and "override.set" in cluster_md
    assert "1 key(s) attributed, 1 of them belong to this case" in cluster_md
    assert case.convicted[0].replace("_", "\\_") in cluster_md or case.convicted[0] in cluster_md


def test_chain_of_custody_hashes_match_files(case, cluster_md: str) -> None:
    files = [case.db, case.results / "accounts.csv", case.results / "clusters.csv",
             case.results / "evidence.jsonl", case.state, case.trace]  # fmt: skip
    for f in files:
        digest = hashlib.sha256(f.read_bytes()).hexdigest()
        assert digest in cluster_md, f"no SHA-256 for {f.name}"
    assert "distillguard 0." in cluster_md and "generated at" in cluster_md
    # each figure's query is printed and reruns to the same totals
    sql = cluster_md.split("Figure: totals", 1)[1].split("```", 2)[1].strip().rstrip(";")
    con = duckdb.connect(str(case.db), read_only=True)
    try:
        n = con.execute(sql).fetchone()[0]
    finally:
        con.close()
    assert _row(cluster_md, "exchanges in the store") == str(n)


def test_html_is_self_contained_and_agrees(case, tmp_path: Path, cluster_md: str) -> None:
    html = _report(case, tmp_path / "case.html", "--cluster", case.cluster)
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html.lower()
    assert not re.search(r"""\b(src|href)\s*=|url\(|@import""", html)
    n = _row(cluster_md, "exchanges in the store")
    assert f"<td>exchanges in the store</td><td>{n}</td>" in html


def test_prompts_are_escaped_in_both_formats(case, tmp_path: Path) -> None:
    md = _report(case, tmp_path / "xss.md", "--account", case.xss_account)
    html = _report(case, tmp_path / "xss.html", "--account", case.xss_account)
    for text in (md, html):
        assert "<script" not in text and "<b>" not in text
        assert "&lt;script&gt;" in text
        assert "CONFIDENTIAL" in text


def test_report_is_deterministic(case) -> None:
    inp = ReportInputs(db=case.db, results=case.results, cluster=case.cluster, state=case.state)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    a, b = build_report(inp, now=now), build_report(inp, now=now)
    assert render_markdown(a) == render_markdown(b)
    assert render_html(a) == render_html(b)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--cluster", "c_does_not_exist"], "is not in"),
        (["--account", "acct_nobody"], "is not in"),
        (["--cluster", "X", "--out-format"], None),
    ],
)
def test_cli_errors_are_one_line(
    case, tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message
) -> None:
    argv = ["report", "--db", str(case.db), "--results", str(case.results)]
    argv += ["--out", str(tmp_path / "r.md"), *extra]
    if message is None:
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
    else:
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_cli_errors_for_bad_inputs(
    case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = [
        (["--db", str(case.db), "--results", str(tmp_path / "none")], "no such results folder"),
        (["--db", str(tmp_path / "none.duckdb"), "--results", str(case.results)], "no such store"),
        (
            ["--db", str(case.db), "--results", str(case.results), "--state", str(case.trace)],
            "not a gateway state file",
        ),
        (
            ["--db", str(case.db), "--results", str(case.results), "--trace", str(case.state)],
            "not JSON",
        ),
    ]
    for argv, message in cases:
        full = ["report", *argv, "--cluster", case.cluster, "--out", str(tmp_path / "r.md")]
        assert main(full) == 1, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, err
    assert main(["report", "--db", str(case.db), "--results", str(case.results),
                 "--cluster", case.cluster, "--out", str(tmp_path / "r.pdf")]) == 1  # fmt: skip
    assert "use a .md or .html" in capsys.readouterr().err
