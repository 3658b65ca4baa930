"""The README's demo, end to end at a small scale: every step runs for real."""

from __future__ import annotations

import csv
import json
import re

from distillguard.cli import main


def test_demo_tells_the_whole_story(tmp_path, capsys):
    out = tmp_path / "demo"
    status = main(["demo", "--out", str(out), "--scale", "0.02", "--seed", "3", "--speed", "1e6"])
    assert status == 0
    text = capsys.readouterr().out
    for step in ("Simulate", "Load the exchange log", "Detect", "Score", "gateway", "console"):
        assert step in text
    with (out / "results" / "accounts.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    with (out / "sim" / "labels.csv").open(newline="") as fh:
        labels = {row["account_id"] for row in csv.DictReader(fh)}
    assert {row["account_id"] for row in rows} == labels
    report = json.loads((out / "results" / "eval.json").read_text())
    assert "auroc" in json.dumps(report).lower()
    # the live part logged what it proxied, without any API key in the log
    segments = list((out / "gateway-log").rglob("seg-*"))
    assert segments
    logged = b"".join(p.read_bytes() for p in segments)
    assert logged.count(b"\n") > 0
    assert not re.search(rb"dg-[A-Za-z0-9_-]{30,}", logged), "an API key secret was logged"
    assert "replayed" in text
    # the live table says what the live detector flagged beside what the gateway refused
    assert "flagged live" in text
