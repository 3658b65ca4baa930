"""Prompt-set loading: records are sorted into capabilities by content, not file name,
and unusable folders fail with one clear line."""

from __future__ import annotations

from pathlib import Path
from random import Random

import orjson
import pytest

from distillguard.cli import main
from distillguard.errors import InputError
from distillguard.sim.text import CAPABILITIES, PromptPool, classify, respond


def _write(path: Path, records: list[dict]) -> None:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))


def _user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


RECORDS = [
    {
        "messages": _user("What's the weather in Oslo?"),
        "tools": [{"type": "function", "function": {"name": "w", "parameters": {}}}],
    },
    {
        "messages": _user("Tom has 3 apples and buys 4 more. How many now?"),
        "reference": "3+4=7\n#### 7",
    },
    {"messages": _user("Write a Python function that reverses a string.")},
    {"messages": _user("hi"), "reference": None},
    {
        "messages": [
            {"role": "user", "content": "hello"},
            {"role": "assistant", "content": "hi! how can I help?"},
            {"role": "user", "content": "tell me a joke"},
        ]
    },
    {"messages": _user("Solve this riddle: what has keys but no locks?")},
    {"messages": _user("Write a short poem about the sea.")},
]


def test_classify_uses_content_only():
    got = [classify(r) for r in RECORDS]
    assert got == ["tools", "math", "coding", "chat", "chat", "reasoning", "writing"]
    assert classify({"messages": []}) is None
    assert classify({"messages": [{"role": "assistant", "content": "x"}]}) is None


def test_pool_reads_any_file_names_and_keeps_history(tmp_path: Path):
    _write(tmp_path / "zz-misc.jsonl", RECORDS)
    (tmp_path / "notes.txt").write_text("ignored")
    pool = PromptPool(tmp_path, real_share=1.0)
    counts = pool.counts()
    assert counts["tools"] == counts["math"] == counts["coding"] == 1
    assert counts["chat"] == 2
    assert pool.sources == ("zz-misc.jsonl",)
    rng = Random(0)
    chats = {pool.task("chat", rng).text: pool.task("chat", rng) for _ in range(20)}
    multi = [t for t in chats.values() if t.history]
    assert multi and multi[0].history[-1]["role"] == "assistant"
    for cap in CAPABILITIES:  # capabilities without real prompts fall back to built-in ones
        task = pool.task(cap, rng)
        assert task.text and respond(task, rng)


@pytest.mark.parametrize(
    ("setup", "needle"),
    [
        (lambda d: None, "no .jsonl"),
        (lambda d: (d / "a.jsonl").write_text("{not json\n"), "not JSON"),
        (lambda d: (d / "a.jsonl").write_text('{"source": "x"}\n'), "no usable prompts"),
    ],
)
def test_unusable_prompt_folders_fail_cleanly(tmp_path: Path, capsys, setup, needle):
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    setup(prompts)
    with pytest.raises(InputError, match=needle):
        PromptPool(prompts)
    code = main(["simulate", "--out", str(tmp_path / "out"), "--prompts", str(prompts)])
    err = capsys.readouterr().err.strip()
    assert code == 1 and "\n" not in err and needle in err
