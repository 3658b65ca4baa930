"""Writing the store back out as spec-format Parquet (``exchanges.parquet``, ``accounts.parquet``).

Times become RFC 3339 strings formatted like :func:`distillguard.exchange.format_ts`,
nested objects JSON strings; so ``ingest → export → ingest`` stores the same rows. Fields a
record carried beyond the spec (the ``extra`` column) come back as top-level columns of JSON
text whose field metadata marks them for decoding, so they too survive the round trip.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from distillguard.errors import StoreError
from distillguard.store._readers import JSON_FIELD_KEY

__all__ = ["export_store"]

_BATCH_ROWS = 32_768


def _ts_sql(col: str) -> str:
    """SQL formatting a naive-UTC TIMESTAMP like ``format_ts`` (ms unless finer)."""
    return (
        f"CASE WHEN {col} IS NULL THEN NULL "
        f"WHEN epoch_us({col}) % 1000 = 0 THEN strftime({col}, '%Y-%m-%dT%H:%M:%S.%gZ') "
        f"ELSE strftime({col}, '%Y-%m-%dT%H:%M:%S.%fZ') END AS {col}"
    )


_EXCHANGE_SELECT = (
    "SELECT id, "
    + _ts_sql("ts")
    + ", account_id, request, response, endpoint, key_id, ip, user_agent, "
    "client_fingerprint, status, latency_ms, meta, extra FROM exchanges"
)
_EXCHANGE_OUT = pa.schema(
    [
        ("id", pa.string()),
        ("ts", pa.string()),
        ("account_id", pa.string()),
        ("request", pa.string()),
        ("response", pa.string()),
        ("endpoint", pa.string()),
        ("key_id", pa.string()),
        ("ip", pa.string()),
        ("user_agent", pa.string()),
        ("client_fingerprint", pa.string()),
        ("status", pa.int32()),
        ("latency_ms", pa.float64()),
        ("meta", pa.string()),
    ]
)

_ACCOUNT_SELECT = (
    "SELECT account_id, "
    + _ts_sql("created_at")
    + ", org_id, tier, verified, email_domain, payment_fingerprint, signup_ip, country, extra "
    "FROM accounts ORDER BY account_id"
)
_ACCOUNT_OUT = pa.schema(
    [
        ("account_id", pa.string()),
        ("created_at", pa.string()),
        ("org_id", pa.string()),
        ("tier", pa.string()),
        ("verified", pa.bool_()),
        ("email_domain", pa.string()),
        ("payment_fingerprint", pa.string()),
        ("signup_ip", pa.string()),
        ("country", pa.string()),
    ]
)


def _extra_keys(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    keys: set[str] = set()
    cur = con.execute(f"SELECT DISTINCT extra FROM {table} WHERE extra IS NOT NULL")
    while chunk := cur.fetchmany(10_000):
        for (text,) in chunk:
            keys.update(orjson.loads(text))
    return sorted(keys)


def _with_extras(batch: pa.RecordBatch, base: pa.Schema, keys: list[str]) -> pa.Table:
    """The batch in the output layout: spec columns, then one JSON column per extra key."""
    arrays = [batch.column(name) for name in base.names]
    fields = list(base)
    if keys:
        decoded: list[dict[str, Any]] = [
            orjson.loads(text) if text is not None else {}
            for text in batch.column("extra").to_pylist()
        ]
        for key in keys:
            values = [orjson.dumps(d[key]).decode() if key in d else None for d in decoded]
            arrays.append(pa.array(values, type=pa.string()))
            fields.append(pa.field(key, pa.string(), metadata={JSON_FIELD_KEY: b"1"}))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _write(
    con: duckdb.DuckDBPyConnection,
    table: str,
    select: str,
    base: pa.Schema,
    out: Path,
    bar: Any,
) -> None:
    keys = _extra_keys(con, table)
    schema = base
    for key in keys:
        schema = schema.append(pa.field(key, pa.string(), metadata={JSON_FIELD_KEY: b"1"}))
    tmp = out.with_name(out.name + ".part")
    reader = con.sql(select).to_arrow_reader(_BATCH_ROWS)
    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for batch in reader:
            part = _with_extras(batch, base, keys).cast(schema)
            writer.write_table(part)
            bar.update(part.num_rows)
    tmp.replace(out)


def export_store(
    con: duckdb.DuckDBPyConnection, out_dir: Path, *, show_progress: bool
) -> list[Path]:
    """Write the store's exchanges and accounts as Parquet files in ``out_dir``."""
    from distillguard.store._store import bar_for

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{out_dir}: cannot create the output folder ({exc.strerror})") from None
    if not out_dir.is_dir():
        raise StoreError(f"{out_dir}: not a folder")
    (n_ex,) = con.execute("SELECT count(*) FROM exchanges").fetchone()  # type: ignore[misc]
    (n_acc,) = con.execute("SELECT count(*) FROM accounts").fetchone()  # type: ignore[misc]
    exchanges = out_dir / "exchanges.parquet"
    accounts = out_dir / "accounts.parquet"
    try:
        with bar_for(show_progress, total=n_ex + n_acc, desc="export", unit="rec") as bar:
            _write(con, "exchanges", _EXCHANGE_SELECT, _EXCHANGE_OUT, exchanges, bar)
            _write(con, "accounts", _ACCOUNT_SELECT, _ACCOUNT_OUT, accounts, bar)
    except OSError as exc:
        raise StoreError(f"{out_dir}: cannot write the export ({exc})") from None
    return [exchanges, accounts]
