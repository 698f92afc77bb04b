"""Challenge sessions, and what follows a right password: shared by every sign-in flow."""

from __future__ import annotations

import json
import secrets
from typing import Any

from ..errors import PoolError, invalid_parameter, not_authorized
from ..seed import AppClient


def after_password(
    pool, conn, client: AppClient, user: dict[str, Any], metadata=None
) -> dict[str, Any]:
    """What follows a right password (USER_PASSWORD_AUTH or SRP): a refusal, the new-password
    challenge for a temporary password, the MFA challenge, or tokens (``metadata``: the
    ClientMetadata of the RespondToAuthChallenge that gave the password, if one did)."""
    check_can_sign_in(user)
    if user["status"] == "FORCE_CHANGE_PASSWORD":
        days = pool.settings.password_policy.temporary_password_validity_days
        if user["created"] + days * 86400 < pool.clock():
            raise not_authorized(
                "Temporary password has expired and must be reset by an administrator."
            )
        visible = {
            k: v for k, v in user["attributes"].items() if k not in ("sub", "email_verified")
        }
        return challenge(
            pool,
            conn,
            client,
            user,
            "NEW_PASSWORD_REQUIRED",
            {},
            {
                "USER_ID_FOR_SRP": user["username"],
                "requiredAttributes": "[]",
                "userAttributes": json.dumps(visible),
            },
        )
    return tokens_or_mfa(pool, conn, client, user, "TokenGeneration_Authentication", metadata)


def refuse_federated() -> None:
    """A user who signs in only through an external provider (``EXTERNAL_PROVIDER``, username
    ``<Provider>_<id>``, found by that username: their email is no sign-in name) cannot sign in
    through the API, as on Cognito: their tokens come from the OAuth2 domain."""
    raise invalid_parameter("You can't sign in a user with a federated IdP with InitiateAuth.")


def named_user(pool, conn, client: AppClient, auth: dict[str, str]) -> tuple[str, Any]:
    """The USERNAME of a sign-in's AuthParameters (required; its SECRET_HASH checked) and the
    user it names, or None for an unknown one; a federated user is refused, as on Cognito."""
    username = auth.get("USERNAME", "")
    if not username:
        raise invalid_parameter("Missing required parameter USERNAME")
    pool.check_secret_hash(client, [username], auth.get("SECRET_HASH"))
    user = pool.find_user(conn, username)
    if user is not None and not user["native"]:
        refuse_federated()
    return username, user


def check_can_sign_in(user: dict[str, Any]) -> None:
    """Refuse users who are disabled, unconfirmed or must reset their password."""
    if not user["enabled"]:
        raise not_authorized("User is disabled.")
    if user["status"] == "UNCONFIRMED":
        raise PoolError("UserNotConfirmedException", "User is not confirmed.")
    if user["status"] == "RESET_REQUIRED":
        raise PoolError("PasswordResetRequiredException", "Password reset required for the user")


def tokens_or_mfa(pool, conn, client, user, source: str, metadata=None) -> dict[str, Any]:
    """Finish sign-in, or ask for the TOTP code when the user prefers software-token MFA;
    ``metadata`` is the ClientMetadata of a RespondToAuthChallenge call, which Cognito passes
    to PreTokenGeneration (InitiateAuth's it does not)."""
    if user["mfa_preferred"] and user["mfa_secret"]:
        return challenge(
            pool,
            conn,
            client,
            user,
            "SOFTWARE_TOKEN_MFA",
            {"source": source},
            {"USER_ID_FOR_SRP": user["username"]},
        )
    return {
        "ChallengeParameters": {},
        "AuthenticationResult": pool.issue_tokens(conn, user, client, source, metadata=metadata),
    }


def challenge(pool, conn, client, user, name: str, data: dict, public: dict) -> dict[str, Any]:
    """Record a pending challenge under a fresh session and return it to the caller."""
    session = secrets.token_urlsafe(96)
    keep_session(pool, conn, session, client, user, name, data)
    return {"ChallengeName": name, "Session": session, "ChallengeParameters": public}


def keep_session(pool, conn, session: str, client, user, name: str, data: dict) -> None:
    """Store a pending challenge until the pool's auth-session lifetime ends."""
    conn.execute(
        "INSERT INTO auth_sessions VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            session,
            user["sub"] if user else None,
            client.id,
            data.get("username") or (user["username"] if user else ""),
            name,
            json.dumps(data),
            pool.clock() + pool.settings.auth_session_seconds,
        ),
    )
