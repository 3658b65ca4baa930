"""Workers that read whole files or byte ranges and hand Arrow over shared memory store
exactly what an in-process ingest stores (rows, rejects and their line numbers)."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pyarrow as pa
import pytest

from distillguard.errors import StoreError
from distillguard.store import Store, _store, _units, _writer
from distillguard.store._lines import parse_exchange_lines


def _record(i: int, variant: str = "") -> dict:
    rec: dict = {
        "id": f"ex-{i % 260}",  # ids repeat across ranges and files: the first one wins
        "ts": "2026-02-23T08:15:02.123Z" if i % 11 else "2026-02-23T09:15:02+01:00",
        "account_id": f"acct-{i % 7}",
        "request": {"model": f"m{variant}", "messages": [{"role": "user", "content": "é" * i}]},
        "response": None if i % 3 else {"choices": [], "n": i},
    }
    if i % 5 == 0:
        rec["operator_field"] = [i]
    return rec


def _lines(start: int, n: int, variant: str) -> list[bytes]:
    out = []
    for i in range(start, start + n):
        if i % 37 == 0:
            out.append(b'{"id": "broken"')
        elif i % 29 == 0:
            out.append(b"  ")
        elif i % 31 == 0:
            out.append(
                orjson.dumps(_record(i, variant), option=orjson.OPT_INDENT_2).replace(b"\n", b"")
            )
        else:
            out.append(orjson.dumps(_record(i, variant)))
    return out


def _inputs(tmp_path: Path) -> list[Path]:
    plain = tmp_path / "a.jsonl"
    plain.write_bytes(b"\xef\xbb\xbf" + b"\n".join(_lines(0, 300, "a")))  # BOM, no final newline
    packed = tmp_path / "b.jsonl.gz"
    data = b"\n".join(_lines(150, 200, "b")) + b"\n"
    packed.write_bytes(gzip.compress(data[:3000]) + gzip.compress(data[3000:]))
    crlf = tmp_path / "c.ndjson"
    crlf.write_bytes(b"\r\n".join(_lines(100, 120, "c")) + b"\r\n")
    return [plain, packed, crlf]


def _ingest(db: Path, paths: list[Path], workers: int) -> tuple:
    with Store(db) as store:
        report = store.ingest(paths, show_progress=False, workers=workers)
        rows = store.con.execute("SELECT * FROM exchanges ORDER BY id").fetchall()
        again = store.ingest(paths, show_progress=False, workers=workers)
    written = Path(report.rejects_path).read_bytes() if report.rejects_path else b""
    counts = (report.read, report.inserted, report.duplicates, report.rejected)
    return counts, report.rejects, rows, written, (again.inserted, again.duplicates)


def test_plain_file_ranges_cut_at_newlines_and_cover_every_line(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    data = b"\n".join(_lines(0, 200, "")) + b"\n"
    path.write_bytes(data)
    units = _units.plan_units([(path, "jsonl")], range_bytes=1000)
    assert len(units) > 5 and [u.first for u in units] == [True] + [False] * (len(units) - 1)
    pieces = [data[u.begin : u.end if u.end >= 0 else len(data)] for u in units]
    assert b"\n".join(pieces) == data
    assert sum(p.count(b"\n") + 1 for p in pieces) == data.count(b"\n") + 1


def test_worker_units_store_what_an_in_process_ingest_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _inputs(tmp_path)
    expected = _ingest(tmp_path / "one.duckdb", paths, workers=0)
    calls: list[int] = []
    real = _store.unit_parsed

    def counted(units, workers):  # type: ignore[no-untyped-def]
        calls.append(len(units))
        return real(units, workers, chunk_rows=9)  # several chunks per unit

    monkeypatch.setattr(_store, "unit_parsed", counted)
    monkeypatch.setattr(_units, "RANGE_BYTES", 2500)  # the plain files in many ranges
    got = _ingest(tmp_path / "two.duckdb", paths, workers=2)
    assert calls and calls[0] > len(paths)
    assert got[0] == expected[0] and got[0][2] > 0 and got[0][3] > 0
    assert got[1] == expected[1]  # rejects: same files, lines and messages
    assert got[2] == expected[2]  # rows: same values, same first occurrences
    assert got[3] == expected[3]  # the rejects file
    assert got[4] == (0, expected[0][1] + expected[0][2])  # a re-run adds nothing


def test_a_worker_failure_is_one_store_error_and_leaves_no_chunks(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_bytes(b"\n".join(_lines(1, 30, "")))
    units = [_units.Unit(good, "jsonl"), _units.Unit(tmp_path / "gone.jsonl.gz", "gz")]
    shm = Path(_units._shm_dir(2))
    before = set(shm.glob("distillguard-ingest-*"))
    with pytest.raises(StoreError, match=r"ingest stopped: .*gone\.jsonl\.gz"):
        for _ in _units.unit_parsed(units, 2):
            pass
    assert set(shm.glob("distillguard-ingest-*")) == before


def test_inserts_are_cut_at_the_batch_size_and_keep_the_first_occurrence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import duckdb

    from distillguard.store._schema import SCHEMA_SQL

    monkeypatch.setattr(_writer, "FLUSH_ROWS", 10)
    con = duckdb.connect()
    con.execute(SCHEMA_SQL)
    writer = _writer.ExchangeWriter(con)
    for k in range(5):  # 7-row tables: ids 0..20, each written twice, first with variant "a"
        lines = [orjson.dumps(_record(k * 7 + j + 1, "a" if k < 3 else "b")) for j in range(7)]
        if k >= 3:
            lines = [orjson.dumps(_record((k - 3) * 7 + j + 1, "b")) for j in range(7)]
        table = parse_exchange_lines(b"\n".join(lines), "f", 1)[0]
        assert isinstance(table, pa.Table) and table.num_rows == 7
        writer.add_table(table)
    writer.close()
    assert (writer.inserted, writer.duplicates) == (21, 14)
    models = {m for (m,) in con.execute("SELECT DISTINCT model FROM exchanges").fetchall()}
    assert models == {"ma"}
    con.close()


def test_closing_the_stream_early_stops_the_workers_and_removes_the_chunks(tmp_path: Path) -> None:
    import multiprocessing

    paths = _inputs(tmp_path)
    kinds = ["jsonl", "gz", "jsonl"]
    units = _units.plan_units(list(zip(paths, kinds, strict=True)), 2500)
    shm = Path(_units._shm_dir(2))
    before = set(shm.glob("distillguard-ingest-*"))
    stream = _units.unit_parsed(units, 2, chunk_rows=5)
    first = next(stream)
    assert first.start and first.table.num_rows >= 5
    assert set(shm.glob("distillguard-ingest-*")) != before  # the workers' folder exists
    stream.close()
    assert set(shm.glob("distillguard-ingest-*")) == before
    assert not [p for p in multiprocessing.active_children() if p.name.startswith("dg-ingest")]


def test_round_trip_through_worker_units(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_units, "RANGE_BYTES", 2500)
    paths = _inputs(tmp_path)
    with Store(tmp_path / "one.duckdb") as store:
        store.ingest(paths, show_progress=False, workers=2)
        first = store.con.execute("SELECT * FROM exchanges ORDER BY id").fetchall()
        store.export(tmp_path / "out", show_progress=False)
    exported = tmp_path / "out" / "exchanges.parquet"
    with Store(tmp_path / "two.duckdb") as store:  # the export beside a plain log: 2+ units
        report = store.ingest([exported, paths[2]], show_progress=False, workers=2)
        second = store.con.execute("SELECT * FROM exchanges ORDER BY id").fetchall()
    assert report.inserted == len(first) and second == first


_KILLED_SCRIPT = """
import sys, time
from pathlib import Path
from distillguard.store import _units

if __name__ == "__main__":
    files = [(Path(p), k) for p, k in zip(sys.argv[1::2], sys.argv[2::2])]
    stream = _units.unit_parsed(_units.plan_units(files, 2500), 2, chunk_rows=5)
    next(stream)
    print("ready", flush=True)
    time.sleep(600)
"""


def test_killed_ingest_leaves_no_workers_and_no_chunks(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    paths = _inputs(tmp_path)
    script = tmp_path / "killed.py"
    script.write_text(_KILLED_SCRIPT)
    args = [a for p, k in zip(paths, ["jsonl", "gz", "jsonl"], strict=True) for a in (str(p), k)]
    shm = Path(_units._shm_dir(2))
    proc = subprocess.Popen([sys.executable, str(script), *args], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        folders = list(shm.glob(f"distillguard-ingest-{proc.pid}-*"))
        assert len(folders) == 1
        # the workers write their next chunks while the reader sleeps: wait for one to land
        wait_until = time.monotonic() + 30
        while not any(folders[0].iterdir()) and time.monotonic() < wait_until:
            time.sleep(0.05)
        assert any(folders[0].iterdir())  # workers wait, chunks held
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 30
    while folders[0].exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not folders[0].exists()
