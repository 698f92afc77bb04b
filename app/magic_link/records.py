"""Magic-link records: one per user, written only by the custom-auth triggers.

DynamoDB on AWS (conditional writes, a TTL attribute) and SQLite in local mode, behind one small
interface; the same tests run against both (DynamoDB through moto, which models conditions).
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol


@dataclass
class LinkRecord:
    """The live link of one user: its id, the code's hash, and its state."""

    sub: str
    link_id: str
    code_hash: str
    client_id: str
    issued_at: int
    expires_at: int
    used: bool = False
    failures: int = 0


class LinkStore(Protocol):
    """At most one live link per user; every change is conditional."""

    def get(self, sub: str) -> LinkRecord | None:
        """The user's record, if any."""

    def replace(self, record: LinkRecord, min_interval: int, now: int) -> bool:
        """Write a new link unless one went out less than ``min_interval`` seconds ago."""

    def use(self, sub: str, link_id: str, now: int, *, max_failures: int) -> bool:
        """Mark the link used, only if it is this link, unused, unexpired, and its code has
        failed fewer than ``max_failures`` times (wrong codes spend the link, not just the code).
        """

    def fail(self, sub: str, link_id: str) -> int:
        """Count a wrong code against this link; returns the new count (0 if not this link)."""

    def spend(self, once_id: str, expires_at: int) -> bool:
        """Record a single-use id (a session proof's) as spent; False if it was already.
        The record is kept until ``expires_at``, after which the id is refused by its expiry."""


class SQLiteLinkStore:
    """Local mode: a table in a SQLite file under the data directory."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA busy_timeout=5000")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS links (sub TEXT PRIMARY KEY, link_id TEXT, code_hash TEXT,"
            " client_id TEXT, issued_at INTEGER, expires_at INTEGER, used INTEGER,"
            " failures INTEGER)"
        )
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS spent (id TEXT PRIMARY KEY, expires_at INTEGER)"
        )
        self._lock = threading.Lock()

    def get(self, sub: str) -> LinkRecord | None:
        """The user's record, if any."""
        with self._lock:
            row = self._conn.execute("SELECT * FROM links WHERE sub = ?", (sub,)).fetchone()
        if row is None:
            return None
        return LinkRecord(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]), row[7])

    def replace(self, record: LinkRecord, min_interval: int, now: int) -> bool:
        """Insert, or overwrite a record issued at least ``min_interval`` seconds ago."""
        with self._lock:
            cursor = self._conn.execute(
                "INSERT INTO links VALUES (?, ?, ?, ?, ?, ?, 0, 0) ON CONFLICT(sub) DO UPDATE SET "
                "link_id = excluded.link_id, code_hash = excluded.code_hash, client_id = "
                "excluded.client_id, issued_at = excluded.issued_at, expires_at = "
                "excluded.expires_at, used = 0, failures = 0 WHERE links.issued_at <= ?",
                (
                    record.sub,
                    record.link_id,
                    record.code_hash,
                    record.client_id,
                    record.issued_at,
                    record.expires_at,
                    now - min_interval,
                ),
            )
        return cursor.rowcount == 1

    def use(self, sub: str, link_id: str, now: int, *, max_failures: int) -> bool:
        """Conditional update: this link, unused, unexpired, not spent by wrong codes."""
        with self._lock:
            cursor = self._conn.execute(
                "UPDATE links SET used = 1 WHERE sub = ? AND link_id = ? AND used = 0 "
                "AND expires_at > ? AND failures < ?",
                (sub, link_id, now, max_failures),
            )
        return cursor.rowcount == 1

    def fail(self, sub: str, link_id: str) -> int:
        """Add one failure to this link."""
        with self._lock:
            row = self._conn.execute(
                "UPDATE links SET failures = failures + 1 WHERE sub = ? AND link_id = ? "
                "RETURNING failures",
                (sub, link_id),
            ).fetchone()
        return row[0] if row else 0

    def spend(self, once_id: str, expires_at: int) -> bool:
        """Insert the id unless it is there (one statement: of two spends one wins); ids whose
        lifetime ended an hour ago are cleared on the way."""
        with self._lock:
            self._conn.execute("DELETE FROM spent WHERE expires_at < ?", (expires_at - 3600,))
            cursor = self._conn.execute(
                "INSERT OR IGNORE INTO spent VALUES (?, ?)", (once_id, expires_at)
            )
        return cursor.rowcount == 1


class DynamoLinkStore:
    """AWS: a DynamoDB table keyed by ``sub``, with ``expires_at`` as its TTL attribute."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def get(self, sub: str) -> LinkRecord | None:
        """The user's record, if any (strongly consistent)."""
        item = self._table.get_item(Key={"sub": sub}, ConsistentRead=True).get("Item")
        if item is None:
            return None
        return LinkRecord(
            item["sub"],
            item["link_id"],
            item["code_hash"],
            item["client_id"],
            int(item["issued_at"]),
            int(item["expires_at"]),
            bool(item["used"]),
            int(item["failures"]),
        )

    def replace(self, record: LinkRecord, min_interval: int, now: int) -> bool:
        """PutItem on condition: no record, or one issued at least ``min_interval`` ago."""
        from botocore.exceptions import ClientError

        item = asdict(record)
        try:
            self._table.put_item(
                Item=item,
                ConditionExpression="attribute_not_exists(#s) OR issued_at <= :cutoff",
                ExpressionAttributeNames={"#s": "sub"},
                ExpressionAttributeValues={":cutoff": now - min_interval},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def use(self, sub: str, link_id: str, now: int, *, max_failures: int) -> bool:
        """UpdateItem on condition: this link, unused, unexpired, not spent by wrong codes."""
        from botocore.exceptions import ClientError

        try:
            self._table.update_item(
                Key={"sub": sub},
                UpdateExpression="SET used = :t",
                ConditionExpression=(
                    "link_id = :l AND used = :f AND expires_at > :now AND failures < :max"
                ),
                ExpressionAttributeValues={
                    ":t": True,
                    ":f": False,
                    ":l": link_id,
                    ":now": now,
                    ":max": max_failures,
                },
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def fail(self, sub: str, link_id: str) -> int:
        """ADD one failure, on condition that it is still this link."""
        from botocore.exceptions import ClientError

        try:
            out = self._table.update_item(
                Key={"sub": sub},
                UpdateExpression="ADD failures :one",
                ConditionExpression="link_id = :l",
                ExpressionAttributeValues={":one": 1, ":l": link_id},
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return 0
            raise
        return int(out["Attributes"]["failures"])

    def spend(self, once_id: str, expires_at: int) -> bool:
        """PutItem on condition that no item has this key (``spent#<id>``, beside the users'
        records, which are keyed by sub); the TTL attribute removes it later."""
        from botocore.exceptions import ClientError

        try:
            self._table.put_item(
                Item={"sub": f"spent#{once_id}", "expires_at": expires_at},
                ConditionExpression="attribute_not_exists(#s)",
                ExpressionAttributeNames={"#s": "sub"},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
