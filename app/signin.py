"""Finishing a sign-in: a fresh session, then back to the app client or on to the account page."""

from __future__ import annotations

import json
import time
from typing import Any

from flask import current_app, redirect, session, url_for
from joserfc.jws import extract_compact
from werkzeug.wrappers import Response

from .oauth import pending

CHALLENGE_KEY = "challenge"


def user_pool():
    """The gateway."""
    return current_app.extensions["gatehouse.userpool"]


def target_client_id() -> str:
    """Sign in as the app client of the pending request, else as Gatehouse's own client."""
    return pending.pending_client_id() or user_pool().client_id


def id_claims(id_token: str) -> dict[str, Any]:
    """The claims of an ID token the pool has just returned to us over its API (trusted channel)."""
    return json.loads(extract_compact(id_token.encode()).payload)


def outcome(result: dict[str, Any], email: str, client_id: str | None = None) -> Response:
    """Turn an InitiateAuth/RespondToAuthChallenge answer into the next page: the tokens, or
    the pool's next challenge (an authenticator-app code, say) for the same app client."""
    if "AuthenticationResult" in result:
        return complete(result["AuthenticationResult"])
    session[CHALLENGE_KEY] = {
        "name": result["ChallengeName"],
        "session": result["Session"],
        "email": email,
        "client_id": client_id or target_client_id(),
        "username": result.get("ChallengeParameters", {}).get("USER_ID_FOR_SRP", email),
    }
    return redirect(url_for("signin.challenge"), 303)


def complete(tokens: dict[str, Any]) -> Response:
    """Start Gatehouse's own session (a new id), then finish the pending request if the tokens
    were minted for its app client.

    Some sign-ins mint tokens for another client than the pending request's: confirming a
    password or signing in again after a password change (Gatehouse's own client), a magic link
    or a social sign-in started for one app while this browser went on to another app's request.
    Those tokens must never reach the other app (their audience, scopes and refresh token are not
    its own): its request stays pending, for a sign-in that mints its own tokens.
    """
    claims = id_claims(tokens["IdToken"])
    keep = {k: session[k] for k in (pending.PENDING_KEY,) if k in session}
    session.clear()
    session.renew()
    session.update(keep)
    session["user"] = {
        "sub": claims["sub"],
        "email": claims.get("email", ""),
        "auth_time": claims.get("auth_time", int(time.time())),
        "signed_in_at": current_app.extensions["gatehouse.settings"].clock(),
    }
    session["access_token"] = tokens["AccessToken"]
    waiting = pending.pending()
    if waiting and waiting["client_id"] == claims.get("aud"):
        return redirect(pending.finish(tokens, claims["sub"]), 303)
    return redirect(url_for("account.overview"), 303)


def signed_in_user() -> dict[str, Any] | None:
    """The person signed in to Gatehouse, if any."""
    return session.get("user")


def sign_out() -> None:
    """End Gatehouse's session."""
    session.clear()
