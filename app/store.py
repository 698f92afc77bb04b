"""One store for state beyond the user pool (DESIGN.md §6): sessions, one-time records and the
durable follow-ups.

SQLite under the data directory by default (one process); Redis when ``GATEHOUSE_REDIS_URL``
is set, so any number of Gatehouse processes act as one. Both offer the same small interface,
and the same tests run against both. Any failure of the store itself (a locked or full disk, an
unreachable Redis) is raised as ``StoreUnavailable``, which people see as the branded 503 page.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

PROBE_KEY = "readyz:probe"


class StoreUnavailable(Exception):
    """The store could not be read or written; nothing the person did."""

    retry_after = 10


class Store(Protocol):
    """Key-value records with a lifetime; ``take``, ``add`` and ``replace`` are atomic."""

    def put(self, key: str, value: dict[str, Any], ttl: int) -> None:
        """Write a record that expires after ``ttl`` seconds."""

    def get(self, key: str) -> dict[str, Any] | None:
        """Read a live record."""

    def take(self, key: str) -> dict[str, Any] | None:
        """Read and delete a record in one step: at most one caller ever gets it."""

    def add(self, key: str, value: dict[str, Any], ttl: int) -> bool:
        """Write a record only if none is live under the key; True if written."""

    def replace(self, key: str, value: dict[str, Any], ttl: int) -> bool:
        """Write a record only if one is live under the key; True if written."""

    def delete(self, key: str) -> None:
        """Remove a record."""

    def keys(self, prefix: str) -> list[str]:
        """The keys of live records that start with ``prefix``."""

    def ping(self) -> None:
        """Raise StoreUnavailable unless the store can be written and read now."""

    def purge(self) -> int:
        """Remove expired records; returns how many (Redis expires them itself)."""


def _guarded(errors: tuple[type[BaseException], ...]):
    """Turn the backend's own failures into StoreUnavailable."""

    def decorate(method):
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except errors as exc:
                raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc

        return guarded

    return decorate


_sqlite = _guarded((sqlite3.Error, OSError))


class SQLiteStore:
    """The embedded store: one SQLite file, safe across threads of one process."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA busy_timeout=5000")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, value TEXT, expires REAL)"
        )
        self._lock = threading.Lock()
        self._clock = clock

    @_sqlite
    def put(self, key: str, value: dict[str, Any], ttl: int) -> None:
        """Write a record that expires after ``ttl`` seconds."""
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO records VALUES (?, ?, ?)",
                (key, json.dumps(value), self._clock() + ttl),
            )

    @_sqlite
    def get(self, key: str) -> dict[str, Any] | None:
        """Read a live record."""
        with self._lock:
            row = self._conn.execute(
                "SELECT value FROM records WHERE key = ? AND expires > ?", (key, self._clock())
            ).fetchone()
        return json.loads(row[0]) if row else None

    @_sqlite
    def take(self, key: str) -> dict[str, Any] | None:
        """Read and delete a record in one statement."""
        with self._lock:
            row = self._conn.execute(
                "DELETE FROM records WHERE key = ? RETURNING value, expires", (key,)
            ).fetchone()
        if row is None or row[1] <= self._clock():
            return None
        return json.loads(row[0])

    @_sqlite
    def add(self, key: str, value: dict[str, Any], ttl: int) -> bool:
        """Write only if no live record holds the key."""
        with self._lock:
            now = self._clock()
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute("DELETE FROM records WHERE key = ? AND expires <= ?", (key, now))
                cursor = self._conn.execute(
                    "INSERT OR IGNORE INTO records VALUES (?, ?, ?)",
                    (key, json.dumps(value), now + ttl),
                )
            finally:
                self._conn.execute("COMMIT")
        return cursor.rowcount == 1

    @_sqlite
    def replace(self, key: str, value: dict[str, Any], ttl: int) -> bool:
        """Write over a live record only, in one statement."""
        with self._lock:
            now = self._clock()
            cursor = self._conn.execute(
                "UPDATE records SET value = ?, expires = ? WHERE key = ? AND expires > ?",
                (json.dumps(value), now + ttl, key, now),
            )
        return cursor.rowcount == 1

    @_sqlite
    def delete(self, key: str) -> None:
        """Remove a record."""
        with self._lock:
            self._conn.execute("DELETE FROM records WHERE key = ?", (key,))

    @_sqlite
    def keys(self, prefix: str) -> list[str]:
        """Live keys starting with ``prefix`` (compared exactly, not as a LIKE pattern)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT key FROM records WHERE substr(key, 1, ?) = ? AND expires > ? ORDER BY key",
                (len(prefix), prefix, self._clock()),
            ).fetchall()
        return [row[0] for row in rows]

    def ping(self) -> None:
        """A write and a read: a full disk or a read-only data directory fails here."""
        self.put(PROBE_KEY, {}, 60)
        if self.get(PROBE_KEY) is None:
            raise StoreUnavailable("the probe record was not read back")

    @_sqlite
    def purge(self) -> int:
        """Remove expired records; returns how many."""
        with self._lock:
            cursor = self._conn.execute("DELETE FROM records WHERE expires <= ?", (self._clock(),))
        return cursor.rowcount


def _redis_errors() -> tuple[type[BaseException], ...]:
    """redis-py's base error (and socket errors), imported only where Redis is configured."""
    import redis

    return (redis.RedisError, OSError)


class RedisStore:
    """The shared store: records are Redis strings with an expiry, under one key prefix."""

    def __init__(self, url: str, prefix: str = "gatehouse:") -> None:
        import redis  # imported here: only deployments with GATEHOUSE_REDIS_URL need it

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._prefix = prefix
        self._errors = _redis_errors()

    def _run(self, command: str, *args: Any, **kwargs: Any) -> Any:
        """One Redis command; its failures become StoreUnavailable."""
        try:
            return getattr(self._redis, command)(*args, **kwargs)
        except self._errors as exc:
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def put(self, key: str, value: dict[str, Any], ttl: int) -> None:
        """Write a record that expires after ``ttl`` seconds."""
        self._run("set", self._prefix + key, json.dumps(value), ex=max(int(ttl), 1))

    def get(self, key: str) -> dict[str, Any] | None:
        """Read a live record."""
        raw = self._run("get", self._prefix + key)
        return json.loads(raw) if raw else None

    def take(self, key: str) -> dict[str, Any] | None:
        """GETDEL: read and delete atomically."""
        raw = self._run("getdel", self._prefix + key)
        return json.loads(raw) if raw else None

    def add(self, key: str, value: dict[str, Any], ttl: int) -> bool:
        """SET NX: write only if absent."""
        return bool(
            self._run("set", self._prefix + key, json.dumps(value), ex=max(int(ttl), 1), nx=True)
        )

    def replace(self, key: str, value: dict[str, Any], ttl: int) -> bool:
        """SET XX: write only if present."""
        return bool(
            self._run("set", self._prefix + key, json.dumps(value), ex=max(int(ttl), 1), xx=True)
        )

    def delete(self, key: str) -> None:
        """Remove a record."""
        self._run("delete", self._prefix + key)

    def keys(self, prefix: str) -> list[str]:
        """Live keys starting with ``prefix`` (SCAN, so a large store is not blocked)."""
        pattern = self._prefix + _glob_escape(prefix) + "*"
        found = self._run("scan_iter", match=pattern, count=500)
        try:
            names = sorted(name.decode()[len(self._prefix) :] for name in found)
        except self._errors as exc:
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc
        return names

    def ping(self) -> None:
        """PING the server."""
        self._run("ping")

    def purge(self) -> int:
        """Nothing to do: Redis expires records itself."""
        return 0


def _glob_escape(text: str) -> str:
    """Escape Redis glob characters so a prefix matches only itself."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def build_store(redis_url: str, data_dir: Path, clock: Callable[[], float] = time.time) -> Store:
    """Redis when configured, else SQLite under the data directory."""
    if redis_url:
        return RedisStore(redis_url)
    return SQLiteStore(data_dir / "gatehouse.sqlite3", clock)
