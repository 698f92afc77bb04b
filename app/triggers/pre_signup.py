"""PreSignUp trigger: one account per person, never linked to an unproven claim, and no
disposable addresses.

Lambda handler: ``app.triggers.pre_signup.handler``.

- ``PreSignUp_ExternalProvider`` (the first sign-in of a social identity whose provider verified
  its email), against the native users with that email (ListUsers, case-insensitive):

  - a user that is ``CONFIRMED`` with ``email_verified`` true proved the address: the identity is
    linked to it (AdminLinkProviderForUser), so one person keeps one account. Cognito then fails
    this first sign-in once with "Already found an entry for username"; Gatehouse retries it
    transparently.
  - an ``UNCONFIRMED`` user is an unproven claim on the address (anyone can sign up with anyone's
    address), and the provider has just proved that the address belongs to someone else: the claim
    is deleted (AdminDeleteUser). The identity becomes a new user, the verified owner holds the only
    way in, and the claim's pending confirmation email confirms nothing. Linking instead would let
    whoever signed up sign in with their own password once the owner clicks that email.
  - any other user whose address is not proven (an AdminCreateUser invitation still in
    ``FORCE_CHANGE_PASSWORD``, a user confirmed without a verified email, one that must reset its
    password) is neither linked nor deleted: the sign-in is refused with a reason that tells the
    person how to get into the account that waits for them.

- ``PreSignUp_SignUp`` and ``PreSignUp_AdminCreateUser``: an address must be lowercase (Gatehouse
  lowercases what people type; this catches other callers) and not from a disposable domain.

A refusal is raised as ``gatehouse:<reason>``, which Gatehouse turns into a catalogue message (the
gateway for API calls, the social sign-in's return for the pool's OAuth2 domain).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from disposable_email_domains import blocklist

from .proven import address_proven

# Why a social sign-in is refused when the account waiting at the address has not proven it.
UNPROVEN_REASONS = {
    "FORCE_CHANGE_PASSWORD": "invitation_pending",
    "RESET_REQUIRED": "password_reset_required",
}


@dataclass
class Deps:
    """A cognito-idp client with admin rights, and the refused domains."""

    idp: Any
    blocked_domains: frozenset[str] = field(default_factory=lambda: frozenset(blocklist))


class Refused(Exception):
    """A sign-up the trigger refuses; the message is a reason key, never free text."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"gatehouse:{reason}")


def pre_sign_up(event: dict[str, Any], deps: Deps) -> dict[str, Any]:
    """Link a social identity only to an account that proved its address; check addresses."""
    source = event["triggerSource"]
    attributes = event["request"].get("userAttributes") or {}
    email = attributes.get("email", "")
    if source == "PreSignUp_ExternalProvider":
        _link_or_clear(event, deps, email, attributes)
        return event
    if email != email.lower():
        raise Refused("email_not_lowercase")
    if email.rpartition("@")[2] in deps.blocked_domains:
        raise Refused("disposable_email")
    return event


def _link_or_clear(
    event: dict[str, Any], deps: Deps, email: str, attributes: dict[str, str]
) -> None:
    """Link to the native user who proved this address; clear unproven claims; refuse the rest."""
    if not email or attributes.get("email_verified", "false").lower() != "true":
        return
    provider, _, subject = event["userName"].partition("_")
    quoted = email.replace("\\", "\\\\").replace('"', '\\"')
    pool_id = event["userPoolId"]  # from the event: the function needs no pool id of its own
    users = deps.idp.list_users(UserPoolId=pool_id, Filter=f'email = "{quoted}"')["Users"]
    natives = [u for u in users if u["UserStatus"] != "EXTERNAL_PROVIDER"]
    for claim in [u for u in natives if u["UserStatus"] == "UNCONFIRMED"]:
        deps.idp.admin_delete_user(UserPoolId=pool_id, Username=claim["Username"])
    owners = [u for u in natives if u["UserStatus"] != "UNCONFIRMED"]
    if len(owners) != 1:
        return  # none, or ambiguous: a new user
    owner = owners[0]
    verified = {a["Name"]: a["Value"] for a in owner.get("Attributes", [])}.get("email_verified")
    if not address_proven(owner["UserStatus"], verified):
        raise Refused(UNPROVEN_REASONS.get(owner["UserStatus"], "address_unproven"))
    deps.idp.admin_link_provider_for_user(
        UserPoolId=pool_id,
        DestinationUser={
            "ProviderName": "Cognito",
            "ProviderAttributeValue": owner["Username"],
        },
        SourceUser={
            "ProviderName": provider,
            "ProviderAttributeName": "Cognito_Subject",
            "ProviderAttributeValue": subject,
        },
    )


def _blocked(extra: str, block_disposable: bool) -> frozenset[str]:
    """The refused domains: the maintained list (unless turned off) plus configured ones."""
    domains = {d.strip().lower() for d in extra.split(",") if d.strip()}
    return frozenset((set(blocklist) if block_disposable else set()) | domains)


class Handler:
    """The Lambda handler; ``for_local`` gives it the local pool's client."""

    def __init__(self) -> None:
        self._deps: Deps | None = None

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:  # pragma: no cover
        """Lambda's entry point (the client and settings come from the environment)."""
        if self._deps is None:
            import boto3

            self._deps = Deps(
                idp=boto3.client("cognito-idp"),
                blocked_domains=_blocked(
                    os.environ.get("GATEHOUSE_BLOCKED_EMAIL_DOMAINS", ""),
                    os.environ.get("GATEHOUSE_BLOCK_DISPOSABLE_EMAILS", "true") != "false",
                ),
            )
        return pre_sign_up(event, self._deps)

    def for_local(self, settings: Any, services: dict[str, Any]):
        """Local mode: the in-process client, created after the pool (hence ``services``)."""
        blocked = _blocked(settings.blocked_email_domains, settings.block_disposable_emails)

        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            deps = Deps(services["idp"], blocked)
            return pre_sign_up(event, deps)

        return handler


handler = Handler()
