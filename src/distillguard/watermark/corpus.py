"""Read a body of text to trace: plain text, JSONL of texts or chat records, exchange logs.

Every reader yields :class:`Passage` objects: a text that may carry a watermark (a
response, an assistant turn, a paragraph) and the prompt text it answered, whose units are
excluded so an echoed prompt never counts. Formats are recognised per record:

* exchange-log records (``request`` + ``response``, spec section 1; JSONL, ``.jsonl.gz``
  or Parquet) - the response text, with the request's conversation as the prompt;
* chat records (``messages``) - assistant turns, with the other turns as the prompt;
* objects with a text field (``text``, ``completion``, ``output``, ``response``,
  ``answer``), with ``prompt``/``instruction``/``input``/``question`` as the prompt;
* a JSON string per line; and any other file as plain text, one passage per paragraph.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from distillguard.errors import InputError, RecordError
from distillguard.exchange import parse_exchange, prompt_messages, response_text

__all__ = ["Passage", "corpus_files", "read_corpus"]

_TEXT_FIELDS = ("text", "completion", "output", "response", "answer", "content")
_PROMPT_FIELDS = ("prompt", "instruction", "input", "question")
_JSON_SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".ndjson")
_KNOWN = (*_JSON_SUFFIXES, ".parquet", ".txt", ".md", ".text")


@dataclass(frozen=True, slots=True)
class Passage:
    """A text to score, the prompt it answered (may be empty) and where it came from."""

    text: str
    prompt: str
    source: str
    account_id: str | None = None


def corpus_files(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Files named, and files with a known suffix inside named folders (sorted)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.name.endswith(_KNOWN))
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise InputError(f"no such file or folder: {p}")
    if not out:
        raise InputError("no input files found")
    return out


def read_corpus(paths: Sequence[str | os.PathLike[str]]) -> Iterator[Passage]:
    """Every passage of every input file, in order."""
    for path in corpus_files(paths):
        name = path.name
        if name.endswith(".parquet"):
            yield from _read_parquet(path)
        elif name.endswith(_JSON_SUFFIXES):
            yield from _read_jsonl(path)
        else:
            yield from _read_text(path)


def _read_text(path: Path) -> Iterator[Passage]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    for i, para in enumerate(text.split("\n\n")):
        if para.strip():
            yield Passage(para, "", f"{path}#{i + 1}")


def _read_jsonl(path: Path) -> Iterator[Passage]:
    try:
        raw = path.read_bytes()
        if path.name.endswith(".gz"):
            raw = gzip.decompress(raw)
    except (OSError, gzip.BadGzipFile, EOFError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    stripped = raw.lstrip()
    if path.name.endswith(".json") and stripped.startswith(b"["):
        try:
            items = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise InputError(f"{path} is not valid JSON") from None
        for i, obj in enumerate(items):
            yield from _passages(obj, f"{path}[{i}]")
        return
    for lineno, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            raise InputError(f"{path}:{lineno}: not a JSON line") from None
        yield from _passages(obj, f"{path}:{lineno}")


def _read_parquet(path: Path) -> Iterator[Passage]:
    try:
        import pyarrow.parquet as pq

        table = pq.read_table(path)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    for i, row in enumerate(table.to_pylist()):
        for field in ("request", "response", "meta"):
            if isinstance(row.get(field), str):
                try:
                    row[field] = orjson.loads(row[field])
                except orjson.JSONDecodeError:
                    raise InputError(f"{path} row {i}: {field} is not JSON") from None
        row = {k: v for k, v in row.items() if v is not None or k == "response"}
        yield from _passages(row, f"{path}#{i}")


def _passages(obj: Any, where: str) -> Iterator[Passage]:
    if isinstance(obj, str):
        yield Passage(obj, "", where)
        return
    if not isinstance(obj, dict):
        raise InputError(f"{where}: expected a JSON object or string")
    if "request" in obj and "account_id" in obj:
        try:
            ex = parse_exchange(obj)
        except RecordError as exc:
            raise RecordError(f"{where}: {exc}", exc.field) from None
        prompt = "\n".join(t for _, t in prompt_messages(ex.endpoint, ex.request))
        text = response_text(ex.endpoint, ex.response)
        if text:
            yield Passage(text, prompt, where, ex.account_id)
        return
    messages = obj.get("messages")
    if isinstance(messages, list):
        prompt_parts: list[str] = []
        for msg in messages:
            if not isinstance(msg, dict):
                continue
            content = _content(msg.get("content"))
            if msg.get("role") == "assistant":
                if content:
                    yield Passage(content, "\n".join(prompt_parts), where)
            else:
                prompt_parts.append(content)
        return
    prompt = next((obj[f] for f in _PROMPT_FIELDS if isinstance(obj.get(f), str)), "")
    for field in _TEXT_FIELDS:
        value = obj.get(field)
        if isinstance(value, str):
            yield Passage(value, prompt, where)
            return
    raise InputError(f"{where}: no text field (expected one of {', '.join(_TEXT_FIELDS)})")


def _content(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            p.get("text", "")
            for p in content
            if isinstance(p, dict) and isinstance(p.get("text"), str)
        )
    return ""
