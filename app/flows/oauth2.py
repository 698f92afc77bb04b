"""Cognito's hosted-UI endpoints: authorize, token, userInfo, revoke, logout and discovery."""

from __future__ import annotations

import re

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749.errors import OAuth2Error
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from ..branding import use_brand
from ..messages import text
from ..oauth import pending
from ..oauth.clients import load_client
from ..oauth.json_errors import json_errors, oauth_error
from ..oauth.server import TOKEN_AUTH_METHODS
from ..signin import (
    ProofRefused,
    finish_with_proof,
    pool_still_signs_in,
    sign_out_here,
    sso_user,
    user_pool,
)
from ..userpool import errors
from ..userpool.domain import DomainError

bp = Blueprint("oauth2", __name__)
BEARER = re.compile(r"[A-Za-z0-9\-._~+/]+=*")  # RFC 6750's b64token


def _server():
    """The app's Authlib authorization server."""
    return current_app.extensions["gatehouse.oauth"]


def _refuse(message_key: str, status: int = 400):
    """An error page, never a redirect: the client or redirect URI cannot be trusted."""
    return render_template("error.html", message=text(message_key), status=status), status


def _back_with_error(
    redirect_uri: str, error: str, description: str, state: str | None, implicit: bool
):
    """Send an error to a registered redirect URI (RFC 6749 §4.1.2.1; in the fragment for the
    implicit grant, §4.2.2.1)."""
    params = [("error", error), ("error_description", description)]
    if state is not None:
        params.append(("state", state))
    return redirect(add_params_to_uri(redirect_uri, params, fragment=implicit), 302)


@bp.get("/oauth2/authorize")
def authorize():
    """Validate an authorization request; answer it from this browser's Gatehouse session when
    that session may sign in to apps (single sign-on: a code with no form), else keep it
    server-side and show the sign-in page. ``prompt=none`` never shows a page
    (``login_required`` at the callback), ``prompt=login`` and an exceeded ``max_age`` always
    do; ``login_hint`` prefills the form."""
    try:
        _server().get_consent_grant(end_user=None)
    except OAuth2Error as error:
        if error.redirect_uri:
            return _server().handle_error_response(request, error)
        return _refuse("bad_authorize_request")
    except ValueError:
        # Authlib refuses to build an error description from some hostile values
        # (a backslash in redirect_uri, say): a bad request all the same.
        return _refuse("bad_authorize_request")
    args = request.args
    client = load_client(args["client_id"])
    use_brand(client.client_id)  # validated: this app's brand from here on
    redirect_uri, state = args["redirect_uri"], args.get("state")
    implicit = args["response_type"] == "token"

    def refuse(error: str, description: str):
        """Back to the app with an error."""
        return _back_with_error(redirect_uri, error, description, state, implicit)

    requested = (args.get("scope") or " ".join(client.scopes)).split()
    if any(scope not in client.scopes for scope in requested):
        return refuse("invalid_scope", "A requested scope is not allowed.")
    # PKCE belongs to the code flow; the implicit grant has no code to protect.
    challenge = None if implicit else args.get("code_challenge")
    if challenge and args.get("code_challenge_method", "plain") != "S256":
        return refuse("invalid_request", "Only S256 PKCE is supported.")
    if not implicit and not client.secret and not challenge:
        return refuse("invalid_request", "PKCE (S256) is required.")
    provider = args.get("identity_provider")
    if provider and provider != "COGNITO" and provider not in client.providers:
        return refuse("invalid_request", "This identity provider is not available.")
    prompt = set((args.get("prompt") or "").split())
    if "none" in prompt and len(prompt) > 1:
        return refuse("invalid_request", "prompt=none cannot be combined with another value.")
    max_age = args.get("max_age")
    if max_age is not None and not (max_age.isdigit() and len(max_age) <= 10):
        return refuse("invalid_request", "max_age must be a number of seconds.")
    authorization = {
        "client_id": client.client_id,
        "response_type": args["response_type"],
        "redirect_uri": redirect_uri,
        "state": state,
        "scope": " ".join(requested),
        "code_challenge": challenge,
        "code_challenge_method": args.get("code_challenge_method") if challenge else None,
        "nonce": args.get("nonce"),
    }
    # acr_values is accepted and ignored: the pool has one level of assurance to offer.
    user = None if "login" in prompt else sso_user(int(max_age) if max_age else None)
    if user is not None and (not provider or provider in ("COGNITO", user["provider"])):
        if user["provider"] is None:
            try:
                if not pool_still_signs_in():
                    raise ProofRefused(client.client_id)
                return redirect(finish_with_proof(authorization), 302)
            except ProofRefused:
                user = None  # the pool would not mint for this session: sign in again
        elif "none" not in prompt:
            # A federated person's app tokens come from the pool's domain: through the
            # provider again, as the app client.
            pending.remember(authorization)
            return redirect(url_for("social.start", provider=user["provider"]), 303)
    if "none" in prompt:
        # Before any page renders: a silent renewal in a hidden iframe gets its answer at once.
        return refuse("login_required", "The person must sign in.")
    pending.remember(authorization)
    if provider and provider != "COGNITO":
        return redirect(url_for("social.start", provider=provider), 303)
    return redirect(
        url_for(
            "signin.login", login_hint=args.get("login_hint") or None, lang=args.get("lang") or None
        ),
        303,
    )


@bp.post("/oauth2/token")
@json_errors
def token():
    """authorization_code (with PKCE) and refresh_token, with Authlib's client authentication;
    client_credentials, answered by the pool's OAuth2 domain."""
    return _server().create_token_response()


@bp.route("/oauth2/userInfo", methods=["GET", "POST"])
@json_errors
def userinfo():
    """The signed-in user's attributes, for a Bearer access token: the pool's domain answers
    (an app's token has the scopes it was granted, ``openid`` say, not GetUser's admin scope)."""
    header = request.headers.get("Authorization", "")
    scheme, _, access = header.partition(" ")
    if scheme.lower() != "bearer" or not access.strip():
        return _unauthorized("invalid_request", "A Bearer access token is required.")
    if not BEARER.fullmatch(access.strip()):
        return _unauthorized("invalid_token", "The access token is invalid, expired or revoked.")
    status, claims = current_app.extensions["gatehouse.domain"].userinfo(f"Bearer {access.strip()}")
    if status != 200:
        return _unauthorized("invalid_token", "The access token is invalid, expired or revoked.")
    return jsonify(claims)


def _unauthorized(error: str, description: str):
    """RFC 6750's 401 answer."""
    return oauth_error(error, description, 401, {"WWW-Authenticate": f'Bearer error="{error}"'})


@bp.post("/oauth2/revoke")
@json_errors
def revoke():
    """Revoke a refresh token (and the access tokens minted from it), with Cognito's answers:
    200 and an empty body for a revoked, unknown or another client's token (nothing is said
    about tokens the client does not hold), 400 for a missing token or an access token."""
    server = _server()
    oauth_request = server.create_oauth2_request(request)
    client = server.authenticate_client(oauth_request, TOKEN_AUTH_METHODS, "revoke")
    value = request.form.get("token")
    if not value:
        return oauth_error("invalid_request", "Missing 'token' in request.")
    try:
        user_pool().call("RevokeToken", ClientId=client.get_client_id(), Token=value)
    except errors.InvalidInput:
        pass  # not even the shape of a refresh token: one the client does not hold
    except errors.ConfigurationFault as fault:
        if fault.code == "UnsupportedTokenTypeException":
            return oauth_error("unsupported_token_type", "Only refresh tokens can be revoked.")
        if fault.code == "UnsupportedOperationException":
            return oauth_error("invalid_request", "Token revocation is off for this app client.")
        if fault.code != "UnauthorizedException":  # another client's token
            raise
    return current_app.response_class(b"", 200, mimetype="application/json")


@bp.get("/logout")
def logout():
    """Cognito's sign-out: end Gatehouse's session, then go to a registered sign-out URL,
    or (with ``redirect_uri`` and ``response_type``) start a new sign-in. Also OpenID Connect
    RP-Initiated Logout 1.0 (``id_token_hint``, ``post_logout_redirect_uri``, ``state``).

    A GET, as Cognito's is: apps link to it. Every form of it ends this browser's Gatehouse
    session and revokes the refresh tokens the session obtained for every app client.
    """
    args = request.args
    if "id_token_hint" in args or "post_logout_redirect_uri" in args:
        return _rp_initiated_logout()
    client = load_client(args.get("client_id"))
    if client is None:
        return _refuse("bad_logout_request")
    logout_uri = args.get("logout_uri")
    if logout_uri is not None:
        if logout_uri not in client.logout_urls:
            return _refuse("bad_logout_request")
        sign_out_here()
        return redirect(logout_uri, 302)
    if args.get("redirect_uri") and args.get("response_type"):
        if not client.check_redirect_uri(args["redirect_uri"]):
            return _refuse("bad_logout_request")
        sign_out_here()
        # The query as it came, never as url_for's arguments (``_scheme``, ``_method``, ...).
        again = add_params_to_uri(url_for("oauth2.authorize"), list(args.items(multi=True)))
        return redirect(again, 302)
    return _refuse("bad_logout_request")


def _rp_initiated_logout():
    """OIDC RP-initiated logout: the app client is the hint's audience or ``client_id`` (they
    must agree); the sign-out URL must be one of its own, exactly. Anything that does not check
    out gets the error page, never a redirect."""
    args = request.args
    client_id = args.get("client_id")
    if "id_token_hint" in args:
        try:
            claims = current_app.extensions["gatehouse.domain"].id_token_hint_claims(
                args["id_token_hint"]
            )
        except DomainError:
            return _refuse("bad_logout_request")
        if client_id is not None and client_id != claims.get("aud"):
            return _refuse("bad_logout_request")
        client_id = claims.get("aud")
    client = load_client(client_id if isinstance(client_id, str) else None)
    if client is None:
        return _refuse("bad_logout_request")
    use_brand(client.client_id)
    target = args.get("post_logout_redirect_uri")
    if target is not None and target not in client.logout_urls:
        return _refuse("bad_logout_request")
    sign_out_here()
    if target is None:
        return render_template("oauth2/signed_out.html", message=text("signed_out"))
    if args.get("state") is not None:
        target = add_params_to_uri(target, [("state", args["state"])])
    return redirect(target, 302)


@bp.get("/.well-known/openid-configuration")
@json_errors
def discovery():
    """Where the endpoints are; the issuer and JWKS are the user pool's, as are the tokens."""
    settings = current_app.extensions["gatehouse.settings"]
    issuer = settings.issuer(user_pool().pool_id)
    base = settings.base_url.rstrip("/")
    return jsonify(
        {
            "issuer": issuer,
            "jwks_uri": f"{issuer}/.well-known/jwks.json",
            "authorization_endpoint": f"{base}/oauth2/authorize",
            "token_endpoint": f"{base}/oauth2/token",
            "userinfo_endpoint": f"{base}/oauth2/userInfo",
            "revocation_endpoint": f"{base}/oauth2/revoke",
            "end_session_endpoint": f"{base}/logout",
            "response_types_supported": ["code", "token"],
            "grant_types_supported": [
                "authorization_code",
                "implicit",
                "refresh_token",
                "client_credentials",
            ],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": [
                "openid",
                "email",
                "phone",
                "profile",
                "aws.cognito.signin.user.admin",
            ],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "code_challenge_methods_supported": ["S256"],
        }
    )
