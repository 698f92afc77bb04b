"""The local pool's SQLite database: one file under the data directory, one lock."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from .errors import PoolError

SCHEMA = """
-- The calls of the last second per throttled quota category: in the database, so that every
-- process serving this pool counts against one quota, as Cognito's callers do.
CREATE TABLE IF NOT EXISTS throttle_calls (
    category TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS throttle_calls_by_time ON throttle_calls (category, at);
CREATE TABLE IF NOT EXISTS users (
    sub TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    email TEXT COLLATE NOCASE,
    native INTEGER NOT NULL DEFAULT 1,
    attributes TEXT NOT NULL,
    password_hash TEXT,
    status TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    created REAL NOT NULL,
    modified REAL NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until REAL NOT NULL DEFAULT 0,
    pending_email TEXT,
    mfa_secret TEXT,
    mfa_pending_secret TEXT,
    mfa_preferred INTEGER NOT NULL DEFAULT 0,
    identities TEXT NOT NULL DEFAULT '[]',
    linked_to TEXT,
    srp_salt TEXT,
    srp_verifier TEXT
);
CREATE INDEX IF NOT EXISTS users_email ON users(email);
CREATE TABLE IF NOT EXISTS codes (
    sub TEXT NOT NULL,
    purpose TEXT NOT NULL,
    code TEXT NOT NULL,
    expires REAL NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sub, purpose)
);
CREATE TABLE IF NOT EXISTS sends (sub TEXT NOT NULL, purpose TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    sub TEXT NOT NULL,
    client_id TEXT NOT NULL,
    origin_jti TEXT NOT NULL,
    auth_time INTEGER NOT NULL,
    expires REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS revoked_origins (origin_jti TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS auth_sessions (
    id TEXT PRIMARY KEY,
    sub TEXT,
    client_id TEXT NOT NULL,
    username TEXT NOT NULL,
    challenge TEXT NOT NULL,
    data TEXT NOT NULL,
    expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS domain_records (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, data TEXT NOT NULL, expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS passkeys (
    credential_id TEXT PRIMARY KEY,
    sub TEXT NOT NULL,
    rp_id TEXT NOT NULL,
    public_key BLOB NOT NULL,
    sign_count INTEGER NOT NULL,
    transports TEXT NOT NULL,
    attachment TEXT,
    name TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS passkeys_sub ON passkeys(sub);
CREATE TABLE IF NOT EXISTS passkey_challenges (
    sub TEXT PRIMARY KEY, client_id TEXT NOT NULL, challenge TEXT NOT NULL, expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS groups (
    name TEXT PRIMARY KEY,
    description TEXT,
    role_arn TEXT,
    precedence INTEGER,
    created REAL NOT NULL,
    modified REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS group_members (
    group_name TEXT NOT NULL,
    sub TEXT NOT NULL,
    added REAL NOT NULL,
    PRIMARY KEY (group_name, sub)
);
CREATE INDEX IF NOT EXISTS group_members_sub ON group_members(sub);
CREATE TABLE IF NOT EXISTS signing_keys (
    kid TEXT PRIMARY KEY, jwk TEXT NOT NULL, created REAL NOT NULL
);
-- Secrets the pool derives its own keys from (decoys, the local KMS key): apart from the
-- signing keys, so that a key's rotation changes none of them.
CREATE TABLE IF NOT EXISTS pool_secrets (name TEXT PRIMARY KEY, secret BLOB NOT NULL);
-- App clients (the seed file's, written at start, and CreateUserPoolClient's); ``stamp``
-- changes with every write, so a process knows when the client it read is stale.
CREATE TABLE IF NOT EXISTS app_clients (
    id TEXT PRIMARY KEY,
    stamp TEXT NOT NULL,
    data TEXT NOT NULL,
    created REAL NOT NULL,
    modified REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS resource_servers (
    identifier TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    created REAL NOT NULL,
    modified REAL NOT NULL
);
"""

# Columns added to ``users`` after its first release: a database made before gets them at start.
ADDED_USER_COLUMNS = {"srp_salt": "TEXT", "srp_verifier": "TEXT"}


class Database:
    """A SQLite connection shared by threads; one lock makes each operation atomic."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA busy_timeout=5000")
        self._conn.executescript(SCHEMA)
        self._add_user_columns()
        self._lock = threading.RLock()
        self._depth = 0
        # What the transaction under way sends once it commits (``after_commit``).
        self._committed: list[Callable[[], None]] = []

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block atomically; nested blocks (a trigger calling the pool) join the outer one.

        A PoolError is an answer, not a fault: what the operation wrote before raising it (a
        failed-attempt count, say) is committed. Any other exception rolls back. What the block
        gave ``after_commit`` runs once the outer block has committed, outside the lock, and
        never after a rollback.
        """
        answer: PoolError | None = None
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
            except PoolError as err:
                answer = err  # committed below, raised once the actions have run
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            finally:
                # Taken whatever happened: a rollback leaves them unrun.
                self._depth, actions, self._committed = 0, self._committed, []
            self._conn.execute("COMMIT")
        if answer is not None:
            # The operation's own answer is the one the caller gets: an email it sent before
            # answering goes out, and failing to send it does not change the answer.
            for action in actions:
                with suppress(PoolError):
                    action()
            raise answer
        for action in actions:
            action()

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the write transaction under way in this thread commits (at once
        when none is): what leaves the pool, an email, is never sent for writes that were rolled
        back, and a slow sender (the CustomEmailSender trigger) holds no lock. A PoolError it
        raises is the operation's answer, as Cognito answers CodeDeliveryFailureException after
        creating the user it could not write to. The price: a crash between the commit and the
        send loses the email, and the person asks for the code again (ResendConfirmationCode,
        ForgotPassword), rather than a rollback leaving them a code that does not exist."""
        with self._lock:
            if self._depth:
                self._committed.append(action)
                return
        action()

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """Read outside a write transaction: in WAL mode a reader waits for no writer, so work
        done on what was read (hashing a password, say) holds no lock."""
        with self._lock:
            yield self._conn

    def _add_user_columns(self) -> None:
        """Bring an older database's users table up to date (once, whichever process is first)."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            have = {row["name"] for row in self._conn.execute("PRAGMA table_info(users)")}
            for name, kind in ADDED_USER_COLUMNS.items():
                if name not in have:
                    self._conn.execute(f"ALTER TABLE users ADD COLUMN {name} {kind}")
        finally:
            self._conn.execute("COMMIT")

    def close(self) -> None:
        """Close the connection (tests open many pools)."""
        self._conn.close()
