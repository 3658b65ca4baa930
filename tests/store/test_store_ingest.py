"""Ingest: idempotence, rejects with line numbers, every input format, accounts upsert."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from distillguard.errors import InputError, StoreError
from distillguard.store import Store


def _rec(i: int, **over: object) -> dict:
    rec = {
        "id": f"ex-{i}",
        "ts": f"2026-02-23T08:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d}Z",
        "account_id": f"acct-{i % 7}",
        "request": {"model": "m-1", "messages": [{"role": "user", "content": f"q {i}"}]},
        "response": {"choices": [{"message": {"role": "assistant", "content": f"a {i}"}}]},
        "ip": f"10.0.0.{i % 250}",
        "status": 200,
        "latency_ms": 12.5 + i,
    }
    rec.update(over)
    return rec


def _write_jsonl(path: Path, records: list, *, gz: bool = False) -> Path:
    data = b"".join(orjson.dumps(r) + b"\n" for r in records)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def _rows(store: Store, table: str = "exchanges", key: str = "id") -> list[tuple]:
    return store.con.execute(f"SELECT * FROM {table} ORDER BY {key}").fetchall()


def test_ingest_twice_adds_nothing_and_dedups_within_a_file(tmp_path: Path) -> None:
    recs = [_rec(i) for i in range(50)]
    recs.append(_rec(3, account_id="someone-else"))  # same id later in the file
    log = _write_jsonl(tmp_path / "log.jsonl", recs)
    with Store(tmp_path / "s.duckdb") as store:
        first = store.ingest([log], show_progress=False)
        assert (first.read, first.inserted, first.duplicates, first.rejected) == (51, 50, 1, 0)
        second = store.ingest([log], show_progress=False)
        assert (second.inserted, second.duplicates) == (0, 51)
        assert store.count() == 50
        # the first occurrence wins
        (acct,) = store.con.execute("SELECT account_id FROM exchanges WHERE id='ex-3'").fetchone()
        assert acct == "acct-3"


def test_malformed_lines_are_reported_and_good_lines_kept(tmp_path: Path) -> None:
    good = [orjson.dumps(_rec(i)).decode() for i in range(6)]
    lines = [
        good[0],
        "{not json",
        good[1],
        orjson.dumps({k: v for k, v in _rec(90).items() if k != "account_id"}).decode(),
        "",
        "   ",
        good[2],
        orjson.dumps(_rec(91, ts="23/02/2026 08:00")).decode(),
        orjson.dumps(_rec(92, status="200")).decode(),
        '["an", "array"]',
        "42",
        good[3],
        orjson.dumps(_rec(93, request=[1, 2])).decode(),
        good[4],
        orjson.dumps(_rec(94, ts="2026-02-23T08:00:00")).decode(),
        good[5],
    ]
    log = tmp_path / "bad.jsonl"
    log.write_text("\n".join(lines) + "\n")
    with Store(tmp_path / "s.duckdb") as store:
        report = store.ingest([log], show_progress=False)
        assert store.count() == 6
    bad_lines = [2, 4, 8, 9, 10, 11, 13, 15]
    assert [line for _, line, _ in report.rejects] == bad_lines
    assert report.read == 14 and report.rejected == 8 and report.inserted == 6
    messages = dict((line, msg) for _, line, msg in report.rejects)
    assert "invalid JSON" in messages[2]
    assert "account_id" in messages[4]
    assert "ts" in messages[8] and "status" in messages[9]
    assert "object" in messages[10]
    assert report.rejects_path == tmp_path / "s.rejects.jsonl"
    saved = [orjson.loads(x) for x in report.rejects_path.read_bytes().splitlines()]
    assert [r["line"] for r in saved] == bad_lines
    assert saved[0]["raw"] == "{not json" and saved[0]["file"] == str(log)
    assert {"file", "line", "error", "raw"} <= saved[0].keys()


def test_gzip_parquet_struct_and_json_string_and_folder(tmp_path: Path) -> None:
    folder = tmp_path / "logs" / "day1"
    folder.mkdir(parents=True)
    _write_jsonl(folder / "a.jsonl.gz", [_rec(i) for i in range(0, 10)], gz=True)
    # Parquet with nested objects as JSON strings
    as_strings = [
        {
            **r,
            "request": orjson.dumps(r["request"]).decode(),
            "response": orjson.dumps(r["response"]).decode(),
        }
        for r in (_rec(i) for i in range(10, 20))
    ]
    pq.write_table(pa.Table.from_pylist(as_strings), folder / "b.parquet")
    # Parquet with nested objects as structs
    pq.write_table(
        pa.Table.from_pylist([_rec(i) for i in range(20, 30)]), tmp_path / "logs" / "c.parquet"
    )
    (tmp_path / "logs" / "notes.txt").write_text("ignored: not a log")
    with Store(":memory:") as store:
        report = store.ingest([tmp_path / "logs"], show_progress=False)
        assert (report.inserted, report.rejected) == (30, 0)
        stored = dict(store.con.execute("SELECT id, request FROM exchanges").fetchall())
    for i in range(30):
        assert orjson.loads(stored[f"ex-{i}"]) == _rec(i)["request"]


def test_ingest_records_matches_file_ingest(tmp_path: Path) -> None:
    recs = [_rec(i) for i in range(20)] + [{"id": "x"}, "not an object"]
    log = _write_jsonl(tmp_path / "log.jsonl", recs)
    with Store(":memory:") as a, Store(":memory:") as b:
        ra = a.ingest([log], show_progress=False)
        rb = b.ingest_records(recs, source="gateway")
        assert (ra.inserted, ra.rejected) == (rb.inserted, rb.rejected) == (20, 2)
        assert _rows(a) == _rows(b)
        assert [(f, line) for f, line, _ in rb.rejects] == [("gateway", 21), ("gateway", 22)]


def test_accounts_upsert(tmp_path: Path) -> None:
    first = tmp_path / "acc1.jsonl"
    _write_jsonl(
        first,
        [
            {"account_id": "a1", "tier": "free", "verified": False},
            {"account_id": "a2", "tier": "enterprise", "created_at": "2026-01-02T03:04:05Z"},
            {"account_id": "a3", "verified": "yes"},
        ],
    )
    second = tmp_path / "acc2.jsonl"
    _write_jsonl(
        second,
        [{"account_id": "a1", "tier": "startup", "verified": True}, {"account_id": "a4"}],
    )
    with Store(tmp_path / "s.duckdb") as store:
        r1 = store.ingest_accounts(first)
        assert (r1.inserted, r1.updated, r1.rejected) == (2, 0, 1)
        r2 = store.ingest_accounts(second)
        assert (r2.inserted, r2.updated) == (1, 1)
        rows = store.con.execute(
            "SELECT account_id, tier, verified FROM accounts ORDER BY account_id"
        ).fetchall()
    assert rows == [("a1", "startup", True), ("a2", "enterprise", None), ("a4", None, None)]


def test_missing_path_writes_nothing(tmp_path: Path) -> None:
    log = _write_jsonl(tmp_path / "log.jsonl", [_rec(1)])
    with Store(tmp_path / "s.duckdb") as store:
        with pytest.raises(InputError, match="no such file"):
            store.ingest([log, tmp_path / "missing.jsonl"], show_progress=False)
        assert store.count() == 0


def test_read_only_store_refuses_writes_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such store"):
        Store(tmp_path / "none.duckdb", read_only=True)
    assert not (tmp_path / "none.duckdb").exists()
    Store(tmp_path / "s.duckdb").close()
    with Store(tmp_path / "s.duckdb", read_only=True) as store, pytest.raises(StoreError):
        store.ingest_records([_rec(1)])


def test_multi_member_and_empty_gzip(tmp_path: Path) -> None:
    part1 = b"".join(orjson.dumps(_rec(i)) + b"\n" for i in range(5))
    part2 = b"".join(orjson.dumps(_rec(i)) + b"\n" for i in range(5, 9))
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(part1) + gzip.compress(part2))
    (tmp_path / "b.jsonl.gz").write_bytes(b"")
    (tmp_path / "c.jsonl.gz").write_bytes(gzip.compress(b""))
    with Store(":memory:") as store:
        report = store.ingest([tmp_path], show_progress=False)
        assert (report.read, report.inserted, report.rejected) == (9, 9, 0)


def test_crlf_bom_and_no_final_newline(tmp_path: Path) -> None:
    body = "\r\n".join(orjson.dumps(_rec(i)).decode() for i in range(4))
    path = tmp_path / "windows.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + body.encode())
    with Store(":memory:") as store:
        report = store.ingest([path], show_progress=False)
        assert (report.read, report.inserted, report.rejected) == (4, 4, 0)
