"""The group claims of a user's tokens: ``cognito:groups`` (ID and access tokens) and
``cognito:roles`` / ``cognito:preferred_role`` (ID token), from the user's memberships, and
what PreTokenGeneration's ``groupOverrideDetails`` changes in them."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class GroupClaims:
    """A user's groups (highest precedence first), their groups' IAM roles, and the
    preferred role, as the pool writes them into tokens."""

    groups: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    preferred_role: str | None = None

    def configuration(self) -> dict[str, Any]:
        """PreTokenGeneration's ``request.groupConfiguration``."""
        return {
            "groupsToOverride": list(self.groups),
            "iamRolesToOverride": list(self.roles),
            "preferredRole": self.preferred_role,
        }

    def overridden(self, details: Any) -> GroupClaims:
        """These claims after a trigger's ``groupOverrideDetails``: each key it gives replaces
        its claim (an empty list removes it); a key it leaves out changes nothing."""
        if not isinstance(details, dict):
            return self
        changes: dict[str, Any] = {}
        for key, attr in (("groupsToOverride", "groups"), ("iamRolesToOverride", "roles")):
            if isinstance(details.get(key), list):
                changes[attr] = [item for item in details[key] if isinstance(item, str)]
        if "preferredRole" in details:
            preferred = details["preferredRole"]
            changes["preferred_role"] = preferred if isinstance(preferred, str) else None
        return replace(self, **changes)

    def id_claims(self) -> dict[str, Any]:
        """The ID token's group claims; none for a user in no group, as on Cognito."""
        claims: dict[str, Any] = {}
        if self.groups:
            claims["cognito:groups"] = list(self.groups)
        if self.roles:
            claims["cognito:roles"] = list(self.roles)
        if self.preferred_role:
            claims["cognito:preferred_role"] = self.preferred_role
        return claims

    def access_claims(self) -> dict[str, Any]:
        """The access token's group claim (Cognito puts no roles in access tokens)."""
        return {"cognito:groups": list(self.groups)} if self.groups else {}


def for_user(conn: sqlite3.Connection, sub: str) -> GroupClaims:
    """The group claims of a user's memberships. Groups come by precedence (lowest first; a
    group without one comes after every group with one), then by name."""
    rows = conn.execute(
        "SELECT g.name, g.role_arn, g.precedence FROM groups g "
        "JOIN group_members m ON m.group_name = g.name WHERE m.sub = ? "
        "ORDER BY g.precedence IS NULL, g.precedence, g.name",
        (sub,),
    ).fetchall()
    roles: list[str] = []
    for row in rows:
        if row["role_arn"] and row["role_arn"] not in roles:
            roles.append(row["role_arn"])
    return GroupClaims([row["name"] for row in rows], roles, _preferred_role(rows))


def _preferred_role(rows: list[sqlite3.Row]) -> str | None:
    """The role of the highest-precedence group that has one. Groups tied at that precedence
    with different roles give none, as Cognito's API reference says."""
    with_roles = [row for row in rows if row["role_arn"]]
    if not with_roles:
        return None
    best = with_roles[0]["precedence"]
    tied = {row["role_arn"] for row in with_roles if row["precedence"] == best}
    return tied.pop() if len(tied) == 1 else None
