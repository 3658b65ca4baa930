"""The durable log sink on its own: group commit, rotation, crash recovery, ingestion."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path

import orjson

from distillguard.gateway.logsink import LogSink, recover_segments
from distillguard.store import Store


def _rec(i: int) -> bytes:
    return orjson.dumps(
        {
            "id": f"ex-{i}",
            "ts": "2026-02-23T08:15:02.123Z",
            "account_id": f"acct-{i % 3}",
            "request": {"model": "m", "messages": [{"role": "user", "content": f"q{i}"}]},
            "response": None,
            "status": 500,
        }
    )


def _lines(directory: Path) -> list[bytes]:
    out = []
    for p in sorted(directory.rglob("seg-*")):
        out.extend(line for line in p.read_bytes().splitlines() if line)
    return out


def test_rotation_by_size_keeps_every_record_in_order(tmp_path: Path) -> None:
    sink = LogSink(tmp_path, segment_bytes=2_000, segment_seconds=60)
    sink.start()
    for i in range(100):
        sink.submit(_rec(i))
        if i % 10 == 9:  # let each group be written (a batch is never split across segments)
            while sink.written < i + 1:
                time.sleep(0.001)
    sink.close()
    segments = sorted(tmp_path.glob("seg-w0-*.jsonl"))
    assert len(segments) > 3, "size rotation happened"
    assert not list(tmp_path.glob("*.open"))
    assert _lines(tmp_path) == [_rec(i) for i in range(100)]


def test_durable_futures_resolve_after_fsync(tmp_path: Path) -> None:
    sink = LogSink(tmp_path)
    sink.start()

    async def main() -> None:
        await asyncio.gather(*(sink.submit_durable(_rec(i)) for i in range(50)))
        # resolved means written: the open segment already holds all 50 lines
        (seg,) = tmp_path.glob("seg-w0-*.jsonl.open")
        assert len(seg.read_bytes().splitlines()) == 50

    asyncio.run(main())
    sink.close()


def test_recovery_cuts_a_torn_last_line(tmp_path: Path) -> None:
    seg = tmp_path / "seg-w0-0000000007.jsonl.open"
    seg.write_bytes(_rec(1) + b"\n" + _rec(2) + b"\n" + _rec(3)[:20])
    (done,) = recover_segments(tmp_path, 0)
    assert done.name == "seg-w0-0000000007.jsonl"
    assert done.read_bytes().splitlines() == [_rec(1), _rec(2)]
    # the next segment of that worker continues the sequence
    sink = LogSink(tmp_path)
    sink.start()
    sink.submit(_rec(4))
    sink.close()
    assert (tmp_path / "seg-w0-0000000008.jsonl").exists()


def test_time_rotation_and_ingest_into_the_store(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    calls: list[list[str]] = []

    def ingest(paths: Sequence[Path]) -> None:
        calls.append([p.name for p in paths])
        with Store(db) as store:
            store.ingest([str(p) for p in paths], show_progress=False)

    log_dir = tmp_path / "log"
    sink = LogSink(log_dir, segment_seconds=0.2, ingest=ingest, ingest_interval=0.1)
    sink.start()
    for i in range(10):
        sink.submit(_rec(i))
    for _ in range(100):
        if list((log_dir / "ingested").glob("seg-*")):
            break
        time.sleep(0.05)
    for i in range(10, 20):
        sink.submit(_rec(i))
    sink.close()
    names = [n for batch in calls for n in batch]
    assert len(names) == len(set(names)), "no segment is ingested twice"
    assert not list(log_dir.glob("seg-*")), "every segment was ingested and moved"
    with Store(db, read_only=True) as store:
        assert store.count() == 20


def test_another_workers_segments_are_left_alone(tmp_path: Path) -> None:
    other = tmp_path / "seg-w1-0000000001.jsonl.open"
    other.write_bytes(_rec(1) + b"\n")
    sink = LogSink(tmp_path, worker=0)
    sink.start()
    sink.close()
    assert other.exists(), "worker 0 must not close a live worker's open segment"
