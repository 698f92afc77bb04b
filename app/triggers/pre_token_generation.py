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
token generation rather than fall back to the default scope. Without a proof (a sign-in
Gatehouse makes as its own client, an app that signs in to the pool directly) nothing changes.

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


class ProofRefused(Exception):
    """The session proof in ClientMetadata does not check out: no tokens."""


def pre_token_generation(
    event: dict[str, Any], proofs: ProofSigner, clock: Callable[[], float]
) -> dict[str, Any]:
    """Set the access token's scopes to the proof's granted scopes (V2 events only)."""
    request = event["request"]
    token = (request.get("clientMetadata") or {}).get("proof")
    if not token or str(event.get("version")) not in V2_VERSIONS:
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


class Handler:
    """The Lambda handler; the key comes from Secrets Manager on AWS, the settings locally."""

    def __init__(self) -> None:
        self._proofs: ProofSigner | None = None

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """Lambda's entry point."""
        if self._proofs is None:
            self._proofs = _proofs_from_environment()
        return pre_token_generation(event, self._proofs, time.time)

    def for_local(self, settings: Any) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
        """The same trigger with the app's link key and clock."""
        proofs = ProofSigner(settings.link_key)
        return lambda event, context: pre_token_generation(event, proofs, settings.clock)


handler = Handler()


def _proofs_from_environment() -> ProofSigner:  # pragma: no cover - runs inside AWS Lambda
    """AWS: the magic-link key from Secrets Manager (the custom-auth Lambdas' secret)."""
    import boto3

    secret = boto3.client("secretsmanager").get_secret_value(
        SecretId=os.environ["GATEHOUSE_MAGIC_LINK_SECRET_ARN"]
    )["SecretString"]
    return ProofSigner(secret)
