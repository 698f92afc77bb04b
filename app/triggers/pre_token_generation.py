"""PreTokenGeneration (event version V2_0): an app client's access token carries exactly the
scopes Gatehouse granted, not Cognito's default ``aws.cognito.signin.user.admin``.

Lambda handler: ``app.triggers.pre_token_generation:handler``; the pool's lambda config names it
with ``LambdaVersion = V2_0`` (access-token customisation needs the Essentials or Plus feature
plan; on Lite the pool sends version 1 events, this trigger changes nothing, and access tokens
keep Cognito's default scope). The local pool runs the same function.

Where the scopes come from: the session proof Gatehouse sends as ClientMetadata ``proof`` with
RespondToAuthChallenge (Cognito passes that call's ClientMetadata to this trigger; InitiateAuth's
it does not) and with GetTokensFromRefreshToken. The proof is checked again here (signature with
the magic-link key, user, app client, lifetime); its single use was spent by the
VerifyAuthChallengeResponse trigger in the same call. A proof that does not check out fails the
token generation rather than fall back to the default scope.

Without a proof (a sign-in Gatehouse makes as its own client, an app that signs in or refreshes
at the pool directly) the token keeps Cognito's scopes, except the admin scope
``aws.cognito.signin.user.admin`` for an app client that is not allowed it
(DescribeUserPoolClient's ``AllowedOAuthScopes``, read once per client): Cognito puts that scope
in every token the API mints, so an app that took its refresh token straight to the pool would
otherwise get the scope Gatehouse withheld (and with it UpdateUserAttributes, DeleteUser, ...).

The ID token's ``nonce`` is not set here: Cognito lets no trigger set it (the local pool ignores
such a change too), so Gatehouse keeps the nonce with its authorization code.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from ..magic_link.tokens import ProofSigner

V2_VERSIONS = ("2", "3")
ADMIN_SCOPE = "aws.cognito.signin.user.admin"


class ProofRefused(Exception):
    """The session proof in ClientMetadata does not check out: no tokens."""


def pre_token_generation(
    event: dict[str, Any],
    proofs: ProofSigner,
    clock: Callable[[], float],
    allowed_scopes: Callable[[str, str], list[str]] | None = None,
) -> dict[str, Any]:
    """Set the access token's scopes to the proof's granted scopes (V2 events only); without a
    proof, withhold the admin scope from an app client not allowed it."""
    request = event["request"]
    token = (request.get("clientMetadata") or {}).get("proof")
    if str(event.get("version")) not in V2_VERSIONS:
        return event
    if not token:
        current = list(request.get("scopes") or [])
        client_id = event["callerContext"]["clientId"]
        if (
            ADMIN_SCOPE in current
            and allowed_scopes is not None
            and ADMIN_SCOPE not in allowed_scopes(event["userPoolId"], client_id)
        ):
            event["response"]["claimsAndScopeOverrideDetails"] = {
                "accessTokenGeneration": {"scopesToAdd": [], "scopesToSuppress": [ADMIN_SCOPE]}
            }
        return event
    proof = proofs.read(token)
    if (
        proof is None
        or proof.sub != (request.get("userAttributes") or {}).get("sub")
        or proof.client_id != event["callerContext"]["clientId"]
        or proof.expired(clock())
    ):
        raise ProofRefused("the session proof does not check out")
    current = list(request.get("scopes") or [])
    event["response"]["claimsAndScopeOverrideDetails"] = {
        "accessTokenGeneration": {
            "scopesToAdd": [s for s in proof.scopes if s not in current],
            "scopesToSuppress": [s for s in current if s not in proof.scopes],
        }
    }
    return event


def allowed_scopes_of(idp: Any) -> Callable[[str, str], list[str]]:
    """An app client's AllowedOAuthScopes, read once per client (they change rarely; a new
    Lambda container or process reads them again)."""
    known: dict[tuple[str, str], list[str]] = {}

    def allowed(pool_id: str, client_id: str) -> list[str]:
        """The scopes the app client may have."""
        if (pool_id, client_id) not in known:
            client = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
            known[(pool_id, client_id)] = client["UserPoolClient"].get("AllowedOAuthScopes", [])
        return known[(pool_id, client_id)]

    return allowed


class Handler:
    """The Lambda handler; the key comes from Secrets Manager on AWS, the settings locally."""

    def __init__(self) -> None:
        self._proofs: ProofSigner | None = None
        self._allowed: Callable[[str, str], list[str]] | None = None

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """Lambda's entry point."""
        if self._proofs is None:
            import boto3

            self._proofs = _proofs_from_environment()
            self._allowed = allowed_scopes_of(boto3.client("cognito-idp"))
        return pre_token_generation(event, self._proofs, time.time, self._allowed)

    def for_local(
        self, settings: Any, services: dict[str, Any]
    ) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
        """The same trigger with the app's link key and clock, and the in-process client
        (created after the pool, hence ``services``)."""
        proofs = ProofSigner(settings.link_key)
        allowed: list[Callable[[str, str], list[str]]] = []

        def local(event: dict[str, Any], context: Any) -> dict[str, Any]:
            """The trigger, with the client's scopes read through the in-process client."""
            if not allowed:
                allowed.append(allowed_scopes_of(services["idp"]))
            return pre_token_generation(event, proofs, settings.clock, allowed[0])

        return local


handler = Handler()


def _proofs_from_environment() -> ProofSigner:  # pragma: no cover - runs inside AWS Lambda
    """AWS: the magic-link key from Secrets Manager (the custom-auth Lambdas' secret)."""
    import boto3

    secret = boto3.client("secretsmanager").get_secret_value(
        SecretId=os.environ["GATEHOUSE_MAGIC_LINK_SECRET_ARN"]
    )["SecretString"]
    return ProofSigner(secret)
