"""Verifying signed responses: saved responses and exported exchange logs.

A *saved response* is a JSON object ``{"body": ..., "headers": {...}, "request": ...}``:
``body`` is the response body as text (the exact bytes received, UTF-8) or as a parsed JSON
object; ``request`` (optional) likewise. An *exchange log* is JSON Lines (optionally gzipped)
or Parquet of spec exchange records whose ``meta.provenance`` holds the signature headers
the gateway returned (``x-distillguard-signature``, ``-signing-key``, ``-signed``).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from distillguard.errors import InputError
from distillguard.provenance.signing import META_KEY, Check, verify_headers

__all__ = ["iter_inputs", "verify_paths", "verify_record", "verify_saved_response"]

Keys = Mapping[str, Ed25519PublicKey]


def _maybe_json(value: Any) -> Any:
    """Parquet exports keep nested objects as JSON text: decode those."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def verify_record(record: Mapping[str, Any], keys: Keys) -> Check:
    """Verify one exchange record whose ``meta`` carries the gateway's signature headers."""
    meta = _maybe_json(record.get("meta"))
    headers = None
    if isinstance(meta, Mapping):
        headers = meta.get(META_KEY) or meta.get("signature")
    if not isinstance(headers, Mapping):
        return Check(ok=False, problems=["not signed (no meta.provenance)"])
    response = _maybe_json(record.get("response"))
    request = _maybe_json(record.get("request"))
    model = response.get("model") if isinstance(response, Mapping) else None
    ts = record.get("ts")
    if ts is not None and not isinstance(ts, str):
        ts = ts.isoformat() if hasattr(ts, "isoformat") else str(ts)
    return verify_headers(
        headers,
        keys,
        response_obj=response,
        request_obj=request,
        account_id=record.get("account_id"),
        key_id=record.get("key_id"),
        model=model if isinstance(model, str) else None,
        ts=ts,
    )


def _body(value: Any) -> tuple[bytes | None, Any]:
    if value is None:
        return None, None
    if isinstance(value, str):
        return value.encode("utf-8"), None
    return None, value


def verify_saved_response(saved: Mapping[str, Any], keys: Keys) -> Check:
    """Verify ``{"body": ..., "headers": {...}, "request"?: ...}``."""
    headers = saved.get("headers")
    if not isinstance(headers, Mapping):
        return Check(ok=False, problems=["saved response has no 'headers' object"])
    if "body" not in saved:
        return Check(ok=False, problems=["saved response has no 'body'"])
    resp_raw, resp_obj = _body(saved.get("body"))
    req_raw, req_obj = _body(saved.get("request"))
    return verify_headers(
        headers,
        keys,
        response_body=resp_raw,
        response_obj=resp_obj,
        request_body=req_raw,
        request_obj=req_obj,
    )


def _is_exchange(obj: Any) -> bool:
    return isinstance(obj, Mapping) and "account_id" in obj and "response" in obj


def iter_inputs(path: Path) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(label, object)`` for each saved response or exchange record in ``path``."""
    path = Path(path)
    name = path.name.lower()
    try:
        if name.endswith(".parquet"):
            import pyarrow.parquet as pq

            pf = pq.ParquetFile(path)
            row = 0
            for batch in pf.iter_batches(batch_size=8192):
                for rec in batch.to_pylist():
                    row += 1
                    yield f"{path.name}:{rec.get('id') or row}", rec
            return
        if name.endswith((".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as fh:
                for lineno, line in enumerate(fh, 1):
                    if not line.strip():
                        continue
                    try:
                        rec = json.loads(line)
                    except ValueError:
                        raise InputError(f"{path}:{lineno}: not valid JSON") from None
                    if not isinstance(rec, dict):
                        raise InputError(f"{path}:{lineno}: not a JSON object")
                    yield f"{path.name}:{rec.get('id') or lineno}", rec
            return
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise InputError(f"{path} does not exist") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    except ValueError as exc:
        raise InputError(f"{path} is not valid JSON: {exc}") from None
    items = data if isinstance(data, list) else [data]
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise InputError(f"{path}: item {i} is not a JSON object")
        label = path.name if len(items) == 1 else f"{path.name}[{i}]"
        yield label, item


_SUFFIXES = (".json", ".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz", ".parquet")


def _expand(paths: Sequence[Path]) -> Iterator[Path]:
    """Files as given; folders contribute their log and response files, sorted."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(_SUFFIXES)
            )
        else:
            yield path


def verify_paths(paths: Sequence[Path], keys: Keys) -> Iterator[tuple[str, Check]]:
    """Verify every saved response or exchange record in ``paths`` (files or folders)."""
    for path in _expand(paths):
        for label, obj in iter_inputs(path):
            check = (
                verify_record(obj, keys) if _is_exchange(obj) else verify_saved_response(obj, keys)
            )
            yield label, check
