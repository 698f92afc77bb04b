"""The pool's OAuth2 resource servers and their custom scopes, kept in SQLite (the seed file's
written at start, CreateResourceServer's kept until deleted), and the check Cognito's domain
makes of the scopes a client_credentials request names."""

from __future__ import annotations

import dataclasses
import json
import sqlite3

from .seed import STANDARD_SCOPES, AppClient, ResourceServer, ResourceServerScope


def seed(pool, servers: dict[str, ResourceServer]) -> None:
    """Write the seed file's resource servers (the seed wins over an earlier API change)."""
    with pool.db.transaction() as conn:
        for server in servers.values():
            save(pool, conn, server)


def save(pool, conn: sqlite3.Connection, server: ResourceServer) -> None:
    """Store a resource server, new or changed."""
    now = pool.clock()
    conn.execute(
        "INSERT INTO resource_servers (identifier, data, created, modified) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(identifier) DO UPDATE SET data = excluded.data, modified = excluded.modified",
        (server.identifier, json.dumps(dataclasses.asdict(server)), now, now),
    )


def _from_row(row: sqlite3.Row) -> ResourceServer:
    """A stored row as a ResourceServer."""
    data = json.loads(row["data"])
    scopes = [ResourceServerScope(**scope) for scope in data.pop("scopes")]
    return ResourceServer(**data, scopes=scopes)


def find(conn: sqlite3.Connection, identifier: str | None) -> ResourceServer | None:
    """The resource server with this identifier, or None."""
    row = conn.execute(
        "SELECT data FROM resource_servers WHERE identifier = ?", (identifier or "",)
    ).fetchone()
    return _from_row(row) if row else None


def every(conn: sqlite3.Connection) -> list[ResourceServer]:
    """Every resource server, by identifier."""
    rows = conn.execute("SELECT data FROM resource_servers ORDER BY identifier").fetchall()
    return [_from_row(row) for row in rows]


def declared_scopes(conn: sqlite3.Connection) -> set[str]:
    """Every custom scope as tokens carry it: ``<identifier>/<scope name>``."""
    return {name for server in every(conn) for name in server.scope_names()}


def granted_scopes(
    conn: sqlite3.Connection, client: AppClient, asked: list[str]
) -> list[str] | None:
    """The scopes a client_credentials token gets, or None for Cognito's ``invalid_scope``.

    As Cognito's domain: every scope asked for must be a custom scope of a resource server
    that exists now and one of the client's AllowedOAuthScopes; asking for none gets all the
    client's custom scopes that exist (and none of those is ``invalid_scope`` too).
    """
    declared = declared_scopes(conn)
    usable = [
        scope
        for scope in client.allowed_oauth_scopes
        if scope not in STANDARD_SCOPES and scope in declared
    ]
    if any(scope not in usable for scope in asked):
        return None
    return list(dict.fromkeys(asked)) or usable or None
