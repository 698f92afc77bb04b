"""The PreAuthentication and PostAuthentication triggers, with Cognito's events.

- ``PreAuthentication_Authentication`` runs when a sign-in starts: USER_PASSWORD_AUTH before the
  password is checked, USER_SRP_AUTH, CUSTOM_AUTH, and USER_AUTH when its first factor starts
  (the password or SRP_A given, the email code about to be sent, the passkey challenge about to
  be made); for a known user, and for an unknown one only when the app client prevents
  user-existence errors (``userNotFound`` true, no attributes). Its ``validationData`` is
  InitiateAuth's ClientMetadata (Cognito's reference names InitiateAuth and AdminInitiateAuth
  as its source, also for a factor chosen later in SELECT_CHALLENGE). A refusal (the trigger
  raises) fails the call with ``UserLambdaValidationException`` "PreAuthentication failed with
  error <message>.".
- ``PostAuthentication_Authentication`` runs once the sign-in succeeded (the password, and a
  second factor if one was asked for; the email code; the passkey; the custom challenges),
  before the tokens are minted; its ``clientMetadata`` is the ClientMetadata of the
  RespondToAuthChallenge call that completed it (InitiateAuth's never). The local pool does not
  remember devices, so ``newDeviceUsed`` is always false (as on a pool whose device tracking is
  off). Refreshing tokens runs neither (``TokenGeneration_RefreshTokens`` is PreTokenGeneration's).
- A federated sign-in through the OAuth2 domain runs both for a returning external identity
  (Cognito's "federated user trigger sources": a first sign-in runs PreSignUp_ExternalProvider
  and PostConfirmation_ConfirmSignUp instead), with no ClientMetadata (the domain has none).
"""

from __future__ import annotations

from typing import Any

from .seed import AppClient

# Token sources that end an API sign-in (refreshes and the OAuth2 domain's code exchange do not:
# a federated sign-in ran PostAuthentication when the identity came back from its provider).
SIGN_IN_SOURCES = ("TokenGeneration_Authentication", "TokenGeneration_NewPasswordChallenge")


def pre_authentication(
    pool, client: AppClient, username: str, user: dict[str, Any] | None, metadata
) -> None:
    """Ask PreAuthentication whether this sign-in may go on (it raises to refuse)."""
    if not pool.triggers.configured("PreAuthentication"):
        return
    if user is None and not client.prevent_user_existence_errors:
        return
    request: dict[str, Any] = {
        "userAttributes": pool.trigger_attributes(user) if user else {},
        "validationData": dict(metadata) if metadata else None,
    }
    if client.prevent_user_existence_errors:
        request["userNotFound"] = user is None
    name = user["username"] if user else username
    event = pool.triggers.event("PreAuthentication_Authentication", name, client.id, request, {})
    pool.triggers.invoke("PreAuthentication", event)


def post_authentication(pool, user: dict[str, Any], client: AppClient, metadata) -> None:
    """Tell PostAuthentication about a completed sign-in (it may still refuse by raising)."""
    if not pool.triggers.configured("PostAuthentication"):
        return
    request: dict[str, Any] = {
        "userAttributes": pool.trigger_attributes(user),
        "newDeviceUsed": False,
    }
    if metadata:
        request["clientMetadata"] = dict(metadata)
    event = pool.triggers.event(
        "PostAuthentication_Authentication", user["username"], client.id, request, {}
    )
    pool.triggers.invoke("PostAuthentication", event)
