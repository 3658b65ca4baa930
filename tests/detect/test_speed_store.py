"""Big ``detect --exchanges`` inputs go through a temporary store file, with the same results."""

from __future__ import annotations

import tempfile
from pathlib import Path

import orjson
import pytest

from distillguard.cli import main
from distillguard.detect import commands


@pytest.fixture(scope="module")
def tiny_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve accounts, 360 exchanges: a shared-card template group and varied chat."""
    out = tmp_path_factory.mktemp("tiny")
    recs, accts = [], []
    for a in range(12):
        aid = f"acct{a:02d}"
        card = "card_shared" if a < 6 else f"card{a}"
        accts.append(
            {"account_id": aid, "created_at": "2026-02-01T00:00:00Z", "payment_fingerprint": card}
        )
        for i in range(30):
            text = (
                f"Solve problem {i * 7 + a}: think step by step and show your reasoning."
                if a < 6
                else f"tell me something about topic {a} number {i} please"
            )
            recs.append(
                {
                    "id": f"{aid}-{i}",
                    "ts": f"2026-02-01T{i % 24:02d}:{a:02d}:{i % 60:02d}Z",
                    "account_id": aid,
                    "request": {"model": "m", "messages": [{"role": "user", "content": text}]},
                    "response": {
                        "choices": [{"message": {"content": "ok"}, "finish_reason": "stop"}]
                    },
                    "ip": f"198.51.100.{a}",
                }
            )
    (out / "exchanges.jsonl").write_bytes(b"\n".join(map(orjson.dumps, recs)) + b"\n")
    (out / "accounts.jsonl").write_bytes(b"\n".join(map(orjson.dumps, accts)) + b"\n")
    return out


def _detect(world: Path, out: Path) -> dict[str, bytes]:
    status = main(
        [
            "detect",
            "--exchanges",
            str(world / "exchanges.jsonl"),
            "--accounts",
            str(world / "accounts.jsonl"),
            "--out",
            str(out),
        ]
    )
    assert status == 0
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def test_file_backed_store_gives_identical_results_and_is_removed(
    tiny_world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISTILLGUARD_PROGRESS", "0")
    in_memory = _detect(tiny_world, tmp_path / "mem")
    spill = tmp_path / "spill"
    spill.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spill))
    monkeypatch.setattr(commands, "MEMORY_STORE_MAX", 0)
    monkeypatch.setenv("DISTILLGUARD_DUCKDB_MEMORY", "256MB")
    on_disk = _detect(tiny_world, tmp_path / "disk")
    assert on_disk == in_memory
    assert b"acct00" in on_disk["accounts.csv"]
    assert list(spill.iterdir()) == []  # the temporary store is gone


def test_bad_memory_limit_is_one_clear_error(
    tiny_world: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(commands, "MEMORY_STORE_MAX", 0)
    monkeypatch.setenv("DISTILLGUARD_DUCKDB_MEMORY", "lots")
    assert _detect_status(tiny_world, tmp_path) != 0
    err = capsys.readouterr().err
    assert "DISTILLGUARD_DUCKDB_MEMORY" in err and "Traceback" not in err


def _detect_status(world: Path, out: Path) -> int:
    return main(["detect", "--exchanges", str(world / "exchanges.jsonl"), "--out", str(out / "o")])
