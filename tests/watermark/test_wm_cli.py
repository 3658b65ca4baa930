"""The trace and radioactivity commands end to end, through ``cli.main``."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from distillguard.cli import main
from distillguard.watermark._grammar import WORD_CLASSES, procedural_corpus
from distillguard.watermark.keys import GLOBAL_ACCOUNT, Keyring
from distillguard.watermark.kgw import KGWBias, KGWScheme
from distillguard.watermark.refmodel import NGramModel
from distillguard.watermark.textmark import TextWatermarker

ACCOUNTS = [f"acct-{i}" for i in range(60)]


@pytest.fixture()
def ring_file(tmp_path, keyring):
    path = tmp_path / "ring.json"
    keyring.save(path)
    return path


def _responses() -> list[str]:
    return [
        f"The {w} color and the {w} center moved {w} toward the {w} behavior, often big."
        for w in WORD_CLASSES["noun"][:50]
    ]


def test_trace_chat_jsonl_table_and_json(tmp_path, ring_file, keyring, capsys) -> None:
    tw = TextWatermarker(keyring)
    corpus = tmp_path / "leak.jsonl"
    with corpus.open("w") as fh:
        for t in _responses():
            msgs = [
                {"role": "user", "content": "Describe the center toward the theater."},
                {"role": "assistant", "content": tw.apply(t, "acct-3", 2.0).text},
            ]
            fh.write(json.dumps({"messages": msgs}) + "\n")
    accounts = tmp_path / "accounts.jsonl"
    accounts.write_text("".join(json.dumps({"account_id": a}) + "\n" for a in ACCOUNTS))
    args = ["trace", str(corpus), "--keys", str(ring_file), "--accounts", str(accounts)]
    assert main([*args, "--strength", "2", "--alpha", "1e-3"]) == 0
    out = capsys.readouterr().out
    assert "acct-3" in out and "CARRIES" in out
    assert main([*args, "--strength", "2", "--alpha", "1e-3", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["attributed"] == ["acct-3"]
    assert doc["n_keys_tested"] == len(ACCOUNTS)
    assert doc["ranked"][0]["p_corrected"] < 1e-3


def test_trace_exchange_log_takes_accounts_from_the_log(tmp_path, ring_file, keyring, capsys):
    tw = TextWatermarker(keyring)
    log = tmp_path / "exchanges.jsonl"
    with log.open("w") as fh:
        for i, t in enumerate(_responses()):
            account = ACCOUNTS[i % 7]
            rec = {
                "id": f"ex-{i}",
                "ts": "2026-02-23T08:15:02.123Z",
                "account_id": account,
                "request": {"model": "m", "messages": [{"role": "user", "content": "hi"}]},
                "response": {
                    "choices": [
                        {"message": {"role": "assistant", "content": tw.apply(t, "acct-5").text}}
                    ]
                },
            }
            fh.write(json.dumps(rec) + "\n")
    assert main(["trace", str(log), "--keys", str(ring_file), "--json", "--alpha", "1e-3"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["n_keys_tested"] == 7
    assert doc["attributed"] == ["acct-5"]


def test_trace_kgw_plain_text(tmp_path, ring_file, keyring, teacher, capsys) -> None:
    scheme = KGWScheme()
    key = keyring.account_key("acct-9", "kgw")
    rng = np.random.default_rng(4)
    paras = [
        teacher.tokenizer.decode(teacher.generate([300], 60, rng, bias=KGWBias(scheme, key)))
        for _ in range(5)
    ]
    text = tmp_path / "leak.txt"
    text.write_text("\n\n".join(paras))
    args = ["trace", str(text), "--keys", str(ring_file), "--scheme", "kgw", "--json"]
    assert main([*args, *[f"--account={a}" for a in ACCOUNTS[:20]]]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["attributed"] == ["acct-9"]


@pytest.fixture(scope="module")
def students(tmp_path_factory, teacher, keyring):
    folder = tmp_path_factory.mktemp("students")
    scheme = KGWScheme()
    bias = KGWBias(scheme, keyring.account_key(GLOBAL_ACCOUNT, "kgw"))
    rng = np.random.default_rng(7)
    marked = [teacher.generate([300], 100, rng, bias=bias) for _ in range(160)]
    human = [teacher.tokenizer.encode(d) for d in procedural_corpus(8_000, seed=31)]
    paths = {}
    for name, extra in (("clean", []), ("dirty", marked)):
        model = NGramModel(teacher.tokenizer).fit(ids=[*human, *extra])
        paths[name] = folder / f"{name}.npz"
        model.save(paths[name])
    return paths


def test_radioactivity_open_mode_on_ngram_suspects(students, ring_file, capsys) -> None:
    args = ["radioactivity", "--keys", str(ring_file), "--top-k", "32"]
    for name in ("dirty", "clean"):
        args += ["--suspect", f"ngram:{students[name]}"]
    assert main([*args, "--json"]) == 0
    dirty, clean = json.loads(capsys.readouterr().out)
    assert dirty["mode"] == "open" and dirty["radioactive"]
    assert dirty["test"]["log10_p"] < -5
    assert not clean["radioactive"] and clean["test"]["log10_p"] > -2
    assert dirty["control"]["log10_p"] > -3
    assert main(args) == 0
    assert "RADIOACTIVE" in capsys.readouterr().out


class _Upstream(BaseHTTPRequestHandler):
    """A mock OpenAI-compatible model server backed by an n-gram model."""

    model: NGramModel

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        tok = self.model.tokenizer
        prompt = tok.encode(body["messages"][-1]["content"]) or [300]
        ids = self.model.generate(prompt, body["max_tokens"], np.random.default_rng(body["seed"]))
        payload = {"choices": [{"message": {"role": "assistant", "content": tok.decode(ids)}}]}
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


def test_radioactivity_closed_mode_against_loopback_server(students, ring_file, capsys) -> None:
    handler = type("H", (_Upstream,), {"model": NGramModel.load(students["dirty"])})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        args = ["radioactivity", "--suspect", f"openai:{url}", "--keys", str(ring_file)]
        assert main([*args, "--n-prompts", "40", "--max-tokens", "60", "--json"]) == 0
        (doc,) = json.loads(capsys.readouterr().out)
        assert doc["mode"] == "closed"
        assert doc["test"]["n_scored"] > 500
        assert doc["test"]["score"] > doc["test"]["expected"]
        assert main([*args, "--mode", "open"]) == 1
        assert "only closed mode" in capsys.readouterr().err
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["trace", "{tmp}/missing.jsonl", "--keys", "{ring}"], "no such file"),
        (["trace", "{tmp}/leak.jsonl"], "no watermark keys"),
        (["trace", "{tmp}/leak.jsonl", "--keys", "{tmp}/leak.jsonl"], "keyring"),
        (["trace", "{tmp}/bad.jsonl", "--keys", "{ring}", "--account", "a"], "not a JSON line"),
        (["trace", "{tmp}/leak.jsonl", "--keys", "{ring}"], "no accounts"),
        (["trace", "{tmp}/leak.jsonl", "--keys", "{ring}", "--account=a", "--alpha", "2"], "alpha"),
        (["radioactivity", "--suspect", "nope:x", "--keys", "{ring}"], "unknown suspect"),
        (["radioactivity", "--suspect", "ngram:{tmp}/none.npz", "--keys", "{ring}"], "cannot read"),
        (["radioactivity", "--suspect", "openai:ftp://x", "--keys", "{ring}"], "http"),
        (
            ["radioactivity", "--suspect", "openai:http://127.0.0.1:9/v1", "--keys", "{ring}"],
            "cannot reach",
        ),
    ],
)
def test_cli_errors_are_one_line(tmp_path, ring_file, capsys, monkeypatch, argv, message) -> None:
    monkeypatch.delenv("DISTILLGUARD_WATERMARK_SECRET", raising=False)
    (tmp_path / "leak.jsonl").write_text(json.dumps({"text": "toward the center"}) + "\n")
    (tmp_path / "bad.jsonl").write_text("{not json\n")
    filled = [a.replace("{tmp}", str(tmp_path)).replace("{ring}", str(ring_file)) for a in argv]
    assert main(filled) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert "Traceback" not in err


def test_master_secret_file_equals_keyring(tmp_path, capsys) -> None:
    secret = tmp_path / "secret.hex"
    secret.write_text(bytes(range(32)).hex() + "\n")
    tw = TextWatermarker(Keyring({"wm-1": bytes(range(32))}))
    leak = tmp_path / "leak.txt"
    leak.write_text("\n\n".join(tw.apply(t, "acct-2", 2.0).text for t in _responses()))
    args = ["trace", str(leak), "--master-secret-file", str(secret), "--strength", "2"]
    assert main([*args, "--json", "--alpha", "1e-3", *[f"--account={a}" for a in ACCOUNTS]]) == 0
    assert json.loads(capsys.readouterr().out)["attributed"] == ["acct-2"]


def test_radioactivity_tests_a_cluster_of_account_keys(students, ring_file, tmp_path, capsys):
    accounts = tmp_path / "cluster.txt"
    accounts.write_text("\n".join([*ACCOUNTS[:30], GLOBAL_ACCOUNT]) + "\n")
    args = ["radioactivity", "--keys", str(ring_file), "--suspect", f"ngram:{students['dirty']}"]
    assert main([*args, "--top-k", "32", "--accounts", str(accounts), "--json"]) == 0
    (doc,) = json.loads(capsys.readouterr().out)
    assert doc["accounts"]["n_keys_tested"] == 31
    assert doc["accounts"]["attributed"] == [GLOBAL_ACCOUNT]
    assert doc["accounts"]["ranked"][0]["account_id"] == GLOBAL_ACCOUNT
    assert main([*args, "--top-k", "32", "--accounts", str(accounts)]) == 0
    assert "account keys (tested 31)" in capsys.readouterr().out


def test_trace_finds_text_marked_before_a_rotation(tmp_path, capsys) -> None:
    ring = Keyring({"wm-old": b"o" * 32})
    tw = TextWatermarker(ring)
    leak = tmp_path / "leak.txt"
    leak.write_text("\n\n".join(tw.apply(t, "acct-4", 2.0).text for t in _responses()))
    ring.rotate("wm-new")
    path = tmp_path / "ring.json"
    ring.save(path)
    args = ["trace", str(leak), "--keys", str(path), "--strength", "2", "--alpha", "1e-3"]
    args += [f"--account={a}" for a in ACCOUNTS[:10]]
    assert main([*args, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["n_keys_tested"] == 20
    assert doc["attributed"] == ["acct-4"] and doc["ranked"][0]["key_id"] == "wm-old"
    assert main([*args, "--json", "--active-key-only"]) == 0
    assert json.loads(capsys.readouterr().out)["attributed"] == []
