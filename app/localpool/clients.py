"""The pool's app clients, kept in SQLite so that every process serving the pool sees a client
that CreateUserPoolClient made, changed or deleted at once.

The seed file's clients are written at every start (the seed file stays their source: a change
to it, or a new port in their URLs, takes effect on restart); clients made through the API
stay until deleted. Each process keeps the clients it read. A lookup first asks SQLite's
``PRAGMA data_version``, which changes only when another connection (another process serving
the pool) has committed: while it is unchanged, a client read or written here is current and is
answered from memory; once it changes, each client is checked again by its row's stamp (one
small indexed query) and read again only if the stamp has changed.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator, MutableMapping

from .db import Database
from .seed import AppClient


class ClientRegistry(MutableMapping[str, AppClient]):
    """A mapping of client id to AppClient backed by the ``app_clients`` table."""

    def __init__(self, db: Database, clock) -> None:
        self._db = db
        self._clock = clock
        self._known: dict[str, tuple[str, AppClient]] = {}
        # The clients of _known that are current as of data_version _version.
        self._current: set[str] = set()
        self._version: int | None = None
        # A client was written in a transaction that may yet roll back: until a lookup outside
        # any transaction, what is read is not taken as current.
        self._dirty = False

    def seed(self, clients: dict[str, AppClient]) -> None:
        """Write the seed file's clients (the seed wins over an earlier API change to them)."""
        for client in clients.values():
            self[client.id] = client

    def __getitem__(self, client_id: str) -> AppClient:
        """The client with this id, as stored now (KeyError when there is none)."""
        with self._db.reading() as conn:
            # Cheaper than reading the row: unchanged unless another connection committed.
            version = conn.execute("PRAGMA data_version").fetchone()[0]
            if not conn.in_transaction:
                self._dirty = False
            if version != self._version:
                self._version, self._current = version, set()
            elif client_id in self._current:
                return self._known[client_id][1]
            row = conn.execute(
                "SELECT stamp, data FROM app_clients WHERE id = ?", (client_id,)
            ).fetchone()
            if row is None:
                self._known.pop(client_id, None)
                raise KeyError(client_id)
            known = self._known.get(client_id)
            if known is None or known[0] != row["stamp"]:
                known = (row["stamp"], AppClient(**json.loads(row["data"])))
                self._known[client_id] = known
            if not self._dirty:
                self._current.add(client_id)
            return known[1]

    def get(self, client_id, default=None):  # type: ignore[override]
        """The client with this id, or ``default`` (any key that is not a string has none)."""
        if not isinstance(client_id, str):
            return default
        try:
            return self[client_id]
        except KeyError:
            return default

    def __setitem__(self, client_id: str, client: AppClient) -> None:
        """Store a client (new or changed); other processes read it on their next lookup."""
        stamp = uuid.uuid4().hex
        now = self._clock()
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO app_clients (id, stamp, data, created, modified) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                "stamp = excluded.stamp, data = excluded.data, modified = excluded.modified",
                (client_id, stamp, json.dumps(dataclasses.asdict(client)), now, now),
            )
            # Checked by its stamp at the next lookup: the write may yet be rolled back.
            self._known[client_id] = (stamp, client)
            self._current.discard(client_id)
            self._dirty = True

    def __delitem__(self, client_id: str) -> None:
        """Delete a client (KeyError when there is none)."""
        with self._db.transaction() as conn:
            gone = conn.execute("DELETE FROM app_clients WHERE id = ?", (client_id,)).rowcount
            self._known.pop(client_id, None)
            self._current.discard(client_id)
            self._dirty = True
        if not gone:
            raise KeyError(client_id)

    def dates(self, client_id: str) -> tuple[float, float]:
        """When a client was created and last changed (Cognito's CreationDate and
        LastModifiedDate)."""
        with self._db.reading() as conn:
            row = conn.execute(
                "SELECT created, modified FROM app_clients WHERE id = ?", (client_id,)
            ).fetchone()
        return (row["created"], row["modified"]) if row else (0.0, 0.0)

    def __iter__(self) -> Iterator[str]:
        """Client ids in the order the clients were made."""
        with self._db.reading() as conn:
            rows = conn.execute("SELECT id FROM app_clients ORDER BY created, rowid").fetchall()
        return iter([row["id"] for row in rows])

    def __len__(self) -> int:
        """How many clients the pool has."""
        with self._db.reading() as conn:
            return conn.execute("SELECT COUNT(*) FROM app_clients").fetchone()[0]
