"""The gateway's control plane: accounts, API keys, verdicts, overrides and the audit log.

A small SQLite file (WAL mode) holds them, so ``distillguard keys create``, ``override`` or
an offline detector run can change them while gateways are running: each gateway re-reads
the file in a background thread about once a second (see ``docs/decisions.md`` D4). The
default file sits beside the DuckDB store: ``<db stem>.state.sqlite``.

Secrets never reach this file: keys are stored as the SHA-256 of the secret.

Each :class:`StateDB` owns one connection and must be used from one thread at a time.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from distillguard._types import JSONObject, Verdict
from distillguard.errors import ConfigError, StoreError
from distillguard.exchange import ACCOUNT_FIELDS, Account, format_ts, parse_account

__all__ = [
    "AuditEntry",
    "KeyRow",
    "OverrideRow",
    "Snapshot",
    "StateDB",
    "VerdictRow",
    "default_state_path",
    "now_ts",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    account_id TEXT PRIMARY KEY,
    created_at TEXT,
    org_id TEXT,
    tier TEXT,
    verified INTEGER,
    email_domain TEXT,
    payment_fingerprint TEXT,
    signup_ip TEXT,
    country TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS keys (
    key_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL UNIQUE,
    name TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX IF NOT EXISTS keys_account ON keys(account_id);
CREATE TABLE IF NOT EXISTS verdicts (
    account_id TEXT PRIMARY KEY,
    verdict TEXT NOT NULL,
    score REAL NOT NULL,
    cluster_id TEXT,
    reasons TEXT NOT NULL,
    source TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS overrides (
    account_id TEXT PRIMARY KEY,
    verdict TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS generations (
    name TEXT PRIMARY KEY,
    gen INTEGER NOT NULL
);
INSERT OR IGNORE INTO generations (name, gen) VALUES
    ('accounts', 0), ('keys', 0), ('verdicts', 0), ('overrides', 0), ('verdict_seq', 0);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS gen_accounts_insert AFTER INSERT ON accounts
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'accounts'; END;
CREATE TRIGGER IF NOT EXISTS gen_accounts_update AFTER UPDATE ON accounts
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'accounts'; END;
CREATE TRIGGER IF NOT EXISTS gen_accounts_delete AFTER DELETE ON accounts
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'accounts'; END;
CREATE TRIGGER IF NOT EXISTS gen_keys_insert AFTER INSERT ON keys
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'keys'; END;
CREATE TRIGGER IF NOT EXISTS gen_keys_update AFTER UPDATE ON keys
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'keys'; END;
CREATE TRIGGER IF NOT EXISTS gen_keys_delete AFTER DELETE ON keys
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'keys'; END;
CREATE TRIGGER IF NOT EXISTS gen_verdicts_insert AFTER INSERT ON verdicts
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'verdicts'; END;
CREATE TRIGGER IF NOT EXISTS gen_verdicts_update AFTER UPDATE ON verdicts
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'verdicts'; END;
CREATE TRIGGER IF NOT EXISTS gen_verdicts_delete AFTER DELETE ON verdicts
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'verdicts'; END;
CREATE TRIGGER IF NOT EXISTS gen_overrides_insert AFTER INSERT ON overrides
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'overrides'; END;
CREATE TRIGGER IF NOT EXISTS gen_overrides_update AFTER UPDATE ON overrides
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'overrides'; END;
CREATE TRIGGER IF NOT EXISTS gen_overrides_delete AFTER DELETE ON overrides
BEGIN UPDATE generations SET gen = gen + 1 WHERE name = 'overrides'; END;
"""


def now_ts() -> str:
    """The current time as RFC 3339 UTC text (the format every table uses)."""
    return format_ts(datetime.now(UTC))


def default_state_path(db_path: Path) -> Path:
    """``<db stem>.state.sqlite`` beside the DuckDB store file ``db_path``."""
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem}.state.sqlite")


@dataclass(frozen=True, slots=True)
class KeyRow:
    """One API key as stored (never the secret)."""

    key_id: str
    account_id: str
    secret_sha256: str
    name: str | None
    created_at: str
    revoked_at: str | None

    def public(self) -> JSONObject:
        """The key's fields safe to show (no hash either: it is not needed outside)."""
        return {
            "key_id": self.key_id,
            "account_id": self.account_id,
            "name": self.name,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }


@dataclass(frozen=True, slots=True)
class VerdictRow:
    account_id: str
    verdict: Verdict
    score: float
    cluster_id: str | None
    reasons: list[str]
    source: str
    updated_at: str

    def to_json(self) -> JSONObject:
        return {
            "account_id": self.account_id,
            "verdict": self.verdict.value,
            "score": self.score,
            "cluster_id": self.cluster_id,
            "reasons": list(self.reasons),
            "source": self.source,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True, slots=True)
class OverrideRow:
    account_id: str
    verdict: Verdict
    reason: str
    actor: str
    created_at: str

    def to_json(self) -> JSONObject:
        return {
            "account_id": self.account_id,
            "verdict": self.verdict.value,
            "reason": self.reason,
            "actor": self.actor,
            "created_at": self.created_at,
        }


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    ts: str
    actor: str
    action: str
    target: str
    detail: JSONObject

    def to_json(self) -> JSONObject:
        return {
            "id": self.id,
            "ts": self.ts,
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "detail": self.detail,
        }


@dataclass(slots=True)
class Snapshot:
    """What the hot path needs, read in one transaction with plain SQL (no record
    validation), so a reload stays cheap with millions of accounts.

    ``keys``: active keys as ``(secret_sha256, key_id, account_id, org_id)``;
    ``tiers``: account id -> tier for accounts that have one; ``verdicts``: detector
    verdicts as account id -> ``(verdict, cluster_id)``; ``overrides``: account id ->
    verdict. A part is ``None`` when its tables did not change since the generations
    passed to :meth:`StateDB.snapshot` (triggers count every change per table); with
    ``verdicts_delta`` the verdicts hold only rows written since then.
    """

    generations: dict[str, int] = field(default_factory=dict)
    keys: list[tuple[str, str, str, str | None]] | None = None
    tiers: dict[str, str] | None = None
    verdicts: dict[str, tuple[Verdict, str | None]] | None = None
    overrides: dict[str, Verdict] | None = None
    verdicts_delta: bool = False


def _verdict(value: str) -> Verdict:
    try:
        return Verdict.parse(value)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


class StateDB:
    """One connection to the control-plane SQLite file (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                self.path, timeout=10.0, isolation_level=None, check_same_thread=False
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA busy_timeout=10000")
            self._conn.executescript(_SCHEMA)
            self._migrate()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open control-plane state {self.path}: {exc}") from None
        except OSError as exc:
            raise StoreError(f"cannot open control-plane state {self.path}: {exc}") from None

    def _migrate(self) -> None:
        """Add what files made by earlier versions lack (idempotent)."""
        cols = {row[1] for row in self._conn.execute("PRAGMA table_info(verdicts)")}
        if "seq" not in cols:
            self._conn.execute("ALTER TABLE verdicts ADD COLUMN seq INTEGER NOT NULL DEFAULT 0")
        self._conn.execute("CREATE INDEX IF NOT EXISTS verdicts_seq ON verdicts(seq)")

    # ------------------------------------------------------------------ plumbing

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> StateDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE: one writer at a time across processes)."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"control-plane state {self.path} is busy: {exc}") from None
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        else:
            self._conn.execute("COMMIT")

    def data_version(self) -> int:
        """Changes whenever another connection commits (cheap change detection)."""
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def _audit(self, conn: sqlite3.Connection, actor: str, action: str, target: str, detail: Any):
        conn.execute(
            "INSERT INTO audit (ts, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
            (now_ts(), actor, action, target, json.dumps(detail, sort_keys=True)),
        )

    # ------------------------------------------------------------------ accounts

    def upsert_accounts(self, records: Iterable[Any], *, actor: str = "system") -> int:
        """Insert or update accounts (spec accounts-file records); returns how many."""
        accounts = [r if isinstance(r, Account) else parse_account(r) for r in records]
        ts = now_ts()
        with self._tx() as conn:
            for a in accounts:
                conn.execute(
                    """INSERT INTO accounts (account_id, created_at, org_id, tier, verified,
                        email_domain, payment_fingerprint, signup_ip, country, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(account_id) DO UPDATE SET
                        created_at=COALESCE(excluded.created_at, created_at),
                        org_id=COALESCE(excluded.org_id, org_id),
                        tier=COALESCE(excluded.tier, tier),
                        verified=COALESCE(excluded.verified, verified),
                        email_domain=COALESCE(excluded.email_domain, email_domain),
                        payment_fingerprint=COALESCE(excluded.payment_fingerprint,
                                                     payment_fingerprint),
                        signup_ip=COALESCE(excluded.signup_ip, signup_ip),
                        country=COALESCE(excluded.country, country),
                        updated_at=excluded.updated_at""",
                    (
                        a.account_id,
                        format_ts(a.created_at) if a.created_at else None,
                        a.org_id,
                        a.tier,
                        None if a.verified is None else int(a.verified),
                        a.email_domain,
                        a.payment_fingerprint,
                        a.signup_ip,
                        a.country,
                        ts,
                    ),
                )
            if len(accounts) == 1:
                self._audit(
                    conn, actor, "account.upsert", accounts[0].account_id, accounts[0].to_record()
                )
            elif accounts:
                self._audit(conn, actor, "account.import", "*", {"count": len(accounts)})
        return len(accounts)

    _ACCOUNT_COLUMNS = ", ".join(ACCOUNT_FIELDS)

    @staticmethod
    def _account(row: tuple[Any, ...]) -> Account:
        rec = {k: v for k, v in zip(ACCOUNT_FIELDS, row, strict=True) if v is not None}
        if "verified" in rec:
            rec["verified"] = bool(rec["verified"])
        return parse_account(rec)

    def accounts(self) -> dict[str, Account]:
        """Every account's metadata, by id."""
        rows = self._conn.execute(f"SELECT {self._ACCOUNT_COLUMNS} FROM accounts")
        return {row[0]: self._account(row) for row in rows}

    def list_accounts(self, *, limit: int, offset: int = 0) -> list[Account]:
        """One page of accounts in id order."""
        rows = self._conn.execute(
            f"SELECT {self._ACCOUNT_COLUMNS} FROM accounts ORDER BY account_id LIMIT ? OFFSET ?",
            (int(limit), int(offset)),
        )
        return [self._account(row) for row in rows]

    def account(self, account_id: str) -> Account | None:
        row = self._conn.execute(
            f"SELECT {self._ACCOUNT_COLUMNS} FROM accounts WHERE account_id = ?", (account_id,)
        ).fetchone()
        return None if row is None else self._account(row)

    # ------------------------------------------------------------------ keys

    def insert_key(self, row: KeyRow, *, actor: str) -> None:
        with self._tx() as conn:
            conn.execute(
                """INSERT INTO keys (key_id, account_id, secret_sha256, name, created_at,
                    revoked_at) VALUES (?, ?, ?, ?, ?, NULL)""",
                (row.key_id, row.account_id, row.secret_sha256, row.name, row.created_at),
            )
            self._audit(conn, actor, "key.create", row.key_id, {"account_id": row.account_id})

    def revoke_key(self, key_id: str, *, actor: str, reason: str = "") -> KeyRow:
        """Mark a key revoked; raises ConfigError for an unknown key. Idempotent."""
        with self._tx() as conn:
            row = conn.execute("SELECT revoked_at FROM keys WHERE key_id = ?", (key_id,)).fetchone()
            if row is None:
                raise ConfigError(f"unknown key id {key_id!r}")
            if row[0] is None:
                conn.execute("UPDATE keys SET revoked_at = ? WHERE key_id = ?", (now_ts(), key_id))
                self._audit(conn, actor, "key.revoke", key_id, {"reason": reason})
        return self.key(key_id)  # type: ignore[return-value]

    def keys(self, *, account_id: str | None = None, include_revoked: bool = True) -> list[KeyRow]:
        sql = "SELECT key_id, account_id, secret_sha256, name, created_at, revoked_at FROM keys"
        where, params = [], []
        if account_id is not None:
            where.append("account_id = ?")
            params.append(account_id)
        if not include_revoked:
            where.append("revoked_at IS NULL")
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at, key_id"
        return [KeyRow(*r) for r in self._conn.execute(sql, params).fetchall()]

    def key(self, key_id: str) -> KeyRow | None:
        r = self._conn.execute(
            "SELECT key_id, account_id, secret_sha256, name, created_at, revoked_at FROM keys "
            "WHERE key_id = ?",
            (key_id,),
        ).fetchone()
        return None if r is None else KeyRow(*r)

    # ------------------------------------------------------------------ verdicts

    def set_verdicts(self, rows: Iterable[VerdictRow]) -> None:
        """Write detector verdicts (latest wins). Not audit-logged: the detector's own
        output is its record; overrides are what the audit log is for.

        Every write carries a new sequence number so gateways re-read only the rows written
        since their last reload; write verdicts through this method, not raw SQL.
        """
        with self._tx() as conn:
            conn.execute("UPDATE generations SET gen = gen + 1 WHERE name = 'verdict_seq'")
            (seq,) = conn.execute(
                "SELECT gen FROM generations WHERE name = 'verdict_seq'"
            ).fetchone()
            conn.executemany(
                """INSERT INTO verdicts (account_id, verdict, score, cluster_id, reasons,
                    source, updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(account_id) DO UPDATE SET verdict=excluded.verdict,
                    score=excluded.score, cluster_id=excluded.cluster_id,
                    reasons=excluded.reasons, source=excluded.source,
                    updated_at=excluded.updated_at, seq=excluded.seq""",
                [
                    (
                        r.account_id,
                        r.verdict.value,
                        float(r.score),
                        r.cluster_id,
                        json.dumps(list(r.reasons)),
                        r.source,
                        r.updated_at,
                        seq,
                    )
                    for r in rows
                ],
            )

    def verdicts(self) -> dict[str, VerdictRow]:
        out: dict[str, VerdictRow] = {}
        for r in self._conn.execute(
            "SELECT account_id, verdict, score, cluster_id, reasons, source, updated_at "
            "FROM verdicts"
        ):
            out[r[0]] = VerdictRow(
                r[0], _verdict(r[1]), float(r[2]), r[3], list(json.loads(r[4])), r[5], r[6]
            )
        return out

    # ------------------------------------------------------------------ overrides

    def set_override(
        self, account_id: str, verdict: Verdict, *, reason: str, actor: str
    ) -> OverrideRow:
        """Pin an account's verdict until cleared; audit-logged with who/when/what/why."""
        if not reason.strip():
            raise ConfigError("an override needs a reason")
        if not actor.strip():
            raise ConfigError("an override needs an actor")
        row = OverrideRow(account_id, verdict, reason, actor, now_ts())
        with self._tx() as conn:
            prev = conn.execute(
                "SELECT verdict FROM overrides WHERE account_id = ?", (account_id,)
            ).fetchone()
            conn.execute(
                """INSERT INTO overrides (account_id, verdict, reason, actor, created_at)
                VALUES (?, ?, ?, ?, ?) ON CONFLICT(account_id) DO UPDATE SET
                verdict=excluded.verdict, reason=excluded.reason, actor=excluded.actor,
                created_at=excluded.created_at""",
                (account_id, verdict.value, reason, actor, row.created_at),
            )
            self._audit(
                conn,
                actor,
                "override.set",
                account_id,
                {"verdict": verdict.value, "previous": prev[0] if prev else None, "reason": reason},
            )
        return row

    def clear_override(self, account_id: str, *, reason: str, actor: str) -> bool:
        """Remove an override; audit-logged. Returns False when there was none."""
        if not actor.strip():
            raise ConfigError("clearing an override needs an actor")
        with self._tx() as conn:
            prev = conn.execute(
                "SELECT verdict FROM overrides WHERE account_id = ?", (account_id,)
            ).fetchone()
            if prev is None:
                return False
            conn.execute("DELETE FROM overrides WHERE account_id = ?", (account_id,))
            self._audit(
                conn, actor, "override.clear", account_id, {"previous": prev[0], "reason": reason}
            )
        return True

    def overrides(self) -> dict[str, OverrideRow]:
        return {
            r[0]: OverrideRow(r[0], _verdict(r[1]), r[2], r[3], r[4])
            for r in self._conn.execute(
                "SELECT account_id, verdict, reason, actor, created_at FROM overrides"
            )
        }

    # ------------------------------------------------------------------ audit

    def audit_log(self, *, limit: int = 100, target: str | None = None) -> list[AuditEntry]:
        """The newest audit entries first."""
        sql = "SELECT id, ts, actor, action, target, detail FROM audit"
        params: list[Any] = []
        if target is not None:
            sql += " WHERE target = ?"
            params.append(target)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(int(limit))
        return [
            AuditEntry(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]))
            for r in self._conn.execute(sql, params)
        ]

    def record_audit(self, actor: str, action: str, target: str, detail: Any) -> None:
        with self._tx() as conn:
            self._audit(conn, actor, action, target, detail)

    # ------------------------------------------------------------------ snapshot

    def snapshot(self, since: dict[str, int] | None = None) -> Snapshot:
        """The parts that changed since generations ``since`` (all parts when ``None``)."""
        conn = self._conn
        conn.execute("BEGIN")
        try:
            gens = dict(conn.execute("SELECT name, gen FROM generations"))
            changed = {
                name for name, gen in gens.items() if since is None or since.get(name) != gen
            }
            snap = Snapshot(generations=gens)
            if changed & {"keys", "accounts"}:
                snap.keys = conn.execute(
                    """SELECT k.secret_sha256, k.key_id, k.account_id, a.org_id
                    FROM keys k LEFT JOIN accounts a ON a.account_id = k.account_id
                    WHERE k.revoked_at IS NULL"""
                ).fetchall()
            if "accounts" in changed:
                snap.tiers = dict(
                    conn.execute("SELECT account_id, tier FROM accounts WHERE tier IS NOT NULL")
                )
            if "verdicts" in changed:
                sql = "SELECT account_id, verdict, cluster_id FROM verdicts"
                params: tuple[int, ...] = ()
                if since is not None and "verdict_seq" in since:
                    sql += " WHERE seq > ?"
                    params = (since["verdict_seq"],)
                    snap.verdicts_delta = True
                snap.verdicts = {
                    account_id: (_verdict(verdict), cluster or None)
                    for account_id, verdict, cluster in conn.execute(sql, params)
                }
            if "overrides" in changed:
                snap.overrides = {
                    account_id: _verdict(verdict)
                    for account_id, verdict in conn.execute(
                        "SELECT account_id, verdict FROM overrides"
                    )
                }
        finally:
            conn.execute("COMMIT")
        return snap
