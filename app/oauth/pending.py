"""The authorization request a person is signing in for, and the one-time code that ends it.

The request is validated at ``/oauth2/authorize`` and kept server-side in the session; after
sign-in, the pool's tokens are stored under a single-use code (5 minutes, bound to the client,
redirect URI and PKCE challenge) and the browser is sent back to the registered callback; for
the implicit grant the tokens themselves go back, in the callback URL's fragment.
"""

from __future__ import annotations

import hashlib
from typing import Any

from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from flask import current_app, session
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..web.signing import serializer
from .clients import load_client

CODE_SECONDS = 300
PENDING_KEY = "pending_authorize"
REFRESH_RECORD_SECONDS = 30 * 86400
SEAL_SALT = "gatehouse.pending"
# A sealed request outlives the magic link that carries it (15 minutes) by a little.
SEAL_SECONDS = 20 * 60


def remember(request: dict[str, Any]) -> None:
    """Keep a validated authorization request for after sign-in."""
    session[PENDING_KEY] = request


def _sealer() -> URLSafeTimedSerializer:
    """Seals requests with the app's secret, under a salt of their own."""
    return serializer(current_app.secret_key, SEAL_SALT)


def sealed(request: dict[str, Any] | None) -> str | None:
    """A validated request, signed by Gatehouse, to travel through the pool and back (a magic
    link carries the request it continues): the pool's ClientMetadata is whatever its caller
    sent, and anyone may call the pool as a public app client."""
    return _sealer().dumps(request) if request else None


def unsealed(value: Any) -> dict[str, Any] | None:
    """The request Gatehouse sealed, or None for anything else (a request someone else put in
    ClientMetadata: another client's redirect, scopes the app is not allowed, a malformed one)."""
    if not isinstance(value, str):
        return None
    try:
        request = _sealer().loads(value, max_age=SEAL_SECONDS)
    except BadSignature:
        return None
    return request if isinstance(request, dict) else None


def pending() -> dict[str, Any] | None:
    """The authorization request in progress, if any."""
    return session.get(PENDING_KEY)


def pending_client_id() -> str | None:
    """The app client the person is signing in to (for branding and InitiateAuth)."""
    request = pending()
    return request["client_id"] if request else None


def store():
    """The app's store."""
    return current_app.extensions["gatehouse.store"]


def finish(request: dict[str, Any], tokens: dict[str, Any], sub: str) -> str:
    """Finish an authorization request (the caller takes it off the session); returns the
    redirect URL: with a code (code flow), or with the tokens in its fragment (implicit grant,
    as Cognito: no refresh token).

    The redirect URI is checked again against the app client's list, since the list may have
    changed while the person was signing in.
    """
    client = load_client(request["client_id"])
    if client is None or not client.check_redirect_uri(request["redirect_uri"]):
        raise PermissionError("the redirect URI is no longer registered for the app client")
    state = [("state", request["state"])] if request.get("state") is not None else []
    if request.get("response_type") == "token":
        params = [
            ("access_token", tokens["AccessToken"]),
            ("token_type", "Bearer"),
            ("expires_in", str(tokens["ExpiresIn"])),
        ]
        if "openid" in request["scope"].split():
            params.insert(1, ("id_token", tokens["IdToken"]))
        return add_params_to_uri(request["redirect_uri"], params + state, fragment=True)
    code = generate_token(48)
    store().put(
        f"authcode:{code}",
        {
            "client_id": request["client_id"],
            "redirect_uri": request["redirect_uri"],
            "scope": request["scope"],
            "code_challenge": request.get("code_challenge"),
            "code_challenge_method": request.get("code_challenge_method"),
            "nonce": request.get("nonce"),
            "sub": sub,
            "tokens": tokens,
        },
        CODE_SECONDS,
    )
    if tokens.get("RefreshToken"):
        remember_refresh_token(tokens["RefreshToken"], sub, request["scope"])
    return add_params_to_uri(request["redirect_uri"], [("code", code), *state])


def remember_refresh_token(refresh_token: str, sub: str, scope: str) -> None:
    """Keep whom a refresh token belongs to (refreshing for an app client with a secret needs
    the user's name for SECRET_HASH) and the scope it was granted (for the token response)."""
    digest = hashlib.sha256(refresh_token.encode()).hexdigest()
    store().put(f"refresh:{digest}", {"sub": sub, "scope": scope}, REFRESH_RECORD_SECONDS)


def refresh_grant(refresh_token: str) -> dict[str, str] | None:
    """The sub and scope of a refresh token issued through Gatehouse."""
    digest = hashlib.sha256(refresh_token.encode()).hexdigest()
    return store().get(f"refresh:{digest}")
