"""ForgotPassword, ConfirmForgotPassword and ChangePassword."""

from __future__ import annotations

from typing import Any

from ..codes import MISMATCH
from ..errors import PoolError, invalid_parameter, not_authorized
from ..messages import mask
from ..passwords import check_policy, judge, make_secret, secret_for, trusted
from . import acceptable, known_client, migration, operation
from .signup import post_confirmation, send_code


def _prepare_forgot(pool, params: dict[str, Any]) -> dict[str, Any]:
    """Before the transaction, for a user the pool does not know: the UserMigration trigger's
    answer (``UserMigration_ForgotPassword``), when the pool has that trigger."""
    client, username = known_client(pool, params), params.get("Username")
    if client is None or not isinstance(username, str) or not migration.configured(pool):
        return {}
    try:
        pool.check_secret_hash(client, [username], params.get("SecretHash"))
    except PoolError:
        return {}
    with pool.db.reading() as conn:
        if pool.find_user(conn, username) is not None:
            return {}
    source = "UserMigration_ForgotPassword"
    metadata = params.get("ClientMetadata")
    return {"migration": migration.ask(pool, client, source, username, None, metadata)}


@operation("ForgotPassword", "UserAccountRecovery", prepare=_prepare_forgot)
def forgot_password(pool, conn, params: dict[str, Any], prepared: dict) -> dict[str, Any]:
    """Email a reset code; an unknown user gets the same answer and no email. A user the pool
    does not know but the UserMigration trigger finds is created (RESET_REQUIRED) first."""
    client = pool.client(params.get("ClientId"))
    username = params.get("Username", "")
    pool.check_secret_hash(client, [username], params.get("SecretHash"))
    user = pool.find_user(conn, username)
    if user is None:
        user = migration.create(pool, conn, prepared.get("migration"))
    if user is None or not user["native"]:
        return {
            "CodeDeliveryDetails": {
                "Destination": mask(username),
                "DeliveryMedium": "EMAIL",
                "AttributeName": "email",
            }
        }
    if user["attributes"].get("email_verified") != "true":
        raise invalid_parameter(
            "Cannot reset password for the user as there is no registered/verified email "
            "or phone_number"
        )
    details = send_code(
        pool,
        conn,
        user,
        client.id,
        "reset",
        "CustomMessage_ForgotPassword",
        params.get("ClientMetadata"),
    )
    return {"CodeDeliveryDetails": details}


def _prepare_confirm(pool, params: dict[str, Any]) -> dict[str, Any]:
    """Before the transaction: the new password's secret, if the code would be accepted (so a
    wrong code costs no hashing)."""
    username, password = params.get("Username"), params.get("Password")
    if known_client(pool, params) is None or not isinstance(username, str):
        return {}
    if not acceptable(pool, password):
        return {}
    with pool.db.reading() as conn:
        user = pool.find_user(conn, username)
        code = params.get("ConfirmationCode")
        if user is None or not pool.codes.would_accept(conn, user["sub"], "reset", code):
            return {}
    return {"secret": make_secret(password, user["username"], pool.id)}


@operation("ConfirmForgotPassword", "UserAccountRecovery", prepare=_prepare_confirm)
def confirm_forgot_password(pool, conn, params: dict[str, Any], prepared: dict) -> dict[str, Any]:
    """Set a new password with the emailed code; a lockout from wrong passwords ends."""
    client = pool.client(params.get("ClientId"))
    username = params.get("Username", "")
    pool.check_secret_hash(client, [username], params.get("SecretHash"))
    user = pool.find_user(conn, username)
    if user is None or not user["native"]:
        raise PoolError("CodeMismatchException", MISMATCH)
    # The policy first, so that a weak password does not spend the code.
    check_policy(pool.settings.password_policy, params.get("Password", ""))
    pool.codes.consume(conn, user["sub"], "reset", params.get("ConfirmationCode", ""))
    secret = secret_for(prepared.get("secret"), user["username"], params["Password"], pool.id)
    user.update(secret.columns())
    user["failed_logins"] = 0
    user["locked_until"] = 0
    if user["status"] in ("RESET_REQUIRED", "FORCE_CHANGE_PASSWORD"):
        user["status"] = "CONFIRMED"
    pool.save_user(conn, user)
    post_confirmation(
        pool,
        user,
        client.id,
        "PostConfirmation_ConfirmForgotPassword",
        params.get("ClientMetadata"),
    )
    return {}


def _prepare_change(pool, params: dict[str, Any]) -> dict[str, Any]:
    """Before the transaction: the verdict on the current password and, if it is right, the new
    password's secret."""
    try:
        with pool.db.reading() as conn:
            user = pool.authenticate_access(conn, params.get("AccessToken"))
    except PoolError:
        return {}
    verdict = judge(user, params.get("PreviousPassword"))
    proposed = params.get("ProposedPassword")
    if not verdict.ok or not acceptable(pool, proposed):
        return {"verdict": verdict}
    return {"verdict": verdict, "secret": make_secret(proposed, user["username"], pool.id)}


@operation("ChangePassword", "UserUpdate", prepare=_prepare_change)
def change_password(pool, conn, params: dict[str, Any], prepared: dict) -> dict[str, Any]:
    """Change the signed-in user's password, given the current one."""
    user = pool.authenticate_access(conn, params.get("AccessToken"))
    if user["locked_until"] > pool.clock():
        raise PoolError(
            "LimitExceededException", "Attempt limit exceeded, please try after some time."
        )
    if not trusted(prepared.get("verdict"), user, params.get("PreviousPassword", "")):
        pool.record_password_failure(conn, user)
        raise not_authorized("Incorrect username or password.")
    proposed = params.get("ProposedPassword", "")
    check_policy(pool.settings.password_policy, proposed)
    secret = secret_for(prepared.get("secret"), user["username"], proposed, pool.id)
    user.update(secret.columns())
    user["failed_logins"] = 0
    pool.save_user(conn, user)
    return {}
