"""A password as the first factor (USER_PASSWORD_AUTH, and USER_AUTH's PASSWORD): its verdict,
reached before the transaction, and the sign-in it opens."""

from __future__ import annotations

from typing import Any

from .. import srp
from ..errors import not_authorized
from ..passwords import judge, trusted
from ..seed import AppClient
from ..sign_in_triggers import pre_authentication
from . import migration
from .challenges import after_password, named_user


def prepare(pool, user, password: Any) -> dict[str, Any]:
    """The password's verdict for the user as read now, and an SRP verifier to keep if the user
    has none yet (both slow: done outside the write transaction)."""
    user = user if user is not None and user["native"] else None
    verdict = judge(user, password)
    prepared: dict[str, Any] = {"verdict": verdict}
    if verdict.ok and not user["srp_verifier"]:
        prepared["srp"] = srp.new_verifier(srp.pool_name(pool.id), user["username"], password)
    return prepared


def sign_in(
    pool, conn, client: AppClient, auth: dict[str, str], prepared, metadata=None, completing=None
) -> dict[str, Any]:
    """Check USERNAME and PASSWORD: an unknown user and a wrong password get the same answer.
    A user the pool does not know is first migrated, if the UserMigration trigger (asked
    before the transaction, ``prepared["migration"]``) vouched for the password; then
    PreAuthentication (given InitiateAuth's ClientMetadata, ``metadata``) may refuse the
    sign-in. ``completing``: the ClientMetadata of a RespondToAuthChallenge that gave the
    password (USER_AUTH's SELECT_CHALLENGE), for PostAuthentication and PreTokenGeneration."""
    username, user = named_user(pool, conn, client, auth)
    migrated = None
    if user is None:
        user = migrated = migration.create(pool, conn, prepared.get("migration"))
    pre_authentication(pool, client, username, user, metadata)
    if migrated is not None:
        # The legacy directory checked the password; a RESET_REQUIRED user has none yet.
        return after_password(pool, conn, client, migrated, completing)
    if user is not None:
        pool.check_not_locked(user)
    if not trusted(prepared.get("verdict"), user, auth.get("PASSWORD", "")):
        if user is not None:
            pool.record_password_failure(conn, user)
        raise not_authorized()
    user["failed_logins"] = 0
    if not user["srp_verifier"]:
        # A password set before the pool kept SRP verifiers gets one now that it is known.
        salt, verifier = prepared.get("srp") or srp.new_verifier(
            srp.pool_name(pool.id), user["username"], auth["PASSWORD"]
        )
        user.update(srp_salt=salt, srp_verifier=verifier)
    pool.save_user(conn, user)
    return after_password(pool, conn, client, user, completing)
