"""The sign-in core: Gatehouse's session is the person's proof of sign-in, and tokens for an app
client are minted from it with a session proof (single sign-on).

A first-factor sign-in (password and its challenges, a magic link) runs as Gatehouse's own app
client: its tokens, with the admin scope, stay in the session for the account pages. The pending
app request is then finished with a session proof: InitiateAuth ``CUSTOM_AUTH`` as the app client
and RespondToAuthChallenge answered with a proof (``ProofSigner``: the user, the app client, a
unique id, the granted scopes, 60 seconds), checked and spent by the custom-auth triggers, which
also read its scopes in PreTokenGeneration. Two Cognito calls per app. A person who signs in only
through an external provider cannot use InitiateAuth (Cognito refuses federated users there):
their app tokens come from the pool's OAuth2 domain as the app client, so a second app sends
them through the provider again (``social``), and ``prompt=none`` answers ``login_required``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from flask import current_app, redirect, session, url_for
from joserfc.jws import extract_compact
from werkzeug.wrappers import Response

from . import observability
from .magic_link.tokens import ProofSigner
from .oauth import pending
from .observability import audit
from .userpool import errors

log = logging.getLogger(__name__)
CHALLENGE_KEY = "challenge"
REFRESH_KEY = "refresh_tokens"  # [[client_id, refresh token], ...] obtained in this browser
SIGNED_OUT_PREFIX = "signed-out:"  # a person's sign-out everywhere, for the SSO check
DETOUR_KEY = "detour"  # the page shown between a sign-in and the app's request (``complete``)
# A detour's page continues the app's request only this soon after the sign-in.
DETOUR_SECONDS = 10 * 60
# Pages that may be shown once signed in, before the app's request is finished, each with the
# test of whether it is wanted now (``detour_when``).
DETOURS: dict[str, Callable[[], bool]] = {}


class ProofRefused(Exception):
    """The pool did not mint tokens for the session proof (a changed app client, a disabled
    user, a trigger that refused): the person signs in with the form instead."""


def user_pool():
    """The gateway."""
    return current_app.extensions["gatehouse.userpool"]


def _settings():
    """The app's settings."""
    return current_app.extensions["gatehouse.settings"]


def target_client_id() -> str:
    """The app client of the pending request, else Gatehouse's own client (branding, social
    sign-in and sign-up run as the app's client)."""
    return pending.pending_client_id() or user_pool().client_id


def own_client_id() -> str:
    """Gatehouse's own app client: every first-factor sign-in runs as it."""
    return user_pool().client_id


def id_claims(id_token: str) -> dict[str, Any]:
    """The claims of an ID token the pool has just returned to us over its API (trusted channel)."""
    return json.loads(extract_compact(id_token.encode()).payload)


def outcome(
    result: dict[str, Any],
    email: str,
    client_id: str | None = None,
    method: str = "pwd",
    detour: str | None = None,
) -> Response:
    """Turn an InitiateAuth/RespondToAuthChallenge answer into the next page: the tokens, or
    the pool's next challenge (an authenticator-app code, say) for the same app client.
    ``method`` names the ways proven so far, space-separated (``pwd``, ``otp``, ``pwd mfa``,
    ``passkey``); ``detour`` is an endpoint to show once signed in, before the app's request is
    finished (the offer of a passkey), kept across the challenges."""
    if "AuthenticationResult" in result:
        return complete(result["AuthenticationResult"], method.split(), detour)
    observability.metrics().challenged(result["ChallengeName"])
    session[CHALLENGE_KEY] = {
        "name": result["ChallengeName"],
        "session": result["Session"],
        "email": email,
        "client_id": client_id or own_client_id(),
        "username": result.get("ChallengeParameters", {}).get("USER_ID_FOR_SRP", email),
        "method": method,
        "detour": detour,
    }
    return redirect(url_for("signin.challenge"), 303)


def complete(
    tokens: dict[str, Any], methods: list[str] | None = None, detour: str | None = None
) -> Response:
    """Start Gatehouse's own session (``start_session``), then finish the pending request: with
    these tokens if they were minted for its app client (social sign-in), else with a session
    proof (``proceed``), after the ``detour`` page if one is given. Tokens minted for one app
    never reach another (their audience, scopes and refresh token are not its own)."""
    claims = start_session(tokens, methods)
    _observe_sign_in(tokens, claims)
    waiting = pending.pending()
    if waiting and waiting["client_id"] == claims.get("aud"):
        session.pop(pending.PENDING_KEY)
        return redirect(pending.finish(waiting, tokens, claims["sub"]), 303)
    if detour and DETOURS.get(detour, lambda: False)():
        # The detour's page may finish this request, and only this one, a little later.
        session[DETOUR_KEY] = {"endpoint": detour, "pending": waiting, "at": _settings().clock()}
        return redirect(url_for(detour), 303)
    return proceed()


def _observe_sign_in(tokens: dict[str, Any], claims: dict[str, Any]) -> None:
    """Count the sign-in and write its audit line (and the pool's new device, if it saw one)."""
    user = session["user"]
    # The provider signed in through, also for an account it was linked to (a native user).
    provider = _provider(claims) if "federated" in user["methods"] else None
    observability.metrics().signed_in(user["methods"], provider)
    methods = " ".join(user["methods"])
    audit.event("sign-in", user["sub"], method=methods, provider=provider or "")
    if tokens.get("NewDeviceMetadata"):
        # Cognito's device tracking: the pool has not seen this device for this user before.
        audit.event("new device", user["sub"], method=methods)


def detour_when(endpoint: str, wanted: Callable[[], bool]) -> None:
    """Let ``endpoint`` be shown between a sign-in and the app's request when ``wanted()`` says
    so (called during the sign-in's request, signed in)."""
    DETOURS[endpoint] = wanted


def on_detour(endpoint: str) -> bool:
    """This session was sent to ``endpoint`` by its sign-in and has not gone on yet."""
    return (session.get(DETOUR_KEY) or {}).get("endpoint") == endpoint


def proceed_after_detour() -> Response:
    """Go on from a detour's page (a POST) as the sign-in would have: only to the request that
    was pending at that sign-in, soon after it, while this session may still sign in to apps
    (``sso_user``, ``pool_still_signs_in``: not signed out everywhere since); anything else goes
    to the account page.
    The detour is spent either way."""
    held = session.pop(DETOUR_KEY, None)
    if (
        not held
        or held["pending"] != pending.pending()
        or _settings().clock() - held["at"] > DETOUR_SECONDS
        or sso_user() is None
        or not pool_still_signs_in()
    ):
        return redirect(url_for("account.overview"), 303)
    return proceed()


def proceed() -> Response:
    """Where a signed-in person goes next: the pending app request, finished with a session
    proof, else the account page (which says who is signed in)."""
    waiting = pending.pending()
    if waiting and session["user"]["provider"] is None:
        try:
            return redirect(finish_with_proof(waiting), 303)
        except ProofRefused:
            pass  # the request stays pending; the account page says who is signed in
    return redirect(url_for("account.overview"), 303)


def start_session(tokens: dict[str, Any], methods: list[str] | None = None) -> dict[str, Any]:
    """Gatehouse's own session from a sign-in's tokens (a new session id), finishing nothing
    (a confirmation on the account pages uses this); returns the ID token's claims.

    ``methods`` says how the person signed in (amr-like: ``pwd``, ``mfa``, ``otp`` for a
    magic link, ``federated``).
    """
    claims = id_claims(tokens["IdToken"])
    keep = {k: session[k] for k in (pending.PENDING_KEY, REFRESH_KEY) if k in session}
    session.clear()
    session.renew()
    session.update(keep)
    federated = claims.get("cognito:username", "") != claims["sub"] and bool(
        claims.get("identities")
    )
    session["user"] = {
        "sub": claims["sub"],
        "username": claims.get("cognito:username", claims["sub"]),
        "email": claims.get("email", ""),
        "auth_time": claims.get("auth_time", int(time.time())),
        "signed_in_at": _settings().clock(),
        "methods": methods or (["federated"] if federated else ["pwd"]),
        "client_id": claims.get("aud"),
        "provider": _provider(claims) if federated else None,
    }
    session["access_token"] = tokens["AccessToken"]
    _keep_refresh(claims.get("aud"), tokens.get("RefreshToken"))
    return claims


def _provider(claims: dict[str, Any]) -> str | None:
    """The external provider a federated user signs in with (their first identity)."""
    identities = claims.get("identities") or []
    return identities[0].get("providerName") if identities else None


def _keep_refresh(client_id: str | None, refresh_token: str | None) -> None:
    """Remember a refresh token this browser obtained, for ``/logout`` to revoke."""
    if client_id and refresh_token:
        session[REFRESH_KEY] = [*session.get(REFRESH_KEY, []), [client_id, refresh_token]]


def sso_user(max_age: int | None = None) -> dict[str, Any] | None:
    """The signed-in person, if their session may sign in to an app without a form: signed in
    less than GATEHOUSE_SSO_SECONDS ago, not signed out everywhere since, and (given
    ``max_age``) authenticated at most that many seconds ago."""
    user = session.get("user")
    if not user:
        return None
    now = _settings().clock()
    if now - user["signed_in_at"] >= _settings().sso_seconds:
        return None
    if max_age is not None and now - user["auth_time"] > max_age:
        return None
    # Native sessions are also checked at the pool before a hop (``pool_still_signs_in``); a
    # provider session never is (its apps' tokens come through the provider again), so this
    # mark is what ends its single sign-on after a sign-out everywhere.
    store = current_app.extensions["gatehouse.store"]
    for name in {user["sub"], (user.get("email") or "").lower()} - {""}:
        signed_out = store.get(SIGNED_OUT_PREFIX + name)
        if signed_out is not None and signed_out > user["signed_in_at"]:
            return None
    return user


def pool_still_signs_in() -> bool:
    """The pool still honours this session's own access token (GetUser: the ``UserRead``
    quota, not ``UserAuthentication``). A sign-out everywhere made at the pool itself (an app's
    GlobalSignOut, an administrator's AdminUserGlobalSignOut), a disabled or deleted user
    revoke it: single sign-on must not mint fresh tokens, with fresh refresh tokens that would
    outlive that sign-out, for such a session."""
    try:
        user_pool().call("GetUser", AccessToken=session.get("access_token", ""))
    except (errors.SessionExpired, errors.NotFound, errors.InvalidCredentials, errors.InvalidInput):
        return False
    return True


def mint(client_id: str, scopes: list[str]) -> dict[str, Any]:
    """Tokens for an app client from this session: CUSTOM_AUTH as the app client, answered with
    a fresh session proof (also in ClientMetadata, for PreTokenGeneration). Two calls."""
    user = session["user"]
    proof = ProofSigner(_settings().link_key).issue(
        user["sub"], client_id, scopes, _settings().clock()
    )
    pool = user_pool()
    try:
        start = pool.call(
            "InitiateAuth",
            ClientId=client_id,
            AuthFlow="CUSTOM_AUTH",
            AuthParameters={"USERNAME": user["username"]},
        )
        result = pool.call(
            "RespondToAuthChallenge",
            ClientId=client_id,
            ChallengeName="CUSTOM_CHALLENGE",
            Session=start["Session"],
            ClientMetadata={"proof": proof},
            ChallengeResponses={
                "USERNAME": start["ChallengeParameters"].get("USERNAME", user["username"]),
                "ANSWER": proof,
            },
        )
    except (
        errors.InvalidCredentials,
        errors.InvalidInput,
        errors.NotConfirmed,
        errors.NotFound,
        errors.Rejected,
        errors.SessionExpired,
    ) as exc:
        log.warning("session proof refused for app client %s: %s", client_id, exc)
        raise ProofRefused(client_id) from exc
    if "AuthenticationResult" not in result:
        log.warning("session proof answered with a challenge for app client %s", client_id)
        raise ProofRefused(client_id)
    return result["AuthenticationResult"]


def finish_with_proof(request: dict[str, Any]) -> str:
    """Mint the request's tokens from this session and finish it; returns the redirect URL."""
    tokens = mint(request["client_id"], request["scope"].split())
    _keep_refresh(request["client_id"], tokens.get("RefreshToken"))
    session.pop(pending.PENDING_KEY, None)
    return pending.finish(request, tokens, session["user"]["sub"])


def signed_in_user() -> dict[str, Any] | None:
    """The person signed in to Gatehouse, if any."""
    return session.get("user")


def sign_out() -> None:
    """End Gatehouse's session (the tokens apps hold stay valid)."""
    session.clear()


def sign_out_here() -> None:
    """``/logout``: revoke every refresh token this browser obtained (each with its own app
    client, as Cognito requires; the access tokens minted from them die with them), then end
    the session. A shared computer is really signed out."""
    pool = user_pool()
    for client_id, refresh_token in session.get(REFRESH_KEY, []):
        try:
            pool.call("RevokeToken", ClientId=client_id, Token=refresh_token)
        except errors.UserPoolError as exc:
            log.info("refresh token of %s not revoked at sign-out: %s", client_id, exc)
    session.clear()


def signed_out_everywhere(name: str) -> None:
    """Mark a person signed out everywhere (by ``sub``, or by email where that is the name the
    caller has): no session of theirs signed in before now signs in to an app without a form any
    more. The caller revokes their refresh tokens (GlobalSignOut, AdminUserGlobalSignOut)."""
    current_app.extensions["gatehouse.store"].put(
        SIGNED_OUT_PREFIX + name.lower(), _settings().clock(), max(_settings().sso_seconds, 1)
    )
