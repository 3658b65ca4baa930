"""The store's tables: the fixed column contract other packages query with SQL.

``exchanges`` and ``accounts`` are a public contract (detection reads them directly), so
columns here may be added but never renamed, retyped or dropped. ``extra`` is our own
addition: the JSON text of any top-level fields a record carried beyond the spec, so that
operators' own optional fields survive ingest → export.
"""

from __future__ import annotations

import pyarrow as pa

__all__ = [
    "ACCOUNT_COLUMNS",
    "ACCOUNT_SCHEMA",
    "EXCHANGE_COLUMNS",
    "EXCHANGE_SCHEMA",
    "SCHEMA_SQL",
]

#: Arrow schema of one ingest batch; column order is the table's column order.
EXCHANGE_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("ts", pa.timestamp("us")),
        ("account_id", pa.string()),
        ("endpoint", pa.string()),
        ("model", pa.string()),
        ("request", pa.string()),
        ("response", pa.string()),
        ("key_id", pa.string()),
        ("ip", pa.string()),
        ("user_agent", pa.string()),
        ("client_fingerprint", pa.string()),
        ("status", pa.int32()),
        ("latency_ms", pa.float64()),
        ("meta", pa.string()),
        ("extra", pa.string()),
    ]
)

ACCOUNT_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("created_at", pa.timestamp("us")),
        ("org_id", pa.string()),
        ("tier", pa.string()),
        ("verified", pa.bool_()),
        ("email_domain", pa.string()),
        ("payment_fingerprint", pa.string()),
        ("signup_ip", pa.string()),
        ("country", pa.string()),
        ("extra", pa.string()),
    ]
)

EXCHANGE_COLUMNS: tuple[str, ...] = tuple(EXCHANGE_SCHEMA.names)
ACCOUNT_COLUMNS: tuple[str, ...] = tuple(ACCOUNT_SCHEMA.names)

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS exchanges (
    id VARCHAR,
    ts TIMESTAMP,
    account_id VARCHAR,
    endpoint VARCHAR,
    model VARCHAR,
    request VARCHAR USING COMPRESSION zstd,
    response VARCHAR USING COMPRESSION zstd,
    key_id VARCHAR,
    ip VARCHAR,
    user_agent VARCHAR,
    client_fingerprint VARCHAR,
    status INTEGER,
    latency_ms DOUBLE,
    meta VARCHAR,
    extra VARCHAR
);
CREATE TABLE IF NOT EXISTS accounts (
    account_id VARCHAR,
    created_at TIMESTAMP,
    org_id VARCHAR,
    tier VARCHAR,
    verified BOOLEAN,
    email_domain VARCHAR,
    payment_fingerprint VARCHAR,
    signup_ip VARCHAR,
    country VARCHAR,
    extra VARCHAR
);
"""
