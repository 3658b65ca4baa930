"""End to end: a real gateway signs responses; the official SDK receives them; ``verify``
accepts the saved response and the exported exchange log, and rejects a tampered one."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from pathlib import Path

import openai
import pytest

from distillguard.cli import main
from distillguard.gateway.app import GatewayApp
from distillguard.gateway.config import load_settings
from distillguard.gateway.keys import create_key
from distillguard.gateway.mock import MockOptions, start_mock_thread
from distillguard.gateway.state import StateDB
from distillguard.provenance import HEADER_SIGNATURE, HEADER_SIGNED, HEADER_SIGNING_KEY


def _serve(
    app: GatewayApp,
) -> tuple[int, asyncio.AbstractEventLoop, asyncio.Event, threading.Thread]:
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    box: dict = {}

    def run() -> None:
        asyncio.set_event_loop(loop)

        async def go() -> None:
            box["stop"] = asyncio.Event()
            try:
                box["port"] = await app.start()
            finally:
                ready.set()
            await app.serve_forever(box["stop"])

        try:
            loop.run_until_complete(go())
        finally:
            loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(30), "gateway did not start"
    return box["port"], loop, box["stop"], thread


def test_signed_responses_verify_from_sdk_and_exported_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mock = start_mock_thread(MockOptions(seed=3))
    state = tmp_path / "gw.state.sqlite"
    with StateDB(state) as db:
        _, secret = create_key(db, "acct-sig", actor="test")
    settings = load_settings(
        None,
        upstream_url=mock.url,
        port=0,
        state_path=state,
        db_path=tmp_path / "gw.duckdb",
        log_dir=tmp_path / "log",
        signing=True,
        signing_keyring=tmp_path / "ring.json",
    )
    app = GatewayApp(settings, live_detection=False, segment_seconds=0.2)
    port, loop, stop, thread = _serve(app)
    try:
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=secret)
        saved = []
        for i in range(3):
            raw = client.chat.completions.with_raw_response.create(
                model="mock-gpt", messages=[{"role": "user", "content": f"question {i}"}]
            )
            raw.parse()  # the SDK accepts the signed response as usual
            headers = {
                k: raw.headers[k] for k in (HEADER_SIGNATURE, HEADER_SIGNING_KEY, HEADER_SIGNED)
            }
            saved.append({"body": raw.http_response.text, "headers": headers})
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/provenance/keys") as resp:
            (tmp_path / "keys.json").write_bytes(resp.read())
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
        mock.stop()

    keys = str(tmp_path / "keys.json")
    (tmp_path / "saved.json").write_text(json.dumps(saved))
    assert main(["verify", str(tmp_path / "saved.json"), "--keys", keys]) == 0
    assert "3 valid, 0 invalid" in capsys.readouterr().out

    assert (
        main(["export", "--db", str(tmp_path / "gw.duckdb"), "--out", str(tmp_path / "exp")]) == 0
    )
    capsys.readouterr()
    exported = tmp_path / "exp" / "exchanges.parquet"
    assert main(["verify", str(exported), "--keys", keys]) == 0
    assert "3 valid, 0 invalid" in capsys.readouterr().out

    import pyarrow.parquet as pq

    rows = [
        {k: json.loads(v) if k in ("request", "response", "meta") else v for k, v in r.items()}
        for r in pq.read_table(exported).to_pylist()
    ]
    rows[0]["account_id"] = "acct-other"  # attributed to someone else
    rows[2]["response"]["choices"][0]["message"]["content"] = "a different answer"
    tampered = tmp_path / "tampered.jsonl"
    # re-serialised with other whitespace and key order: content, not bytes, is compared
    tampered.write_text(
        "".join(json.dumps(r, default=str, indent=1).replace("\n", " ") + "\n" for r in rows)
    )
    assert main(["verify", str(tampered), "--keys", keys]) == 1
    out = capsys.readouterr().out
    assert "account 'acct-other' differs" in out and "response body differs" in out
    assert "1 valid, 2 invalid" in out
