"""AdminInitiateAuth and AdminRespondToAuthChallenge: the server-side sign-in, made with IAM
credentials. They run InitiateAuth's and RespondToAuthChallenge's flows and challenges, with
Cognito's differences: the call names the user pool, the password flow is
``ADMIN_USER_PASSWORD_AUTH`` (``ADMIN_NO_SRP_AUTH``, its older name) allowed by the app client's
``ALLOW_ADMIN_USER_PASSWORD_AUTH``, and ``USER_PASSWORD_AUTH`` is not one of its flows."""

from __future__ import annotations

from typing import Any

from ..errors import invalid_parameter
from ..seed import AppClient
from . import known_client, operation, password_auth
from .admin import check_pool
from .auth import (
    initiate_auth,
    prepare_initiate,
    prepare_password,
    prepare_respond,
    respond_to_auth_challenge,
)

ADMIN_PASSWORD_FLOWS = ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH")
# An app client allows the admin password flow by its ExplicitAuthFlows value, or by the
# legacy value of the same meaning that older clients still carry.
ADMIN_PASSWORD_PERMISSIONS = frozenset({"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"})


def admin_password_allowed(client: AppClient) -> bool:
    """True when the app client allows ADMIN_USER_PASSWORD_AUTH."""
    return bool(ADMIN_PASSWORD_PERMISSIONS & set(client.explicit_auth_flows))


def _prepare_admin_initiate(pool, params: dict[str, Any]) -> dict[str, Any]:
    """Before the transaction: the admin password flow's verdict on the password (slow
    hashing, done outside the write lock) and, for a user the pool does not know, the
    UserMigration trigger's answer (it sees the password, as on USER_PASSWORD_AUTH); any other
    flow is prepared as InitiateAuth's."""
    if params.get("AuthFlow") not in ADMIN_PASSWORD_FLOWS:
        return prepare_initiate(pool, params)
    client, auth = known_client(pool, params), params.get("AuthParameters")
    if client is None or not admin_password_allowed(client):
        return {}
    if not isinstance(auth, dict) or not isinstance(auth.get("USERNAME"), str):
        return {}
    return prepare_password(pool, client, auth, params.get("ClientMetadata"))


@operation("AdminInitiateAuth", "UserAuthentication", admin=True, prepare=_prepare_admin_initiate)
def admin_initiate_auth(pool, conn, params: dict[str, Any], prepared: dict) -> dict[str, Any]:
    """Start a sign-in as an administrator: the admin password flow here, the others (SRP,
    refresh, custom auth, choice-based) as InitiateAuth runs them, for the same app client."""
    check_pool(pool, params)
    flow = params.get("AuthFlow", "")
    if flow == "USER_PASSWORD_AUTH":
        raise invalid_parameter("Initiate Auth method not supported.")
    if flow not in ADMIN_PASSWORD_FLOWS:
        return initiate_auth(pool, conn, params, prepared)
    client = pool.client(params.get("ClientId"))
    if not admin_password_allowed(client):
        raise invalid_parameter("Auth flow not enabled for this client")
    auth = params.get("AuthParameters") or {}
    return password_auth.sign_in(pool, conn, client, auth, prepared, params.get("ClientMetadata"))


@operation("AdminRespondToAuthChallenge", "UserAuthentication", admin=True, prepare=prepare_respond)
def admin_respond_to_auth_challenge(pool, conn, params: dict[str, Any], prepared: dict) -> dict:
    """Answer a pending challenge as an administrator: RespondToAuthChallenge's challenges,
    for a call that names the user pool."""
    check_pool(pool, params)
    return respond_to_auth_challenge(pool, conn, params, prepared)
