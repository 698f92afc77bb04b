"""What the OAuth2 domain's userInfo answers for an access token's scopes, as Cognito documents
its ``/oauth2/userInfo``: the token must hold ``openid`` (so the user API's tokens, whose only
scope is ``aws.cognito.signin.user.admin``, are refused there); ``openid`` alone answers every
attribute the app client may read; ``profile``, ``email`` and ``phone`` each narrow the answer
to their attributes (``profile``: the standard profile claims and the custom attributes). The
user is always named (``sub``, ``username``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# OpenID Connect's profile claims, as Cognito lists them for the profile scope.
PROFILE = frozenset(
    {
        "name",
        "family_name",
        "given_name",
        "middle_name",
        "nickname",
        "preferred_username",
        "profile",
        "picture",
        "website",
        "gender",
        "birthdate",
        "zoneinfo",
        "locale",
        "updated_at",
    }
)
SCOPED = {
    "email": frozenset({"email", "email_verified"}),
    "phone": frozenset({"phone_number", "phone_number_verified"}),
}
REQUIRED_SCOPE = "openid"


def claims_for(attributes: Mapping[str, str], scopes: Iterable[str]) -> dict[str, str]:
    """The attributes (already those the client may read) the scopes let userInfo answer."""
    granted = set(scopes)
    narrowing = granted & {"profile", *SCOPED}
    if not narrowing:
        return dict(attributes)
    kept = set().union(*(SCOPED[scope] for scope in narrowing if scope in SCOPED))
    profile = "profile" in granted
    return {
        name: value
        for name, value in attributes.items()
        if name == "sub"
        or name in kept
        or (profile and (name in PROFILE or name.startswith("custom:")))
    }
