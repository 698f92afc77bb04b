"""One store for state beyond the user pool (DESIGN.md §6): sessions and one-time records.

SQLite under the data directory by default (one process); Redis when ``GATEHOUSE_REDIS_URL``
is set, so any number of Gatehouse processes act as one. Both offer the same small interface,
and the same tests run against both.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol


class Store(Protocol):
    """Key-value records with a lifetime; ``take`` and ``add`` are atomic."""

    def put(self, key: str, value: dict[str, Any], ttl: int) -> None:
        """Write a record that expires after ``ttl`` seconds."""

    def get(self, key: str) -> dict[str, Any] | None:
        """Read a live record."""

    def take(self, key: str) -> dict[str, Any] | None:
        """Read and delete a record in one step: at most one caller ever gets it."""

    def add(self, key: str, value: dict[str, Any], ttl: int) -> bool:
        """Write a record only if none is live under the key; True if written."""

    def delete(self, key: str) -> None:
        """Remove a record."""


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

    def put(self, key: str, value: dict[str, Any], ttl: int) -> None:
        """Write a record that expires after ``ttl`` seconds."""
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO records VALUES (?, ?, ?)",
                (key, json.dumps(value), self._clock() + ttl),
            )

    def get(self, key: str) -> dict[str, Any] | None:
        """Read a live record."""
        with self._lock:
            row = self._conn.execute(
                "SELECT value FROM records WHERE key = ? AND expires > ?", (key, self._clock())
            ).fetchone()
        return json.loads(row[0]) if row else None

    def take(self, key: str) -> dict[str, Any] | None:
        """Read and delete a record in one statement."""
        with self._lock:
            row = self._conn.execute(
                "DELETE FROM records WHERE key = ? RETURNING value, expires", (key,)
            ).fetchone()
        if row is None or row[1] <= self._clock():
            return None
        return json.loads(row[0])

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

    def delete(self, key: str) -> None:
        """Remove a record."""
        with self._lock:
            self._conn.execute("DELETE FROM records WHERE key = ?", (key,))

    def purge(self) -> int:
        """Remove expired records; returns how many."""
        with self._lock:
            cursor = self._conn.execute("DELETE FROM records WHERE expires <= ?", (self._clock(),))
        return cursor.rowcount


class RedisStore:
    """The shared store: records are Redis strings with an expiry, under one key prefix."""

    def __init__(self, url: str, prefix: str = "gatehouse:") -> None:
        import redis  # imported here: only deployments with GATEHOUSE_REDIS_URL need it

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._prefix = prefix

    def put(self, key: str, value: dict[str, Any], ttl: int) -> None:
        """Write a record that expires after ``ttl`` seconds."""
        self._redis.set(self._prefix + key, json.dumps(value), ex=max(int(ttl), 1))

    def get(self, key: str) -> dict[str, Any] | None:
        """Read a live record."""
        raw = self._redis.get(self._prefix + key)
        return json.loads(raw) if raw else None

    def take(self, key: str) -> dict[str, Any] | None:
        """GETDEL: read and delete atomically."""
        raw = self._redis.getdel(self._prefix + key)
        return json.loads(raw) if raw else None

    def add(self, key: str, value: dict[str, Any], ttl: int) -> bool:
        """SET NX: write only if absent."""
        return bool(
            self._redis.set(self._prefix + key, json.dumps(value), ex=max(int(ttl), 1), nx=True)
        )

    def delete(self, key: str) -> None:
        """Remove a record."""
        self._redis.delete(self._prefix + key)


def build_store(redis_url: str, data_dir: Path, clock: Callable[[], float] = time.time) -> Store:
    """Redis when configured, else SQLite under the data directory."""
    if redis_url:
        return RedisStore(redis_url)
    return SQLiteStore(data_dir / "gatehouse.sqlite3", clock)
