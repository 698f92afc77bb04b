"""Administrator listings: ListUsers (with Cognito's filter syntax) and ListUserPoolClients."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

from ..errors import invalid_parameter
from . import operation
from .admin import check_pool, user_type

FILTER = re.compile(r'^\s*([\w:]+)\s*(=|\^=)\s*"((?:[^"\\]|\\.)*)"\s*$')
FILTER_ATTRIBUTES = {
    "username": lambda u: u["username"],
    "email": lambda u: u["attributes"].get("email", ""),
    "sub": lambda u: u["sub"],
    "name": lambda u: u["attributes"].get("name", ""),
    "given_name": lambda u: u["attributes"].get("given_name", ""),
    "family_name": lambda u: u["attributes"].get("family_name", ""),
    "preferred_username": lambda u: u["attributes"].get("preferred_username", ""),
    "phone_number": lambda u: u["attributes"].get("phone_number", ""),
    "cognito:user_status": lambda u: u["status"],
    "status": lambda u: "Enabled" if u["enabled"] else "Disabled",
}


@operation("ListUsers", "UserList", admin=True)
def list_users(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """List users, filtered by ``attr = "value"`` or ``attr ^= "prefix"`` (case-insensitive)."""
    check_pool(pool, params)
    match = None
    if params.get("Filter"):
        parsed = FILTER.match(params["Filter"])
        if not parsed or parsed.group(1) not in FILTER_ATTRIBUTES:
            raise invalid_parameter("Error while parsing filter.")
        name, op, value = parsed.groups()
        get, value = FILTER_ATTRIBUTES[name], value.replace('\\"', '"').lower()
        if op == "=":

            def match(u):
                """Exact, case-insensitive."""
                return get(u).lower() == value
        else:

            def match(u):
                """Prefix, case-insensitive."""
                return get(u).lower().startswith(value)

    after = _cursor(params.get("PaginationToken"))
    rows = conn.execute(
        "SELECT * FROM users WHERE (created, sub) > (?, ?) ORDER BY created, sub", after
    ).fetchall()
    users = [u for u in map(pool.user_from_row, rows) if match is None or match(u)]
    page = users[: page_size(params.get("Limit"))]
    following = None
    if len(users) > len(page):
        last = page[-1]
        following = base64.urlsafe_b64encode(json.dumps([last["created"], last["sub"]]).encode())
    wanted = params.get("AttributesToGet")
    out = []
    for user in page:
        item = user_type(pool, user)
        if wanted:
            item["Attributes"] = [a for a in item["Attributes"] if a["Name"] in wanted]
        out.append(item)
    result: dict[str, Any] = {"Users": out}
    if following:
        result["PaginationToken"] = following.decode()
    return result


def _cursor(token: str | None) -> tuple[float, str]:
    """Where a ListUsers page starts: after the user its token names (creation time, sub).

    A cursor rather than an offset, as Cognito's token is: a user deleted or created while a
    listing is paged through shifts no other user out of it.
    """
    if not token:
        return (float("-inf"), "")
    try:
        created, sub = json.loads(base64.urlsafe_b64decode(token.encode()))
        return (float(created), str(sub))
    except (ValueError, TypeError) as exc:
        raise invalid_parameter("Invalid pagination token.") from exc


def page_size(limit: int | None) -> int:
    """How many items a page holds: ``Limit`` (the model allows 0 to 60), 60 without one.

    Cognito's model lets ``Limit`` be 0, but the service refuses it as its page size
    (``maxItems``) must be 1 or more, the answer seen from AdminListGroupsForUser
    (aws/aws-sdk-js#2193); the local pool answers every listing's 0 so.
    """
    if limit is None:
        return 60
    if limit < 1:
        raise invalid_parameter(
            f"1 validation error detected: Value '{limit}' at 'maxItems' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1"
        )
    return min(limit, 60)


def one_page(items: list, limit: int | None, token: str | None) -> tuple[list, str | None]:
    """One page of a listing (at most 60, Cognito's most) and the next page's token, if any."""
    start = 0
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode())
        except ValueError as exc:
            raise invalid_parameter("Invalid pagination token.") from exc
        if start < 0:
            raise invalid_parameter("Invalid pagination token.")
    end = start + page_size(limit)
    following = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
    return items[start:end], following


def page_answer(
    key: str, items: list, shape: Callable[[Any], dict], limit: int | None, token: str | None
) -> dict[str, Any]:
    """Cognito's answer to a listing paged by ``NextToken``: one page of ``items`` under
    ``key``, each made by ``shape``, and the next page's token when there is one."""
    page, following = one_page(items, limit, token)
    result: dict[str, Any] = {key: [shape(item) for item in page]}
    if following:
        result["NextToken"] = following
    return result


@operation("ListUserPoolClients", "UserPoolClientRead", admin=True)
def list_user_pool_clients(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """The pool's app clients, a page at a time: id, name and pool of each."""
    check_pool(pool, params)
    # Every app client of the local pool is a REGULAR one (none comes from dynamic registration).
    clients = [] if params.get("ClientType") == "DCR" else list(pool.clients.values())
    return page_answer(
        "UserPoolClients",
        clients,
        lambda c: {"ClientId": c.id, "UserPoolId": pool.id, "ClientName": c.name},
        params.get("MaxResults"),
        params.get("NextToken"),
    )
