"""Administrator operations on one account: confirm it, disable or enable it, reset or set its
password (AdminConfirmSignUp, AdminDisableUser, AdminEnableUser, AdminResetUserPassword,
AdminSetUserPassword). Each follows the API reference's description of the operation."""

from __future__ import annotations

from typing import Any

from ..errors import not_authorized
from ..passwords import check_policy, make_secret
from . import operation
from .admin import NO_CLIENT, existing
from .signup import post_confirmation, send_code


@operation("AdminConfirmSignUp", "UserCreation", admin=True)
def admin_confirm_sign_up(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Confirm an unconfirmed user without a code; the email stays as verified as it was."""
    user = existing(pool, conn, params)
    if user["status"] != "UNCONFIRMED":
        raise not_authorized(f"User cannot be confirmed. Current status is {user['status']}")
    user["status"] = "CONFIRMED"
    pool.save_user(conn, user)
    post_confirmation(
        pool, user, NO_CLIENT, "PostConfirmation_ConfirmSignUp", params.get("ClientMetadata")
    )
    return {}


@operation("AdminDisableUser", "UserUpdate", admin=True)
def admin_disable_user(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Stop a user signing in, and revoke their tokens (re-enabling does not revive them)."""
    user = _set_enabled(pool, conn, params, False)
    pool.sign_out_everywhere(conn, user["sub"])
    return {}


@operation("AdminEnableUser", "UserUpdate", admin=True)
def admin_enable_user(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Let a disabled user sign in again."""
    _set_enabled(pool, conn, params, True)
    return {}


def _set_enabled(pool, conn, params: dict[str, Any], enabled: bool) -> dict[str, Any]:
    """Enable or disable the user the call names; returns the user."""
    user = existing(pool, conn, params)
    user["enabled"] = int(enabled)
    pool.save_user(conn, user)
    return user


@operation("AdminResetUserPassword", "UserAccountRecovery", admin=True)
def admin_reset_user_password(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Mark the user RESET_REQUIRED: their password no longer signs them in
    (PasswordResetRequiredException) until ConfirmForgotPassword with the code sent now,
    through CustomMessage_ForgotPassword, if their email is verified."""
    user = existing(pool, conn, params)
    if not user["native"]:
        raise not_authorized("User password cannot be reset in the current state.")
    user["status"] = "RESET_REQUIRED"
    pool.save_user(conn, user)
    if user["attributes"].get("email_verified") == "true":
        send_code(
            pool,
            conn,
            user,
            NO_CLIENT,
            "reset",
            "CustomMessage_ForgotPassword",
            params.get("ClientMetadata"),
        )
    return {}


@operation("AdminSetUserPassword", "UserAccountRecovery", admin=True)
def admin_set_user_password(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Set a permanent password (the user is CONFIRMED and can sign in with it) or a temporary
    one (FORCE_CHANGE_PASSWORD: the next sign-in is a NEW_PASSWORD_REQUIRED challenge)."""
    user = existing(pool, conn, params)
    password = params["Password"]
    check_policy(pool.settings.password_policy, password)
    user.update(make_secret(password, user["username"], pool.id).columns())
    user["failed_logins"] = 0
    user["locked_until"] = 0
    if params.get("Permanent"):
        user["status"] = "CONFIRMED"
    else:
        user["status"] = "FORCE_CHANGE_PASSWORD"
        # The temporary password's validity runs from here, as AdminCreateUser's RESEND does.
        user["created"] = pool.clock()
    pool.save_user(conn, user)
    return {}
