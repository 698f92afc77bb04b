"""OAuth2 resource servers: CreateResourceServer, DescribeResourceServer, ListResourceServers,
UpdateResourceServer and DeleteResourceServer, as Cognito answers them. Their scopes are what
the OAuth2 domain's client_credentials grant hands out (``resource_servers.granted_scopes``)."""

from __future__ import annotations

from typing import Any

from .. import resource_servers as store
from ..errors import PoolError, invalid_parameter
from ..seed import ResourceServer, ResourceServerScope
from . import operation
from .admin import check_pool
from .listing import page_answer


def server_type(pool, server: ResourceServer) -> dict[str, Any]:
    """Cognito's ResourceServerType."""
    return {
        "UserPoolId": pool.id,
        "Identifier": server.identifier,
        "Name": server.name,
        "Scopes": [
            {"ScopeName": s.scope_name, "ScopeDescription": s.scope_description}
            for s in server.scopes
        ],
    }


def _from_params(params: dict[str, Any]) -> ResourceServer:
    """The resource server a Create or Update request describes; a scope named twice is
    refused."""
    scopes = [
        ResourceServerScope(s["ScopeName"], s["ScopeDescription"])
        for s in params.get("Scopes") or []
    ]
    names = [s.scope_name for s in scopes]
    if len(set(names)) != len(names):
        raise invalid_parameter("Scopes must be unique within a resource server.")
    return ResourceServer(identifier=params["Identifier"], name=params["Name"], scopes=scopes)


def _existing(pool, conn, params: dict[str, Any]) -> ResourceServer:
    """The resource server a call names, or ResourceNotFoundException."""
    check_pool(pool, params)
    server = store.find(conn, params["Identifier"])
    if server is None:
        raise PoolError(
            "ResourceNotFoundException",
            f"Resource server {params['Identifier']} does not exist in the user pool.",
        )
    return server


@operation("CreateResourceServer", "UserResourceUpdate", admin=True)
def create_resource_server(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Declare a resource server and its custom scopes."""
    check_pool(pool, params)
    server = _from_params(params)
    if store.find(conn, server.identifier) is not None:
        raise invalid_parameter(
            f"A resource server with identifier {server.identifier} already exists."
        )
    store.save(pool, conn, server)
    return {"ResourceServer": server_type(pool, server)}


@operation("DescribeResourceServer", "UserResourceRead", admin=True)
def describe_resource_server(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Describe one resource server."""
    return {"ResourceServer": server_type(pool, _existing(pool, conn, params))}


@operation("ListResourceServers", "UserResourceRead", admin=True)
def list_resource_servers(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """The pool's resource servers by identifier, a page at a time (``MaxResults``, at most 50)."""
    check_pool(pool, params)
    return page_answer(
        "ResourceServers",
        store.every(conn),
        lambda server: server_type(pool, server),
        params.get("MaxResults"),
        params.get("NextToken"),
        most=50,
    )


@operation("UpdateResourceServer", "UserResourceUpdate", admin=True)
def update_resource_server(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Replace a resource server's name and scopes (scopes left out are gone: app clients and
    client_credentials requests naming them no longer get them)."""
    _existing(pool, conn, params)
    server = _from_params(params)
    store.save(pool, conn, server)
    return {"ResourceServer": server_type(pool, server)}


@operation("DeleteResourceServer", "UserResourceUpdate", admin=True)
def delete_resource_server(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Delete a resource server; its scopes are no longer granted."""
    server = _existing(pool, conn, params)
    conn.execute("DELETE FROM resource_servers WHERE identifier = ?", (server.identifier,))
    return {}
