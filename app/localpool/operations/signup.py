"""SignUp, ConfirmSignUp and ResendConfirmationCode."""

from __future__ import annotations

import uuid
from typing import Any

from ..client_attributes import check_writable
from ..codes import MISMATCH
from ..errors import PoolError, invalid_parameter, not_authorized
from ..messages import mask
from ..passwords import check_policy, make_secret
from . import acceptable, known_client, operation


def post_confirmation(pool, user: dict[str, Any], client_id: str, source: str, metadata) -> None:
    """Run the PostConfirmation trigger, if the pool has one."""
    if not pool.triggers.configured("PostConfirmation"):
        return
    request = {"userAttributes": pool.trigger_attributes(user)}
    if metadata:
        request["clientMetadata"] = dict(metadata)
    pool.triggers.invoke(
        "PostConfirmation", pool.triggers.event(source, user["username"], client_id, request, {})
    )


def pre_sign_up(pool, source: str, user_name: str, client_id: str, attrs, params) -> dict[str, Any]:
    """Run PreSignUp, if configured; returns its response (auto-confirm and auto-verify flags)."""
    response = {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}
    if not pool.triggers.configured("PreSignUp"):
        return response
    request: dict[str, Any] = {"userAttributes": dict(attrs)}
    validation = pool.attribute_dict(params.get("ValidationData"))
    request["validationData"] = validation or None
    if params.get("ClientMetadata"):
        request["clientMetadata"] = dict(params["ClientMetadata"])
    event = pool.triggers.event(source, user_name, client_id, request, response)
    result = pool.triggers.invoke("PreSignUp", event)
    return {**response, **{k: bool(v) for k, v in result.items() if k in response}}


def send_code(pool, conn, user, client_id: str, purpose: str, source: str, metadata) -> dict:
    """Make a fresh code for ``purpose`` and send it to the user's email."""
    lifetime = {
        "signup": pool.settings.signup_code_seconds,
        "reset": pool.settings.reset_code_seconds,
        "verify_email": pool.settings.verify_code_seconds,
    }[purpose]
    code = pool.codes.issue(conn, user["sub"], purpose, lifetime)
    to = (
        user["pending_email"]
        if purpose == "verify_email" and user["pending_email"]
        else user["email"]
    )
    return pool.mail.send(
        source,
        to=to,
        user_name=user["username"],
        attributes=pool.trigger_attributes(user),
        client_id=client_id,
        code=code,
        client_metadata=metadata,
    )


def _prepare_sign_up(pool, params: dict[str, Any]) -> dict[str, Any]:
    """Before the transaction: the new user's sub and their password's secret."""
    password = params.get("Password")
    if known_client(pool, params) is None or not acceptable(pool, password):
        return {}
    sub = str(uuid.uuid4())
    return {"sub": sub, "secret": make_secret(password, sub, pool.id)}


@operation("SignUp", "UserCreation", prepare=_prepare_sign_up)
def sign_up(pool, conn, params: dict[str, Any], prepared: dict[str, Any]) -> dict[str, Any]:
    """Create an unconfirmed user whose sign-in name is their email, and send a code."""
    client = pool.client(params.get("ClientId"))
    username = params.get("Username", "")
    pool.check_secret_hash(client, [username], params.get("SecretHash"))
    email = pool.check_email(username)
    attrs = pool.attribute_dict(params.get("UserAttributes"))
    pool.schema.check_new_user(attrs)
    if attrs.get("email") and attrs["email"].lower() != email:
        raise invalid_parameter("Email attribute must match the username.")
    for name in ("sub", "cognito:username"):
        if name in attrs:
            raise invalid_parameter(f"Cannot modify the non-mutable attribute {name}.")
    # What the caller sent, not the email the username gives (the pool sets that itself).
    check_writable(client, attrs)
    attrs["email"] = email
    check_policy(pool.settings.password_policy, params.get("Password", ""))
    if pool.email_taken(conn, email):
        raise PoolError(
            "UsernameExistsException", "An account with the given email already exists."
        )
    flags = pre_sign_up(pool, "PreSignUp_SignUp", email, client.id, attrs, params)
    if flags["autoVerifyEmail"]:
        attrs["email_verified"] = "true"
    status = "CONFIRMED" if flags["autoConfirmUser"] else "UNCONFIRMED"
    sub = prepared.get("sub") or str(uuid.uuid4())
    secret = prepared.get("secret") or make_secret(params["Password"], sub, pool.id)
    user = pool.new_user(conn, email, attrs, secret, status, sub=sub)
    response: dict[str, Any] = {"UserConfirmed": status == "CONFIRMED", "UserSub": user["sub"]}
    metadata = params.get("ClientMetadata")
    if status == "CONFIRMED":
        post_confirmation(pool, user, client.id, "PostConfirmation_ConfirmSignUp", metadata)
    else:
        response["CodeDeliveryDetails"] = send_code(
            pool, conn, user, client.id, "signup", "CustomMessage_SignUp", metadata
        )
    return response


@operation("ConfirmSignUp", "UserCreation")
def confirm_sign_up(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Confirm a user with the emailed code; the email becomes verified."""
    client = pool.client(params.get("ClientId"))
    username = params.get("Username", "")
    pool.check_secret_hash(client, [username], params.get("SecretHash"))
    user = pool.find_user(conn, username)
    if user is None:
        # PreventUserExistenceErrors: an unknown user looks like a wrong code.
        raise PoolError("CodeMismatchException", MISMATCH)
    if user["status"] != "UNCONFIRMED":
        raise not_authorized(f"User cannot be confirmed. Current status is {user['status']}")
    pool.codes.consume(conn, user["sub"], "signup", params.get("ConfirmationCode", ""))
    user["status"] = "CONFIRMED"
    user["attributes"]["email_verified"] = "true"
    pool.save_user(conn, user)
    post_confirmation(
        pool, user, client.id, "PostConfirmation_ConfirmSignUp", params.get("ClientMetadata")
    )
    return {}


@operation("ResendConfirmationCode", "UserCreation")
def resend_confirmation_code(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Send a new sign-up code; an unknown user gets the same answer and no email."""
    client = pool.client(params.get("ClientId"))
    username = params.get("Username", "")
    pool.check_secret_hash(client, [username], params.get("SecretHash"))
    user = pool.find_user(conn, username)
    if user is None:
        return {
            "CodeDeliveryDetails": {
                "Destination": mask(username),
                "DeliveryMedium": "EMAIL",
                "AttributeName": "email",
            }
        }
    if user["status"] != "UNCONFIRMED":
        raise invalid_parameter("User is already confirmed.")
    details = send_code(
        pool,
        conn,
        user,
        client.id,
        "signup",
        "CustomMessage_ResendCode",
        params.get("ClientMetadata"),
    )
    return {"CodeDeliveryDetails": details}
