"""The UserMigration trigger: a user the pool does not know, who signs in with a password or asks
for a reset, is looked up in the legacy directory by the trigger and created from its answer.

The trigger is asked before the write transaction (``ask``: it usually calls another system, and
Cognito gives it up to five seconds); the user is created inside it (``create``). As on Cognito:

- ``UserMigration_Authentication`` runs for USER_PASSWORD_AUTH (and ADMIN_USER_PASSWORD_AUTH),
  never for SRP (the pool never sees the password) nor passwordless sign-in; its request has
  ``password`` and ``validationData`` (the call's ClientMetadata).
- ``UserMigration_ForgotPassword`` runs for ForgotPassword; its request has ``clientMetadata``.
- An answer without ``userAttributes`` means "not in the legacy directory either": the caller
  answers as for any unknown user (``NotAuthorizedException`` when the app client prevents
  user-existence errors, a simulated code delivery for ForgotPassword).
- A trigger that raises fails the call with ``UserLambdaValidationException`` "UserMigration
  failed with error <message>." (``TriggerRunner.invoke``); an answer Cognito cannot use
  (a bad ``finalUserStatus``, ``messageAction`` or delivery medium) fails it with
  ``UserNotFoundException`` "Exception migrating user in app client <id>".
- Unless ``messageAction`` is ``SUPPRESS``, the new user gets Cognito's welcome message, by
  email when ``desiredDeliveryMediums`` names ``EMAIL`` (``welcome``); without it Cognito sends
  it by SMS, which this pool has not, so nothing is sent. Cognito's reference says no more (not
  its text, nor the CustomMessage source): the local pool sends its own welcome text through
  the CustomMessage trigger as ``CustomMessage_AdminCreateUser``, the source of the message its
  AdminCreateUser reference calls the welcome message, with no temporary password to fill in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from ..errors import PoolError
from ..passwords import Secret, make_secret
from ..seed import AppClient

TRIGGER = "UserMigration"
STATUSES = ("CONFIRMED", "RESET_REQUIRED")
MESSAGE_ACTIONS = ("SUPPRESS", "RESEND")
MEDIUMS = ("EMAIL", "SMS")
# The CustomMessage source and the pool's own template of a migrated user's welcome email.
WELCOME_SOURCE = "CustomMessage_AdminCreateUser"
WELCOME_TEMPLATE = "welcome"
# Attributes the pool sets itself: a trigger's values for them are not kept.
OWN_ATTRIBUTES = ("sub", "cognito:username", "cognito:user_status", "cognito:email_alias")


@dataclass
class Migration:
    """What the trigger answered, made ready before the transaction: the user to create
    (``attributes`` None: the legacy directory does not know them) or the error to answer."""

    username: str
    attributes: dict[str, str] | None = None
    status: str = "CONFIRMED"
    sub: str = field(default_factory=lambda: str(uuid.uuid4()))
    secret: Secret | None = None
    error: PoolError | None = None
    # Whether the welcome email goes out, and to what the CustomMessage trigger is told of.
    welcome: bool = False
    client_id: str | None = None
    metadata: dict[str, str] | None = None


def configured(pool) -> bool:
    """True when the pool has a UserMigration trigger."""
    return pool.triggers.configured(TRIGGER)


def ask(
    pool,
    client: AppClient,
    source: str,
    username: str,
    password: str | None,
    metadata: dict[str, str] | None,
) -> Migration:
    """Run the trigger for an unknown ``username`` (outside any transaction) and check its
    answer; a sign-in's password is hashed here for the user to be created."""
    request: dict[str, Any] = {}
    if source == "UserMigration_Authentication":
        request["password"] = password or ""
        request["validationData"] = dict(metadata) if metadata else None
    elif metadata:
        request["clientMetadata"] = dict(metadata)
    response = {
        "userAttributes": None,
        "finalUserStatus": None,
        "messageAction": None,
        "desiredDeliveryMediums": None,
        "forceAliasCreation": None,
        "enableSMSMFA": None,
    }
    event = pool.triggers.event(source, username, client.id, request, response)
    try:
        answer = pool.triggers.invoke(TRIGGER, event)
    except PoolError as exc:
        return Migration(username, error=exc)
    attributes = answer.get("userAttributes")
    if not attributes:
        return Migration(username)
    if not _usable(answer, attributes):
        refusal = PoolError(
            "UserNotFoundException", f"Exception migrating user in app client {client.id}"
        )
        return Migration(username, error=refusal)
    kept = {str(k): str(v) for k, v in attributes.items() if k not in OWN_ATTRIBUTES}
    kept["email"] = username.lower()  # this pool signs in with email: the name typed is it
    welcome = {
        "welcome": answer.get("messageAction") != "SUPPRESS"
        and "EMAIL" in (answer.get("desiredDeliveryMediums") or []),
        "client_id": client.id,
        "metadata": dict(metadata) if metadata else None,
    }
    if source == "UserMigration_ForgotPassword":
        # No password is known yet: the user chooses one with the code that follows.
        return Migration(username, kept, "RESET_REQUIRED", **welcome)
    status = answer.get("finalUserStatus") or "CONFIRMED"
    migration = Migration(username, kept, status, **welcome)
    if migration.status == "CONFIRMED":
        migration.secret = make_secret(password or "", migration.sub, pool.id)
    return migration


def _usable(answer: dict[str, Any], attributes: Any) -> bool:
    """Whether Cognito could create a user from this answer."""
    mediums = answer.get("desiredDeliveryMediums") or []
    return (
        isinstance(attributes, dict)
        and answer.get("finalUserStatus") in (None, *STATUSES)
        and answer.get("messageAction") in (None, *MESSAGE_ACTIONS)
        and isinstance(mediums, list)
        and all(m in MEDIUMS for m in mediums)
    )


def prepare_sign_in(pool, client, auth: dict[str, Any], metadata) -> dict[str, Any]:
    """Before a password sign-in's transaction, for a user the pool does not know: the
    trigger's answer (``{"migration": ...}``), or nothing when there is no trigger or the call
    would be refused anyway (no password, a wrong SECRET_HASH: the trigger is not bothered)."""
    password = auth.get("PASSWORD")
    if not configured(pool) or not isinstance(password, str) or not password:
        return {}
    try:
        pool.check_secret_hash(client, [auth["USERNAME"]], auth.get("SECRET_HASH"))
    except PoolError:
        return {}
    source = "UserMigration_Authentication"
    return {"migration": ask(pool, client, source, auth["USERNAME"], password, metadata)}


def create(pool, conn, migration: Migration | None) -> dict[str, Any] | None:
    """Inside the transaction, once the user was again found missing: the user the trigger's
    answer describes, created now; None when the legacy directory does not know them either;
    the trigger's error raised as the call's answer."""
    if migration is None:
        return None
    if migration.error is not None:
        raise migration.error
    if migration.attributes is None:
        return None
    user = pool.new_user(
        conn,
        migration.attributes["email"],
        migration.attributes,
        migration.secret,
        migration.status,
        sub=migration.sub,
    )
    if migration.welcome:
        welcome(pool, user, migration)
    return user


def welcome(pool, user: dict[str, Any], migration: Migration) -> None:
    """Email the migrated user the welcome message (their username; no password: the legacy
    directory's stays theirs, or they choose one at the reset that follows)."""
    pool.mail.send(
        WELCOME_SOURCE,
        to=user["email"],
        user_name=user["username"],
        attributes=pool.trigger_attributes(user),
        client_id=migration.client_id,
        code="",
        client_metadata=migration.metadata,
        username_value=user["email"],
        template=WELCOME_TEMPLATE,
    )
