"""``flask users import FILE``: load an export into this Gatehouse's user pool.

Each user is made with AdminCreateUser (MessageAction=SUPPRESS: no invitation is sent) with
their writable attributes. Passwords cannot leave Cognito, so nobody's password comes along:
a user who had one (CONFIRMED, RESET_REQUIRED) gets a random permanent one nobody knows, which
makes them CONFIRMED so that "Forgot your password?" works for them; they choose a new password
that way. A user who never finished signing up (UNCONFIRMED) or never chose a password
(FORCE_CHANGE_PASSWORD) comes back as FORCE_CHANGE_PASSWORD and needs a new invitation.
Two-step set-ups cannot come along either (the authenticator's secret stays in Cognito).
Disabled users are disabled again, groups are made (CreateGroup) where missing and joined, and
linked identities are linked again where the pool has their identity provider. Users who sign
in only through a social identity provider (EXTERNAL_PROVIDER) cannot be made by the API: they
come back by themselves the next time they sign in.

A user already in the pool is skipped: their attributes and password are left alone, and only
what an interrupted import may have left undone for them (disabling, groups, links, the status
of a user still waiting for a password) is finished. So an interrupted import is run again.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.userpool.errors import AlreadyExists, InvalidInput, NotFound, UserPoolError

from .patience import Patient

# Attributes Cognito sets itself (and every ``cognito:`` one): AdminCreateUser refuses them.
NOT_WRITABLE = frozenset({"sub", "identities"})
HAD_PASSWORD = ("CONFIRMED", "RESET_REQUIRED")


@dataclass
class Imported:
    """What an import did, user by user and link by link."""

    created: int = 0
    skipped: int = 0
    failed: int = 0
    external: int = 0
    links_failed: int = 0
    # An authenticator's secret never leaves Cognito: these people set up two-step again.
    mfa_dropped: int = 0
    failures: list[str] = field(default_factory=list)


def records(path: Path) -> Iterator[dict[str, Any]]:
    """The users of an export file, one per non-empty line."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def count_records(path: Path) -> int:
    """How many users an export file holds (for the progress bar)."""
    with path.open("rb") as lines:
        return sum(1 for line in lines if line.strip())


def import_users(
    pool: Patient, path: Path, *, on_user: Callable[[], None] = lambda: None
) -> Imported:
    """Import every user of ``path``; one user's failure is counted and the rest go on."""
    done = Imported()
    groups: set[str] = set()
    for record in records(path):
        try:
            _import_one(pool, record, groups, done)
        except UserPoolError as exc:
            done.failed += 1
            done.failures.append(f"{record.get('username')}: {exc.code or type(exc).__name__}")
        on_user()
    return done


def _import_one(pool: Patient, record: dict[str, Any], groups: set[str], done: Imported) -> None:
    """Make one user, or finish what an earlier run left undone for them."""
    if record["status"] == "EXTERNAL_PROVIDER":
        done.external += 1
        return
    attributes = {
        k: v
        for k, v in record["attributes"].items()
        if k not in NOT_WRITABLE and not k.startswith("cognito:")
    }
    # The pool signs people in by email: the email is the username AdminCreateUser takes.
    username = attributes.get("email") or record["username"]
    try:
        made = pool.call(
            "AdminCreateUser",
            Username=username,
            UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
            MessageAction="SUPPRESS",
            # After an unclear failure the gateway asks whether the user now exists.
            reconcile=lambda: _present(pool, username),
        )
        new = True
    except AlreadyExists:
        made, new = {}, False
    status = (made.get("User") or pool.call("AdminGetUser", Username=username))["UserStatus"]
    if record["status"] in HAD_PASSWORD and status == "FORCE_CHANGE_PASSWORD":
        pool.call(
            "AdminSetUserPassword", Username=username, Password=unknown_password(), Permanent=True
        )
    if not record["enabled"]:
        pool.call("AdminDisableUser", Username=username)
    for group in record.get("groups", []):
        _join(pool, username, group, groups)
    for identity in record.get("identities", []):
        if not _link(pool, username, identity):
            done.links_failed += 1
    if new and record.get("mfa", {}).get("settings"):
        done.mfa_dropped += 1
    # Counted once all is done: a user whose import failed half-way is a failure, not both.
    if new:
        done.created += 1
    else:
        done.skipped += 1


def _present(pool: Patient, username: str) -> bool:
    """True when the pool has this user."""
    try:
        pool.call("AdminGetUser", Username=username)
    except NotFound:
        return False
    return True


def unknown_password() -> str:
    """A password nobody knows, meeting any policy (upper, lower, digit, symbol, length)."""
    return f"{secrets.token_urlsafe(48)}Aa1!"


def _join(pool: Patient, username: str, group: dict[str, Any], made: set[str]) -> None:
    """Add the user to a group, making the group first when the pool lacks it."""
    try:
        pool.call("AdminAddUserToGroup", Username=username, GroupName=group["name"])
        return
    except NotFound:
        if group["name"] in made:
            raise
    described = {"GroupName": group["name"]}
    if "description" in group:
        described["Description"] = group["description"]
    if "precedence" in group:
        described["Precedence"] = group["precedence"]
    # A role ARN names an IAM role of the old pool's account: it is not carried over.
    try:
        pool.call("CreateGroup", **described)
    except AlreadyExists:
        pass  # made meanwhile, by another run of the import
    made.add(group["name"])
    pool.call("AdminAddUserToGroup", Username=username, GroupName=group["name"])


def _link(pool: Patient, username: str, identity: dict[str, Any]) -> bool:
    """Link one social identity to the user again; False when the pool cannot (no such
    identity provider, or the identity is linked to someone else)."""
    try:
        pool.call(
            "AdminLinkProviderForUser",
            DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": username},
            SourceUser={
                "ProviderName": identity["providerName"],
                "ProviderAttributeName": "Cognito_Subject",
                "ProviderAttributeValue": identity["userId"],
            },
        )
    except AlreadyExists:
        return _linked_here(pool, username, identity)
    except (InvalidInput, NotFound):
        return False
    return True


def _linked_here(pool: Patient, username: str, identity: dict[str, Any]) -> bool:
    """True when the identity is already linked to this user (an earlier run linked it)."""
    user = pool.call("AdminGetUser", Username=username)
    attributes = {a["Name"]: a.get("Value", "") for a in user.get("UserAttributes", [])}
    linked = json.loads(attributes.get("identities") or "[]")
    return any(
        (i.get("providerName"), i.get("userId")) == (identity["providerName"], identity["userId"])
        for i in linked
    )
