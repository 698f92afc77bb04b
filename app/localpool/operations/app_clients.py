"""App-client management: CreateUserPoolClient, UpdateUserPoolClient and DeleteUserPoolClient,
with Cognito's checks and defaults. A client made here is usable at once, by every process
serving the pool (``clients.ClientRegistry``), for InitiateAuth and the OAuth2 domain."""

from __future__ import annotations

import math
import secrets
import string
from typing import Any

from ..client_attributes import checked_lists
from ..errors import PoolError, invalid_parameter
from ..resource_servers import declared_scopes
from ..seed import STANDARD_SCOPES, AppClient
from . import operation
from .admin import check_pool, describe_user_pool_client

# What Cognito gives a client whose ExplicitAuthFlows are not named.
DEFAULT_AUTH_FLOWS = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"]
# TokenValidityUnits' defaults and the minutes each unit holds.
DEFAULT_UNITS = {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"}
MINUTES = {"seconds": 1 / 60, "minutes": 1, "hours": 60, "days": 1440}
# (parameter, units key, default in its default unit, least and most minutes Cognito takes)
VALIDITIES = (
    ("AccessTokenValidity", "AccessToken", 1, 5, 1440),
    ("IdTokenValidity", "IdToken", 1, 5, 1440),
    ("RefreshTokenValidity", "RefreshToken", 30, 60, 3650 * 1440),
)
_ALPHABET = string.ascii_lowercase + string.digits


def _random(length: int) -> str:
    """A random id or secret in Cognito's alphabet (its ids are 26 characters, secrets 51)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _validities(params: dict[str, Any]) -> dict[str, int]:
    """Token lifetimes in the local pool's units (minutes; days for refresh tokens)."""
    units = {**DEFAULT_UNITS, **(params.get("TokenValidityUnits") or {})}
    minutes = {}
    for name, key, default, least, most in VALIDITIES:
        given = params.get(name)
        value = (
            given * MINUTES[units[key]]
            if given is not None
            else default * MINUTES[DEFAULT_UNITS[key]]
        )
        if not least <= value <= most:
            raise invalid_parameter(f"{name} must be between {least} and {most} minutes.")
        minutes[key] = value
    return {
        "access_token_minutes": math.ceil(minutes["AccessToken"]),
        "id_token_minutes": math.ceil(minutes["IdToken"]),
        "refresh_token_days": max(1, math.ceil(minutes["RefreshToken"] / 1440)),
    }


def _checked(pool, conn, params: dict[str, Any], has_secret: bool, verb: str) -> dict[str, Any]:
    """An app client's settings from a Create or Update request (``verb``: "creating" or
    "updating", as Cognito's messages say), checked as Cognito checks them; whatever the
    request leaves out takes Cognito's default (on update too)."""
    flows = list(params.get("AllowedOAuthFlows") or [])
    if "client_credentials" in flows and len(flows) > 1:
        raise PoolError(
            "InvalidOAuthFlowException",
            "client_credentials flow can not be selected along with code flow or implicit flow.",
        )
    if "client_credentials" in flows and not has_secret:
        raise PoolError(
            "InvalidOAuthFlowException",
            "client_credentials flow can not be selected if client does not have a client secret.",
        )
    scopes = list(params.get("AllowedOAuthScopes") or [])
    declared = declared_scopes(conn)
    for scope in scopes:
        if scope not in STANDARD_SCOPES and scope not in declared:
            raise PoolError("ScopeDoesNotExistException", f"Invalid scope requested: {scope}")
    providers = list(params.get("SupportedIdentityProviders") or [])
    for name in providers:
        if name != "COGNITO" and name not in pool.providers:
            raise invalid_parameter(f"The provider {name} does not exist for User Pool {pool.id}")
    read, write = checked_lists(pool.schema, pool.settings.required_attributes, params, verb)
    return {
        "callback_urls": list(params.get("CallbackURLs") or []),
        "logout_urls": list(params.get("LogoutURLs") or []),
        "explicit_auth_flows": list(params.get("ExplicitAuthFlows") or DEFAULT_AUTH_FLOWS),
        "allowed_oauth_flows": flows,
        "allowed_oauth_scopes": scopes,
        "supported_identity_providers": providers,
        "prevent_user_existence_errors": params.get("PreventUserExistenceErrors") == "ENABLED",
        "read_attributes": read,
        "write_attributes": write,
        "default_redirect_uri": params.get("DefaultRedirectURI") or "",
        **_validities(params),
    }


@operation("CreateUserPoolClient", "UserPoolClientUpdate", admin=True)
def create_user_pool_client(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Make an app client (with a secret when GenerateSecret or ClientSecret asks for one)."""
    check_pool(pool, params)
    secret = params.get("ClientSecret") or (_random(51) if params.get("GenerateSecret") else "")
    settings = _checked(pool, conn, params, bool(secret), "creating")
    client_id = _random(26)
    pool.clients[client_id] = AppClient(
        id=client_id, name=params["ClientName"], secret=secret, **settings
    )
    return describe_user_pool_client(pool, conn, {**params, "ClientId": client_id})


@operation("UpdateUserPoolClient", "UserPoolClientUpdate", admin=True)
def update_user_pool_client(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Replace an app client's settings; as in Cognito, what the request omits is reset to its
    default (the id, secret and, when not given, the name stay)."""
    check_pool(pool, params)
    old = pool.client(params.get("ClientId"))
    settings = _checked(pool, conn, params, bool(old.secret), "updating")
    pool.clients[old.id] = AppClient(
        id=old.id, name=params.get("ClientName") or old.name, secret=old.secret, **settings
    )
    return describe_user_pool_client(pool, conn, params)


@operation("DeleteUserPoolClient", "UserPoolClientUpdate", admin=True)
def delete_user_pool_client(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Delete an app client: its tokens can no longer be refreshed, nor can it sign anyone in."""
    check_pool(pool, params)
    client = pool.client(params.get("ClientId"))
    del pool.clients[client.id]
    return {}
