"""``distillguard ingest / export / info`` through ``cli.main``: output, errors, exit codes."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest

from distillguard.cli import main
from distillguard.store import Store, resolve_db

_ENDPOINT_BODIES = {
    "chat.completions": (
        {
            "model": "gpt-x",
            "messages": [{"role": "user", "content": "héllo ✓"}],
            "temperature": 0.2,
        },
        {"choices": [{"message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}]},
    ),
    "messages": (
        {"model": "claude-x", "system": "be brief", "messages": [{"role": "user", "content": "q"}]},
        {"content": [{"type": "text", "text": "a"}], "usage": {"input_tokens": 3}},
    ),
    "responses": ({"model": "r-1", "input": "question"}, {"output": []}),
    "completions": ({"model": "c-1", "prompt": ["a", "b"]}, None),
}


def _records(n: int) -> list[dict]:
    out = []
    endpoints = list(_ENDPOINT_BODIES)
    for i in range(n):
        endpoint = endpoints[i % 4]
        request, response = _ENDPOINT_BODIES[endpoint]
        rec: dict = {
            "id": f"ex-{i}",
            "ts": (
                f"2026-02-{10 + i % 9:02d}T0{i % 10}:15:02.{i:06d}Z"
                if i % 3
                else f"2026-02-23T08:15:0{i % 10}.5+02:00"
            ),
            "account_id": f"acct-{i % 5}",
            "request": request,
            "response": response,
            "endpoint": endpoint,
            "status": 200 if i % 7 else 429,
        }
        if i % 2:
            rec.update(key_id="k1", ip="2001:db8::1", user_agent="ua/1", client_fingerprint="fp")
            rec.update(latency_ms=i if i % 4 == 1 else i + 0.25, meta={"region": "eu", "n": [i]})
        if i % 5 == 0:
            rec["operator_field"] = {"campaign": "none", "i": i}
        out.append(rec)
    return out


def _write(path: Path, records: list) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def _all_rows(db: Path) -> tuple[list, list]:
    with Store(db, read_only=True) as store:
        ex = store.con.execute("SELECT * FROM exchanges ORDER BY id").fetchall()
        acc = store.con.execute("SELECT * FROM accounts ORDER BY account_id").fetchall()
    return ex, acc


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISTILLGUARD_PROGRESS", "0")
    monkeypatch.delenv("DISTILLGUARD_DB", raising=False)


def test_ingest_export_ingest_gives_the_same_rows(tmp_path: Path, capsys) -> None:
    log = _write(tmp_path / "log.jsonl", _records(60))
    accounts = _write(
        tmp_path / "accounts.jsonl",
        [
            {"account_id": "acct-0", "tier": "education", "verified": True, "country": "DE"},
            {"account_id": "acct-1", "created_at": "2026-01-01T00:00:00.000001Z", "org_id": "o1"},
            {"account_id": "acct-2", "payment_fingerprint": "pf", "signup_ip": "1.2.3.4"},
        ],
    )
    db1, db2 = tmp_path / "one.duckdb", tmp_path / "two.duckdb"
    assert main(["ingest", str(log), "--accounts", str(accounts), "--db", str(db1)]) == 0
    out = capsys.readouterr().out
    assert "inserted 60" in out and "rejected 0" in out
    assert main(["export", "--db", str(db1), "--out", str(tmp_path / "out")]) == 0
    exported = tmp_path / "out" / "exchanges.parquet"
    acc_out = tmp_path / "out" / "accounts.parquet"
    assert exported.is_file() and acc_out.is_file()
    assert main(["ingest", str(exported), "--accounts", str(acc_out), "--db", str(db2)]) == 0
    ex1, acc1 = _all_rows(db1)
    ex2, acc2 = _all_rows(db2)
    assert len(ex1) == 60 and len(acc1) == 3
    assert ex1 == ex2
    assert acc1 == acc2


def test_exported_parquet_is_spec_format(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from distillguard.exchange import parse_exchange

    recs = _records(12)
    with Store(":memory:") as store:
        store.ingest_records(recs)
        store.export(tmp_path, show_progress=False)
    rows = pq.read_table(tmp_path / "exchanges.parquet").to_pylist()
    assert [r["id"] for r in rows] == [r["id"] for r in recs]
    for row, rec in zip(rows, recs, strict=True):
        assert row["ts"].endswith("Z")
        assert orjson.loads(row["request"]) == rec["request"]
        assert parse_exchange(row).ts == parse_exchange(rec).ts


def test_rejects_printed_first_20_then_summary(tmp_path: Path, capsys) -> None:
    lines = [orjson.dumps(r).decode() for r in _records(5)] + ["{bad"] * 25
    log = tmp_path / "log.jsonl"
    log.write_text("\n".join(lines) + "\n")
    db = tmp_path / "s.duckdb"
    assert main(["ingest", str(log), "--db", str(db)]) == 0
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert err[0] == f"{log}:6: invalid JSON" + err[0].split("invalid JSON", 1)[1]
    assert len([e for e in err if e.startswith(f"{log}:")]) == 20
    assert err[20] == f"… and 5 more, see {tmp_path / 's.rejects.jsonl'}"
    assert "inserted 5" in captured.out and "rejected 25" in captured.out
    assert len((tmp_path / "s.rejects.jsonl").read_bytes().splitlines()) == 25


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ingest", "{tmp}/missing.jsonl", "--db", "{tmp}/s.duckdb"], "no such file or folder"),
        (["info", "--db", "{tmp}/missing.duckdb"], "no such store"),
        (["export", "--db", "{tmp}/missing.duckdb", "--out", "{tmp}/o"], "no such store"),
        (["info", "--db", "{tmp}/notdb.duckdb"], "not a DuckDB database"),
        (["ingest", "{tmp}/log.jsonl", "--db", "{tmp}/notdb.duckdb"], "not a DuckDB database"),
        (["ingest", "{tmp}/fake.jsonl.gz", "--db", "{tmp}/s.duckdb"], "not a gzip file"),
        (["ingest", "{tmp}/bad.parquet", "--db", "{tmp}/s.duckdb"], "not a readable Parquet"),
        (
            [
                "ingest",
                "{tmp}/log.jsonl",
                "--accounts",
                "{tmp}/nope.jsonl",
                "--db",
                "{tmp}/s.duckdb",
            ],
            "no such file or folder",
        ),
    ],
)
def test_one_line_errors_and_exit_1(tmp_path: Path, capsys, argv: list, message: str) -> None:
    _write(tmp_path / "log.jsonl", _records(3))
    (tmp_path / "notdb.duckdb").write_text("this is not a database, just text\n")
    (tmp_path / "fake.jsonl.gz").write_text('{"id": 1}\n')
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
    code = main([a.format(tmp=tmp_path) for a in argv])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert not (tmp_path / "missing.duckdb").exists()
    if "--accounts" in argv:
        # nothing was written: paths are checked before any work
        with Store(tmp_path / "s.duckdb", read_only=True) as store:
            assert store.count() == 0


def test_db_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    db = tmp_path / "env.duckdb"
    monkeypatch.setenv("DISTILLGUARD_DB", str(db))
    assert resolve_db(None) == db
    assert resolve_db("other.duckdb") == Path("other.duckdb")
    log = _write(tmp_path / "log.jsonl", _records(8))
    assert main(["ingest", str(log)]) == 0
    assert db.is_file()
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "exchanges    8" in out and "acct-0" in out and "messages" in out
    monkeypatch.delenv("DISTILLGUARD_DB")
    assert resolve_db(None) == Path("distillguard.duckdb")


def test_truncated_gzip_keeps_the_whole_lines_before_the_damage(tmp_path: Path) -> None:
    data = b"".join(orjson.dumps(r) + b"\n" for r in _records(400))
    packed = gzip.compress(data)
    path = tmp_path / "segment.jsonl.gz"
    path.write_bytes(packed[: len(packed) * 3 // 4])
    with Store(tmp_path / "s.duckdb") as store:
        report = store.ingest([path], show_progress=False)
        stored = store.count()
    assert stored > 0 and report.rejected == 1
    assert report.inserted == stored
    file, line, message = report.rejects[0]
    assert file == str(path) and line == stored + 1 and "unreadable" in message


def test_worker_processes_give_the_same_result(tmp_path: Path, monkeypatch) -> None:
    from distillguard.store import _readers

    monkeypatch.setattr(_readers, "_BLOCK_BYTES", 8192)  # many blocks in flight
    recs = _records(300)
    lines = [orjson.dumps(r).decode() for r in recs]
    lines[17] = "{broken"
    log = tmp_path / "log.jsonl"
    log.write_text("\n".join(lines + lines[:50]) + "\n")
    results = []
    for workers in (None, 2):
        # no argument: $DISTILLGUARD_INGEST_WORKERS=0 parses in-process; then 2 processes
        monkeypatch.setenv("DISTILLGUARD_INGEST_WORKERS", "0")
        with Store(":memory:") as store:
            report = store.ingest([log], show_progress=False, workers=workers)
            rows = store.con.execute("SELECT * FROM exchanges ORDER BY id").fetchall()
        results.append((report.read, report.inserted, report.duplicates, report.rejects, rows))
    assert results[0] == results[1]
    assert results[0][:3] == (350, 299, 49)
    assert [line for _, line, _ in results[0][3]] == [18, 318]


def test_info_on_an_empty_store_and_export_into_a_file(tmp_path: Path, capsys) -> None:
    db = tmp_path / "empty.duckdb"
    Store(db).close()
    assert main(["info", "--db", str(db)]) == 0
    assert "exchanges    0" in capsys.readouterr().out
    target = tmp_path / "a-file"
    target.write_text("x")
    assert main(["export", "--db", str(db), "--out", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "a-file" in err
    assert main(["export", "--db", str(db), "--out", str(tmp_path / "o")]) == 0
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [
        "accounts.parquet",
        "exchanges.parquet",
    ]


def test_store_path_that_is_a_folder(tmp_path: Path, capsys) -> None:
    log = _write(tmp_path / "log.jsonl", _records(2))
    assert main(["ingest", str(log), "--db", str(tmp_path)]) == 1
    assert "is a folder" in capsys.readouterr().err
