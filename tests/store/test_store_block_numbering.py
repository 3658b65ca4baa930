"""Reject line numbers stay exact when the parsers, not the reader, count the lines."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest

from distillguard.store import Store


def _line(i: int) -> bytes:
    return orjson.dumps(
        {
            "id": f"ex-{i}",
            "ts": "2026-02-23T08:15:02.123Z",
            "account_id": f"acct-{i % 5}",
            "request": {"model": "m", "messages": [{"role": "user", "content": "x" * (i % 90)}]},
            "response": None,
        }
    )


@pytest.mark.parametrize("workers", [0, 2])
def test_reject_lines_across_blocks_files_and_gzip_members(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    from distillguard.store import _readers

    monkeypatch.setattr(_readers, "_BLOCK_BYTES", 4096)  # many blocks per file
    monkeypatch.setattr(_readers, "_GZ_READ_BYTES", 300)  # many inflated pieces per block
    expected: list[tuple[str, int]] = []
    paths = []
    for f, gz in enumerate((True, False, True)):
        lines = []
        for n in range(1, 401):
            if n % 97 == 0:
                lines.append(b"{not json")
                expected.append((f"log{f}", n))
            elif n % 41 == 0:
                lines.append(b"   ")  # blank: not a record, still a line
            else:
                lines.append(_line(f * 1000 + n))
        data = b"\n".join(lines) + b"\n"
        path = tmp_path / (f"log{f}.jsonl.gz" if gz else f"log{f}.jsonl")
        # two gzip members, split mid-line
        path.write_bytes(gzip.compress(data[:5000]) + gzip.compress(data[5000:]) if gz else data)
        paths.append(path)
    with Store(tmp_path / "s.duckdb") as store:
        report = store.ingest(paths, show_progress=False, workers=workers)
    got = [(Path(file).name.split(".")[0], line) for file, line, _ in report.rejects]
    assert got == expected
    assert report.rejected == len(expected)
    assert report.inserted == 3 * 400 - len(expected) - 3 * (400 // 41)
    written = [orjson.loads(x) for x in Path(report.rejects_path).read_bytes().splitlines()]
    assert [(Path(r["file"]).name.split(".")[0], r["line"]) for r in written] == expected


def test_ingest_leaves_duckdb_thread_count_as_it_was(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(b"\n".join(_line(i) for i in range(20)) + b"\n")
    with Store(tmp_path / "s.duckdb") as store:
        store.con.execute("SET threads = 3")
        store.ingest([log], show_progress=False, workers=0)
        store.ingest_records([orjson.loads(_line(99))])
        (threads,) = store.con.execute("SELECT current_setting('threads')").fetchone()
        assert int(threads) == 3 and store.count() == 21


@pytest.mark.parametrize("background", [False, True])
def test_writer_errors_reach_the_caller(background: bool) -> None:
    import duckdb

    from distillguard.errors import StoreError
    from distillguard.store._lines import parse_exchange_lines
    from distillguard.store._writer import ExchangeWriter

    table = parse_exchange_lines(b"\n".join(_line(i) for i in range(10)), "f", 1)[0]
    con = duckdb.connect()  # no exchanges table: every insert fails
    writer = ExchangeWriter(con, background=background)
    writer.add_table(table)
    with pytest.raises(StoreError, match="cannot write exchanges"):
        writer.close()
    con.close()


def test_truncated_gzip_in_small_pieces_keeps_whole_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from distillguard.store import _readers

    monkeypatch.setattr(_readers, "_BLOCK_BYTES", 2048)
    monkeypatch.setattr(_readers, "_GZ_READ_BYTES", 128)
    data = b"\n".join(_line(i) for i in range(300)) + b"\n"
    packed = gzip.compress(data)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(packed[: len(packed) * 2 // 3])
    with Store(tmp_path / "s.duckdb") as store:
        report = store.ingest([path], show_progress=False, workers=0)
        stored = store.count()
    assert 0 < stored < 300 and report.rejected == 1 and report.inserted == stored
    _, line, message = report.rejects[0]
    assert line == stored + 1 and "unreadable" in message
