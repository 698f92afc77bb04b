"""Sign-in through an external identity provider, as Cognito's OAuth2 domain does it.

The first sign-in of an external identity creates a ``<Provider>_<subject>`` user after running
PreSignUp with ``PreSignUp_ExternalProvider``, then runs PostConfirmation with
``PostConfirmation_ConfirmSignUp`` (the user is confirmed as it is made). If PreSignUp links the
identity to an existing user (AdminLinkProviderForUser), Cognito fails this one sign-in with
"Already found an entry for username" — a known behaviour that callers retry — and the local
pool does the same.

Every later sign-in of that identity (or of the user it was linked to) runs PreAuthentication
and then PostAuthentication (``PreAuthentication_Authentication``,
``PostAuthentication_Authentication``), the sources Cognito documents for a returning federated
user; either may refuse by raising, and the browser then comes back with Cognito's
``error_description``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .errors import PoolError
from .operations.signup import post_confirmation, pre_sign_up
from .seed import AppClient
from .sign_in_triggers import post_authentication, pre_authentication


class AlreadyFoundEntry(PoolError):
    """The identity was linked during this very sign-in; the caller should sign in again."""

    def __init__(self, username: str) -> None:
        super().__init__(
            "InvalidParameterException", f"Already found an entry for username {username}"
        )
        self.username = username


def subject_for(provider: str, email: str) -> str:
    """The simulated provider's stable subject for an email (digits, like Google's)."""
    digest = hashlib.sha256(f"{provider}:{email.lower()}".encode()).hexdigest()
    return str(int(digest[:16], 16))


def linked_user(pool, conn, provider: str, subject: str) -> dict[str, Any] | None:
    """The user an external identity is linked to, if any."""
    for row in conn.execute("SELECT * FROM users WHERE identities != '[]'").fetchall():
        user = pool.user_from_row(row)
        if any((i["providerName"], i["userId"]) == (provider, subject) for i in user["identities"]):
            return user
    return None


def sign_in(pool, conn, provider: str, claims: dict[str, str], client: AppClient) -> dict[str, Any]:
    """The user who signs in with this external identity (created on first sign-in)."""
    subject = claims["sub"]
    mapping = pool.providers[provider].attribute_mapping
    attributes = {name: str(claims[claim]) for name, claim in mapping.items() if claim in claims}
    user = linked_user(pool, conn, provider, subject)
    if user is not None:
        return _returning(pool, conn, client, user, {})
    username = f"{provider}_{subject}"
    user = pool.find_user(conn, username)
    if user is not None:
        return _returning(pool, conn, client, user, attributes)
    flags = pre_sign_up(pool, "PreSignUp_ExternalProvider", username, client.id, attributes, {})
    if linked_user(pool, conn, provider, subject) is not None:
        raise AlreadyFoundEntry(username)
    if flags.get("autoVerifyEmail"):
        attributes["email_verified"] = "true"
    user = pool.new_user(
        conn,
        attributes.get("email", ""),
        attributes,
        None,
        "EXTERNAL_PROVIDER",
        username=username,
        native=False,
    )
    user["identities"] = [
        {
            "dateCreated": str(int(pool.clock() * 1000)),
            "userId": subject,
            "providerName": provider,
            "providerType": pool.providers[provider].type,
            "issuer": None,
            "primary": "true",
        }
    ]
    pool.save_user(conn, user)
    # Cognito confirms a new external user at once, and says so to PostConfirmation.
    post_confirmation(pool, user, client.id, "PostConfirmation_ConfirmSignUp", None)
    return user


def _returning(pool, conn, client: AppClient, user: dict[str, Any], attributes: dict) -> dict:
    """A known identity signs in again: PreAuthentication, the provider's attributes kept (for
    the identity's own user), then PostAuthentication. The domain has no ClientMetadata."""
    pre_authentication(pool, client, user["username"], user, None)
    if attributes:
        user["attributes"].update(attributes)
        pool.save_user(conn, user)
    post_authentication(pool, user, client, None)
    return user
