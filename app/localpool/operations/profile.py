"""The signed-in user's own operations: read, update and verify attributes, sign out, delete."""

from __future__ import annotations

from typing import Any

from ..client_attributes import VERIFICATION_FLAGS, check_writable, readable, token_client
from ..errors import PoolError, invalid_parameter, not_authorized
from . import operation
from .signup import send_code

IMMUTABLE = ("sub", "email_verified", "cognito:username", "identities")


def mfa_settings(user: dict[str, Any]) -> dict[str, Any]:
    """GetUser's and AdminGetUser's MFA fields."""
    if not user["mfa_secret"]:
        return {"UserMFASettingList": []}
    out: dict[str, Any] = {"UserMFASettingList": ["SOFTWARE_TOKEN_MFA"]}
    if user["mfa_preferred"]:
        out["PreferredMfaSetting"] = "SOFTWARE_TOKEN_MFA"
    return out


@operation("GetUser", "UserRead")
def get_user(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """The signed-in user's username and the attributes that the access token's app client may
    read (the old email until a change is verified)."""
    user = pool.authenticate_access(conn, params.get("AccessToken"))
    attributes = readable(token_client(pool, user["client_id"]), user["attributes"])
    return {
        "Username": user["username"],
        "UserAttributes": pool.attribute_list(attributes, user["identities"]),
        **mfa_settings(user),
    }


def apply_attributes(pool, conn, user, items, client_id: str, metadata, *, admin: bool) -> list:
    """Set attributes; a new email waits for verification (and gets a code) unless an admin
    marks it verified in the same call, as AdminUpdateUserAttributes allows. A user's own
    call writes only what its app client may write."""
    updates = pool.attribute_dict(items)
    for name in updates:
        # The verification flags are an administrator's to set, and a client's that names them
        # in its WriteAttributes (check_writable, below).
        if name in IMMUTABLE and name not in VERIFICATION_FLAGS:
            raise invalid_parameter(f"Cannot modify the non-mutable attribute {name}.")
    pool.schema.check_update(updates)
    if not admin:
        check_writable(token_client(pool, client_id), updates)
    new_email = updates.pop("email", None)
    verified_now = admin and updates.get("email_verified") == "true"
    user["attributes"].update(updates)
    if new_email is not None:
        new_email = pool.check_email(new_email)
        if pool.email_taken(conn, new_email, except_sub=user["sub"]):
            raise PoolError(
                "AliasExistsException", "An account with the given email already exists."
            )
        if new_email == user["email"]:
            # Setting the current address again cancels a pending change and voids its code.
            user["pending_email"] = None
            conn.execute(
                "DELETE FROM codes WHERE sub = ? AND purpose = 'verify_email'", (user["sub"],)
            )
        elif verified_now:
            user["attributes"]["email"] = new_email
            user["pending_email"] = None
        else:
            # AttributesRequireVerificationBeforeUpdate: the old email stays until verified.
            user["pending_email"] = new_email
    pool.save_user(conn, user)
    if new_email is not None and user["pending_email"]:
        return [
            send_code(
                pool,
                conn,
                user,
                client_id,
                "verify_email",
                "CustomMessage_UpdateUserAttribute",
                metadata,
            )
        ]
    return []


@operation("UpdateUserAttributes", "UserUpdate")
def update_user_attributes(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Update the signed-in user's attributes."""
    user = pool.authenticate_access(conn, params.get("AccessToken"))
    details = apply_attributes(
        pool,
        conn,
        user,
        params.get("UserAttributes"),
        user["client_id"],
        params.get("ClientMetadata"),
        admin=False,
    )
    return {"CodeDeliveryDetailsList": details}


@operation("GetUserAttributeVerificationCode", "UserUpdate")
def get_user_attribute_verification_code(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Send a new code for the pending (or unverified) email."""
    user = pool.authenticate_access(conn, params.get("AccessToken"))
    if params.get("AttributeName") != "email":
        raise invalid_parameter("Only the email attribute can be verified in this user pool.")
    details = send_code(
        pool,
        conn,
        user,
        user["client_id"],
        "verify_email",
        "CustomMessage_VerifyUserAttribute",
        params.get("ClientMetadata"),
    )
    return {"CodeDeliveryDetails": details}


@operation("VerifyUserAttribute", "UserUpdate")
def verify_user_attribute(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Verify the email with its code; a pending new email becomes the sign-in email now."""
    user = pool.authenticate_access(conn, params.get("AccessToken"))
    if params.get("AttributeName") != "email":
        raise invalid_parameter("Only the email attribute can be verified in this user pool.")
    pool.codes.consume(conn, user["sub"], "verify_email", params.get("Code", ""))
    if user["pending_email"]:
        if pool.email_taken(conn, user["pending_email"], except_sub=user["sub"]):
            raise PoolError(
                "AliasExistsException", "An account with the given email already exists."
            )
        user["attributes"]["email"] = user["pending_email"]
        user["pending_email"] = None
    user["attributes"]["email_verified"] = "true"
    pool.save_user(conn, user)
    return {}


def delete_everything(pool, conn, sub: str) -> None:
    """Remove a user and everything the pool keeps about them."""
    for table in (
        "users",
        "codes",
        "sends",
        "auth_sessions",
        "passkeys",
        "passkey_challenges",
        "group_members",
    ):
        conn.execute(f"DELETE FROM {table} WHERE sub = ?", (sub,))
    # On the pool's clock, which LocalPool.purge reads to know when the record can go.
    conn.execute(
        "INSERT OR IGNORE INTO revoked_origins SELECT origin_jti, ? "
        "FROM refresh_tokens WHERE sub = ?",
        (pool.clock(), sub),
    )
    conn.execute("DELETE FROM refresh_tokens WHERE sub = ?", (sub,))


@operation("DeleteUser", "UserUpdate")
def delete_user(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Delete the signed-in user."""
    user = pool.authenticate_access(conn, params.get("AccessToken"))
    delete_everything(pool, conn, user["sub"])
    return {}


@operation("GlobalSignOut", "UserUpdate")
def global_sign_out(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Revoke every refresh token of the user and every access token minted from them."""
    user = pool.authenticate_access(conn, params.get("AccessToken"))
    pool.sign_out_everywhere(conn, user["sub"])
    return {}


@operation("RevokeToken", "UserToken")
def revoke_token(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Revoke a refresh token and the access tokens minted from it (RFC 7009 semantics)."""
    client = pool.client(params.get("ClientId"))
    if client.secret and params.get("ClientSecret") != client.secret:
        raise not_authorized("Client secret is invalid.")
    token = params.get("Token", "")
    if token.count(".") == 2:
        raise PoolError("UnsupportedTokenTypeException", "Only refresh tokens can be revoked.")
    record = pool.refresh_record(conn, token)
    if record is None:
        return {}  # an unknown token is not an error (RFC 7009 §2.2)
    if record["client_id"] != client.id:
        # Only the client a refresh token was issued to may revoke it (docs/localpool.md).
        raise PoolError("UnauthorizedException", "The token was not issued to this client.")
    pool.revoke_origin(conn, record["origin_jti"])
    return {}
