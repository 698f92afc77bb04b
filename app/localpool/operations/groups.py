"""User pool groups: CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups, and
memberships (AdminAddUserToGroup, AdminRemoveUserFromGroup, AdminListGroupsForUser,
ListUsersInGroup), as Cognito answers them."""

from __future__ import annotations

import sqlite3
from typing import Any

from ..errors import PoolError
from . import operation
from .admin import check_pool, existing, user_type
from .listing import page_answer


def group_type(pool, row: sqlite3.Row) -> dict[str, Any]:
    """Cognito's GroupType for a stored group (optional members only when set)."""
    group: dict[str, Any] = {
        "GroupName": row["name"],
        "UserPoolId": pool.id,
        "LastModifiedDate": row["modified"],
        "CreationDate": row["created"],
    }
    if row["description"] is not None:
        group["Description"] = row["description"]
    if row["role_arn"] is not None:
        group["RoleArn"] = row["role_arn"]
    if row["precedence"] is not None:
        group["Precedence"] = row["precedence"]
    return group


def _group(pool, conn, params: dict[str, Any]) -> sqlite3.Row:
    """The group a call names, or Cognito's ResourceNotFoundException."""
    check_pool(pool, params)
    row = conn.execute("SELECT * FROM groups WHERE name = ?", (params.get("GroupName"),)).fetchone()
    if row is None:
        raise PoolError("ResourceNotFoundException", "Group not found.")
    return row


def _groups_page(pool, rows: list[sqlite3.Row], params: dict[str, Any]) -> dict[str, Any]:
    """ListGroups' and AdminListGroupsForUser's answer: a page of groups (``Limit``,
    ``NextToken``)."""
    return page_answer(
        "Groups",
        rows,
        lambda row: group_type(pool, row),
        params.get("Limit"),
        params.get("NextToken"),
    )


@operation("CreateGroup", "UserResourceUpdate", admin=True)
def create_group(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Create a group; a name already taken is GroupExistsException."""
    check_pool(pool, params)
    name = params["GroupName"]
    if conn.execute("SELECT 1 FROM groups WHERE name = ?", (name,)).fetchone():
        raise PoolError("GroupExistsException", "A group with the name already exists.")
    now = pool.clock()
    described = (params.get("Description"), params.get("RoleArn"), params.get("Precedence"))
    conn.execute("INSERT INTO groups VALUES (?, ?, ?, ?, ?, ?)", (name, *described, now, now))
    return {"Group": group_type(pool, _group(pool, conn, params))}


@operation("GetGroup", "UserResourceRead", admin=True)
def get_group(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Describe one group."""
    return {"Group": group_type(pool, _group(pool, conn, params))}


@operation("UpdateGroup", "UserResourceUpdate", admin=True)
def update_group(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Change a group's description, role or precedence; what the call leaves out stays."""
    group = _group(pool, conn, params)
    changed = {
        column: params[member]
        for member, column in (
            ("Description", "description"),
            ("RoleArn", "role_arn"),
            ("Precedence", "precedence"),
        )
        if member in params
    }
    changed["modified"] = pool.clock()
    assignments = ", ".join(f"{column} = ?" for column in changed)
    conn.execute(
        f"UPDATE groups SET {assignments} WHERE name = ?", (*changed.values(), group["name"])
    )
    return {"Group": group_type(pool, _group(pool, conn, params))}


@operation("DeleteGroup", "UserResourceUpdate", admin=True)
def delete_group(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Delete a group and every membership of it (the users stay)."""
    group = _group(pool, conn, params)
    conn.execute("DELETE FROM group_members WHERE group_name = ?", (group["name"],))
    conn.execute("DELETE FROM groups WHERE name = ?", (group["name"],))
    return {}


@operation("ListGroups", "UserResourceRead", admin=True)
def list_groups(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """The pool's groups by name, at most 60 a page (``Limit``), continued by ``NextToken``."""
    check_pool(pool, params)
    rows = conn.execute("SELECT * FROM groups ORDER BY name").fetchall()
    return _groups_page(pool, rows, params)


@operation("AdminAddUserToGroup", "UserUpdate", admin=True)
def admin_add_user_to_group(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Make a user a member of a group (already one: nothing changes, as in Cognito)."""
    group = _group(pool, conn, params)
    user = existing(pool, conn, params)
    conn.execute(
        "INSERT OR IGNORE INTO group_members VALUES (?, ?, ?)",
        (group["name"], user["sub"], pool.clock()),
    )
    return {}


@operation("AdminRemoveUserFromGroup", "UserUpdate", admin=True)
def admin_remove_user_from_group(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """End a user's membership of a group (not a member: nothing changes)."""
    group = _group(pool, conn, params)
    user = existing(pool, conn, params)
    conn.execute(
        "DELETE FROM group_members WHERE group_name = ? AND sub = ?", (group["name"], user["sub"])
    )
    return {}


@operation("AdminListGroupsForUser", "UserRead", admin=True)
def admin_list_groups_for_user(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """The groups a user belongs to, by name, a page at a time."""
    user = existing(pool, conn, params)
    rows = conn.execute(
        "SELECT g.* FROM groups g JOIN group_members m ON m.group_name = g.name "
        "WHERE m.sub = ? ORDER BY g.name",
        (user["sub"],),
    ).fetchall()
    return _groups_page(pool, rows, params)


@operation("ListUsersInGroup", "UserList", admin=True)
def list_users_in_group(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """A group's members, in the order they joined, a page at a time (``Limit``, ``NextToken``)."""
    group = _group(pool, conn, params)
    rows = conn.execute(
        "SELECT u.* FROM users u JOIN group_members m ON m.sub = u.sub "
        "WHERE m.group_name = ? ORDER BY m.added, u.sub",
        (group["name"],),
    ).fetchall()
    return page_answer(
        "Users",
        rows,
        lambda row: user_type(pool, pool.user_from_row(row)),
        params.get("Limit"),
        params.get("NextToken"),
    )
