"""Machine-to-machine tokens: the OAuth2 domain's client_credentials grant, with the scopes
checked against the pool's resource servers and PreTokenGeneration V3_0 run as Cognito runs it
(``TokenGeneration_ClientCredentials``; a V1_0 or V2_0 trigger is not called for M2M tokens)."""

from __future__ import annotations

import json
from typing import Any

from . import resource_servers
from .seed import AppClient
from .tokens import RESERVED_CLAIMS

SOURCE = "TokenGeneration_ClientCredentials"
# The userName of an M2M event: there is no user, only the app client.
USER_NAME = "ClientCredentials"


class GrantError(Exception):
    """An OAuth2 error answer of the token endpoint (``error`` and HTTP status)."""

    def __init__(self, error: str, status: int = 400) -> None:
        super().__init__(error)
        self.error = error
        self.status = status


def client_metadata(raw: str | None) -> dict[str, str] | None:
    """``aws_client_metadata``: a JSON object of strings for the trigger, or invalid_request."""
    if not raw:
        return None
    try:
        metadata = json.loads(raw)
    except ValueError as exc:
        raise GrantError("invalid_request") from exc
    if not isinstance(metadata, dict) or not all(
        isinstance(v, str) and isinstance(k, str) for k, v in metadata.items()
    ):
        raise GrantError("invalid_request")
    return metadata


def issue(pool, client: AppClient, scope: str, metadata: dict[str, str] | None) -> dict[str, Any]:
    """The token endpoint's answer to a client_credentials request from ``client``."""
    if not client.secret:
        raise GrantError("invalid_client", 401)
    if "client_credentials" not in client.allowed_oauth_flows:
        raise GrantError("unauthorized_client")
    with pool.db.reading() as conn:
        scopes = resource_servers.granted_scopes(conn, client, scope.split())
    if scopes is None:
        raise GrantError("invalid_scope")
    add, suppress, scopes = _pre_token_generation(pool, client, scopes, metadata)
    minutes = client.access_token_minutes
    token = pool.signer.mint_client(
        client_id=client.id,
        scopes=scopes,
        now=int(pool.clock()),
        minutes=minutes,
        overrides=add,
        suppress=suppress,
    )
    return {"access_token": token, "expires_in": minutes * 60, "token_type": "Bearer"}


def _pre_token_generation(
    pool, client: AppClient, scopes: list[str], metadata: dict[str, str] | None
) -> tuple[dict[str, Any], list[str], list[str]]:
    """Run a V3_0 PreTokenGeneration trigger for an M2M token; returns the access token's
    claims to add or override, claims to suppress, and final scopes."""
    triggers = pool.triggers
    if (
        not triggers.configured("PreTokenGeneration")
        or triggers.version("PreTokenGeneration") != "V3_0"
    ):
        return {}, [], scopes
    request: dict[str, Any] = {
        "userAttributes": {},
        "groupConfiguration": {
            "groupsToOverride": [],
            "iamRolesToOverride": [],
            "preferredRole": None,
        },
        "scopes": list(scopes),
    }
    if metadata:
        request["clientMetadata"] = dict(metadata)
    event = triggers.event(
        SOURCE, USER_NAME, client.id, request, {"claimsAndScopeOverrideDetails": None}
    )
    event["version"] = "3"
    response = triggers.invoke("PreTokenGeneration", event)
    details = response.get("claimsAndScopeOverrideDetails") or {}
    access = details.get("accessTokenGeneration") or {}
    # Cognito keeps the claims that make a token what it is; a trigger cannot change them.
    add = {
        k: v
        for k, v in (access.get("claimsToAddOrOverride") or {}).items()
        if k not in RESERVED_CLAIMS
    }
    suppress = [k for k in access.get("claimsToSuppress") or [] if k not in RESERVED_CLAIMS]
    dropped = set(access.get("scopesToSuppress") or [])
    final = [s for s in scopes if s not in dropped]
    final += [s for s in access.get("scopesToAdd") or [] if s not in final]
    return add, suppress, final
