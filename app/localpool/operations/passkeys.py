"""Passkeys: StartWebAuthnRegistration, CompleteWebAuthnRegistration, ListWebAuthnCredentials and
DeleteWebAuthnCredential, each for the signed-in user of an access token with the admin scope."""

from __future__ import annotations

import json
from typing import Any

from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.structs import AuthenticatorTransport

from ..errors import PoolError, invalid_parameter
from ..passkeys import (
    MAX_PASSKEYS,
    TIMEOUT_MS,
    RelyingParty,
    check_registration,
    creation_options,
    user_passkeys,
)
from . import operation

TRANSPORTS = {t.value for t in AuthenticatorTransport}
ATTACHMENTS = ("platform", "cross-platform")
FRIENDLY_NAME = "Passkey"


def _passkey_user(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """The access token's user, once the pool is known to offer passkeys."""
    user = pool.authenticate_access(conn, params.get("AccessToken"))
    if "WEB_AUTHN" not in pool.settings.allowed_first_auth_factors:
        raise PoolError("WebAuthnNotEnabledException", "Passkeys are not enabled for this pool.")
    return user


def _check_room(conn, user: dict[str, Any]) -> None:
    """Cognito keeps at most MAX_PASSKEYS passkeys per user."""
    if len(user_passkeys(conn, user["sub"])) >= MAX_PASSKEYS:
        raise PoolError(
            "LimitExceededException", f"A user can register at most {MAX_PASSKEYS} passkeys."
        )


@operation("StartWebAuthnRegistration", "UserUpdate")
def start_web_authn_registration(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """The creation options for a new passkey; the challenge is kept for this user and client."""
    user = _passkey_user(pool, conn, params)
    _check_room(conn, user)
    rp = RelyingParty.of(pool)
    options = creation_options(rp, user, user_passkeys(conn, user["sub"], rp.id))
    conn.execute(
        "INSERT OR REPLACE INTO passkey_challenges VALUES (?, ?, ?, ?)",
        (user["sub"], user["client_id"], options["challenge"], pool.clock() + TIMEOUT_MS / 1000),
    )
    return {"CredentialCreationOptions": options}


@operation("CompleteWebAuthnRegistration", "UserUpdate")
def complete_web_authn_registration(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Verify the authenticator's RegistrationResponseJSON and keep the passkey. The challenge
    is used up by any attempt, right or wrong."""
    user = _passkey_user(pool, conn, params)
    pending = conn.execute(
        "DELETE FROM passkey_challenges WHERE sub = ? RETURNING *", (user["sub"],)
    ).fetchone()
    if pending is None or pending["expires"] <= pool.clock():
        raise PoolError(
            "WebAuthnChallengeNotFoundException", "The passkey registration challenge is unknown."
        )
    if pending["client_id"] != user["client_id"]:
        raise PoolError(
            "WebAuthnClientMismatchException",
            "The registration was started by another app client.",
        )
    _check_room(conn, user)
    credential = params["Credential"]
    rp = RelyingParty.of(pool)
    verified = check_registration(rp, credential, pending["challenge"])
    credential_id = bytes_to_base64url(verified.credential_id)
    if conn.execute("SELECT 1 FROM passkeys WHERE credential_id = ?", (credential_id,)).fetchone():
        raise invalid_parameter("This passkey is already registered.")
    response = credential.get("response")
    given = response.get("transports") if isinstance(response, dict) else None
    # Only the names WebAuthn defines; anything else the browser (or a caller) sent is dropped.
    transports = (
        [t for t in given if isinstance(t, str) and t in TRANSPORTS]
        if isinstance(given, list)
        else []
    )
    attachment = credential.get("authenticatorAttachment")
    conn.execute(
        "INSERT INTO passkeys VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            credential_id,
            user["sub"],
            rp.id,
            verified.credential_public_key,
            verified.sign_count,
            json.dumps(transports),
            attachment if attachment in ATTACHMENTS else None,
            FRIENDLY_NAME,
            pool.clock(),
        ),
    )
    return {}


@operation("ListWebAuthnCredentials", "UserRead")
def list_web_authn_credentials(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """The user's passkeys, oldest first, a page of MaxResults (20 when absent or 0) at a time."""
    user = pool.authenticate_access(conn, params.get("AccessToken"))
    size = params.get("MaxResults") or MAX_PASSKEYS
    start = _page_start(params.get("NextToken"))
    rows = user_passkeys(conn, user["sub"])
    page = rows[start : start + size]
    listed = []
    for row in page:
        entry = {
            "CredentialId": row["credential_id"],
            "FriendlyCredentialName": row["name"],
            "RelyingPartyId": row["rp_id"],
            "AuthenticatorTransports": json.loads(row["transports"]),
            "CreatedAt": row["created"],
        }
        if row["attachment"]:
            entry["AuthenticatorAttachment"] = row["attachment"]
        listed.append(entry)
    result: dict[str, Any] = {"Credentials": listed}
    if start + size < len(rows):
        result["NextToken"] = str(start + size)
    return result


def _page_start(token: str | None) -> int:
    """Where a NextToken (the local pool's: a position) starts the page."""
    if token is None:
        return 0
    if not token.isdigit() or len(token) > 4:
        raise invalid_parameter("Invalid NextToken.")
    return int(token)


@operation("DeleteWebAuthnCredential", "UserUpdate")
def delete_web_authn_credential(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Delete one of the user's passkeys; another user's, or none, is ResourceNotFoundException."""
    user = pool.authenticate_access(conn, params.get("AccessToken"))
    deleted = conn.execute(
        "DELETE FROM passkeys WHERE credential_id = ? AND sub = ?",
        (params.get("CredentialId", ""), user["sub"]),
    ).rowcount
    if not deleted:
        raise PoolError("ResourceNotFoundException", "The passkey was not found.")
    return {}
