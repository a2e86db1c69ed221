"""The local server's state: one SQLite database, a file or in memory.

Everything the server remembers lives in the tables of :data:`SCHEMA`. Lists, dicts and flags are
stored as JSON text; times as ISO 8601 UTC strings (``2026-11-24T08:00:00.000Z``), which sort
correctly as text. API key secrets and grant tokens are never stored: only their SHA-256.

:class:`Store` wraps one connection shared by the server's threads behind a lock. SQLite is fast
enough for a local server that one writer at a time is no bottleneck, and a single connection
makes an in-memory database work across threads. A file database runs in WAL mode, so a reader
in another process (``sqlite3 server.db``) never blocks the server. Nothing here is async: the
routes call the :class:`~dgdata.server.backend.core.Backend` in worker threads, never on the
event loop.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from dgdata.server.errors import not_found

log = logging.getLogger(__name__)

__all__ = [
    "PRIVATE_MODE",
    "SCHEMA",
    "Store",
    "Tables",
    "digest",
    "dumps",
    "iso",
    "loads",
    "new_id",
    "utcnow",
]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS projects (
    project_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    company TEXT,
    mip_opt_out INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
    member_id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    first_name TEXT,
    last_name TEXT
);
CREATE TABLE IF NOT EXISTS memberships (
    project_id TEXT NOT NULL REFERENCES projects ON DELETE CASCADE,
    member_id TEXT NOT NULL REFERENCES accounts ON DELETE CASCADE,
    scope TEXT NOT NULL,
    PRIMARY KEY (project_id, member_id)
);
CREATE TABLE IF NOT EXISTS api_keys (
    api_key_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects ON DELETE CASCADE,
    member_id TEXT NOT NULL REFERENCES accounts ON DELETE CASCADE,
    secret_sha256 TEXT NOT NULL UNIQUE,
    comment TEXT NOT NULL,
    scopes TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    created TEXT NOT NULL,
    expiration_date TEXT
);
CREATE TABLE IF NOT EXISTS invitations (
    project_id TEXT NOT NULL REFERENCES projects ON DELETE CASCADE,
    email TEXT NOT NULL,
    scope TEXT NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (project_id, email)
);
CREATE TABLE IF NOT EXISTS purchases (
    order_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects ON DELETE CASCADE,
    created TEXT NOT NULL,
    expiration TEXT,
    amount REAL NOT NULL,
    units TEXT NOT NULL,
    order_type TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS balances (
    balance_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects ON DELETE CASCADE,
    amount REAL NOT NULL,
    units TEXT NOT NULL,
    purchase_order_id TEXT
);
CREATE TABLE IF NOT EXISTS requests (
    request_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects ON DELETE CASCADE,
    api_key_id TEXT,
    created TEXT NOT NULL,
    completed TEXT,
    path TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    method TEXT NOT NULL,
    deployment TEXT NOT NULL DEFAULT 'hosted',
    code INTEGER NOT NULL,
    message TEXT,
    duration REAL NOT NULL DEFAULT 0,
    total_audio REAL NOT NULL DEFAULT 0,
    channels INTEGER NOT NULL DEFAULT 0,
    streams INTEGER NOT NULL DEFAULT 0,
    usd REAL NOT NULL DEFAULT 0,
    models TEXT NOT NULL DEFAULT '[]',
    tags TEXT NOT NULL DEFAULT '[]',
    features TEXT NOT NULL DEFAULT '[]',
    config TEXT NOT NULL DEFAULT '{}',
    tts_characters INTEGER NOT NULL DEFAULT 0,
    tokens_in INTEGER NOT NULL DEFAULT 0,
    tokens_out INTEGER NOT NULL DEFAULT 0,
    callback TEXT,
    callback_code INTEGER,
    callback_attempts INTEGER,
    callback_completed TEXT
);
CREATE INDEX IF NOT EXISTS requests_by_project ON requests (project_id, created);
CREATE TABLE IF NOT EXISTS credentials (
    distribution_credentials_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects ON DELETE CASCADE,
    member_id TEXT NOT NULL,
    comment TEXT,
    scopes TEXT NOT NULL,
    provider TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS agents (
    agent_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects ON DELETE CASCADE,
    config TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS agent_variables (
    variable_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    UNIQUE (project_id, key)
);
CREATE TABLE IF NOT EXISTS grants (
    token_sha256 TEXT PRIMARY KEY,
    api_key_id TEXT NOT NULL REFERENCES api_keys ON DELETE CASCADE,
    expires TEXT NOT NULL
);
"""


def utcnow() -> datetime:
    """The current time, UTC, to the millisecond (as the API reports times)."""
    now = datetime.now(timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def iso(moment: datetime) -> str:
    """``2026-11-24T08:00:00.123Z``: the API's timestamp form, which also sorts as text."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def new_id() -> str:
    """A fresh UUID string, the form of every id the API hands out."""
    return str(uuid.uuid4())


def digest(secret: str) -> str:
    """The SHA-256 hex digest a secret is stored and looked up by."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def dumps(value: Any) -> str:
    """JSON text for a column."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def loads(text: str | None, default: Any = None) -> Any:
    """The value of a JSON column (``default`` for NULL)."""
    return default if text is None else json.loads(text)


#: The mode of the database file and its ``-wal``/``-shm``/``-journal`` files: the database
#: holds member emails and usage, which other users of the machine have no business reading.
PRIVATE_MODE = 0o600
_SIDE_FILES = ("-wal", "-shm", "-journal")


def _make_private(path: str) -> None:
    """Create the database file readable and writable by its owner only (whatever the umask),
    or tighten an existing one; SQLite gives its side files the database file's mode."""
    if path in ("", ":memory:"):
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_MODE)
    try:
        os.fchmod(fd, PRIVATE_MODE)  # the umask may have taken bits away, or the file was older
    except OSError as exc:  # someone else's file: SQLite decides whether it can use it
        log.warning("could not make %s private (mode 600): %s", path, exc)
    finally:
        os.close(fd)


class Store:
    """One SQLite database shared by the server's threads.

    ``path`` is a file (created if missing, mode 600, schema applied idempotently) or
    ``":memory:"``.
    """

    def __init__(self, path: str | os.PathLike[str] = ":memory:") -> None:
        self.path = str(path)
        _make_private(self.path)
        self._lock = threading.RLock()
        self._depth = 0  # transactions open on the thread holding the lock
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA foreign_keys = ON")
        if self.path != ":memory:":
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA busy_timeout = 5000")
        self._conn.executescript(SCHEMA)
        if self.path not in ("", ":memory:"):
            for suffix in _SIDE_FILES:  # SQLite copies the mode; this makes sure of it
                with contextlib.suppress(FileNotFoundError):
                    os.chmod(self.path + suffix, PRIVATE_MODE)

    def __repr__(self) -> str:
        return f"Store({self.path!r})"

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and run the block in one transaction (rolled back on error).

        A transaction inside another (on the same thread) joins it: everything commits, or
        rolls back, with the outermost one.
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._conn
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._depth = 0

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        """All rows of a query."""
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
        """The first row of a query, or None."""
        with self._lock:
            row: sqlite3.Row | None = self._conn.execute(sql, params).fetchone()
            return row

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run one statement (its own transaction); returns the number of rows changed."""
        with self._lock:
            return self._conn.execute(sql, params).rowcount

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement once per row (inside the caller's transaction, if any)."""
        with self._lock:
            self._conn.executemany(sql, rows)

    def get_meta(self, key: str) -> str | None:
        """A value of the ``meta`` table."""
        row = self.one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        """Set a value of the ``meta`` table."""
        self.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def reset(self) -> None:
        """Forget everything: drop every row of every table (the schema stays)."""
        with self.transaction() as conn:
            tables = [
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            conn.execute("PRAGMA defer_foreign_keys = ON")
            for table in tables:
                conn.execute(f'DELETE FROM "{table}"')

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()


class Tables:
    """A part of the backend: methods over some tables of one :class:`Store`.

    :class:`~dgdata.server.backend.core.Backend` is made of these parts; each can also be used on
    its own over a bare store (``Accounts(store).ensure_account(...)``).
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def _one_or_404(
        self, what: str, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> sqlite3.Row:
        """The first row of a query; the API's 404 naming ``what`` when there is none."""
        row = self.store.one(sql, params)
        if row is None:
            raise not_found(what)
        return row
