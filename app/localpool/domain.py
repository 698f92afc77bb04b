"""The local pool's OAuth2 domain under ``/_localpool/``: authorize with simulated identity
providers, token, userInfo, revoke, and the issuer's discovery document (local mode only)."""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from typing import Any

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request
from itsdangerous import BadSignature, URLSafeSerializer

from ..web.signing import same_secret
from . import federation, m2m, user_info
from .client_attributes import readable, token_client
from .errors import PoolError
from .tokens import ADMIN_SCOPE

CODE_SECONDS = 300
REQUEST_SECONDS = 900
REMEMBER_COOKIE = "localpool_idp_{}"


def _put(pool, kind: str, data: dict[str, Any], seconds: int) -> str:
    """Keep a domain record (pending authorize request or code); returns its id."""
    record_id = secrets.token_urlsafe(32)
    with pool.db.transaction() as conn:
        conn.execute(
            "INSERT INTO domain_records VALUES (?, ?, ?, ?)",
            (record_id, kind, json.dumps(data), pool.clock() + seconds),
        )
    return record_id


def _take(pool, kind: str, record_id: str) -> dict[str, Any] | None:
    """Use up a domain record."""
    with pool.db.transaction() as conn:
        row = conn.execute(
            "DELETE FROM domain_records WHERE id = ? AND kind = ? RETURNING data, expires",
            (record_id or "", kind),
        ).fetchone()
    if row is None or row["expires"] <= pool.clock():
        return None
    return json.loads(row["data"])


def _back(params: dict[str, Any], **answer: str) -> Response:
    """Redirect to the (already checked) redirect URI with an answer and the state."""
    if params.get("state") is not None:
        answer["state"] = params["state"]
    return redirect(add_params_to_uri(params["redirect_uri"], list(answer.items())), 302)


def _client_auth(pool):
    """The app client of a token or revoke request: Basic auth, or form fields."""
    header = request.headers.get("Authorization", "")
    client_id, secret = request.form.get("client_id"), request.form.get("client_secret", "")
    if header.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return None
    client = pool.clients.get(client_id or "")
    if client is None:
        return None
    if client.secret and not same_secret(client.secret, secret or ""):
        return None
    return client


def _client_credentials(pool, client) -> tuple[Response, int] | Response:
    """client_credentials: an access token for the app client itself (see ``m2m``)."""
    try:
        metadata = m2m.client_metadata(request.form.get("aws_client_metadata"))
        return jsonify(m2m.issue(pool, client, request.form.get("scope", ""), metadata))
    except m2m.GrantError as exc:
        return jsonify(error=exc.error), exc.status
    except PoolError as exc:  # the trigger failed: Cognito's domain says so in the error
        return jsonify(error="invalid_request", error_description=exc.message), 400


def blueprint(pool, secret_key: str) -> Blueprint:
    """The OAuth2 domain of one local pool."""
    bp = Blueprint("localpool_domain", __name__)
    remember = URLSafeSerializer(secret_key, salt="gatehouse.localpool.idp")

    @bp.get("/_localpool/oauth2/authorize")
    def authorize():
        """Check the request; show the simulated provider's page, or use its remembered sign-in."""
        args = request.args.to_dict()
        client = pool.clients.get(args.get("client_id", ""))
        if client is None or args.get("redirect_uri") not in client.callback_urls:
            return render_template("localpool/idp_error.html"), 400
        provider = args.get("identity_provider", "")
        if args.get("response_type") != "code":
            return _back(args, error="unsupported_response_type")
        if provider not in client.supported_identity_providers or provider not in pool.providers:
            return _back(
                args,
                error="invalid_request",
                error_description="identity_provider is not supported",
            )
        remembered = request.cookies.get(REMEMBER_COOKIE.format(provider))
        if remembered and args.get("prompt") != "login":
            try:
                return _finish(args, provider, remember.loads(remembered))
            except BadSignature:
                pass
        request_id = _put(pool, "authorize", args, REQUEST_SECONDS)
        return render_template("localpool/idp.html", provider=provider, request_id=request_id)

    @bp.post("/_localpool/oauth2/authorize")
    def choose():
        """The person continued as an identity, or cancelled, on the simulated provider's page."""
        params = _take(pool, "authorize", request.form.get("request_id", ""))
        if params is None:
            return render_template("localpool/idp_error.html"), 400
        provider = params["identity_provider"]
        if request.form.get("action") == "cancel":
            return _back(params, error="access_denied", error_description="The person cancelled")
        email = request.form.get("email", "").strip()
        if "@" not in email:
            return render_template(
                "localpool/idp.html",
                provider=provider,
                request_id=_put(pool, "authorize", params, REQUEST_SECONDS),
                problem=True,
            ), 400
        claims = {
            "sub": federation.subject_for(provider, email),
            "email": email,
            "email_verified": "true",
            "name": request.form.get("name", "").strip() or email,
        }
        response = _finish(params, provider, claims)
        response.set_cookie(
            REMEMBER_COOKIE.format(provider),
            remember.dumps(claims),
            httponly=True,
            samesite="Lax",
            path="/_localpool/",
        )
        return response

    def _finish(params: dict[str, Any], provider: str, claims: dict[str, str]) -> Response:
        """Sign the identity in to the pool and send a code (or Cognito's linking error) back."""
        client = pool.clients[params["client_id"]]
        try:
            with pool.db.transaction() as conn:
                user = federation.sign_in(pool, conn, provider, claims, client)
        except federation.AlreadyFoundEntry as exc:
            return _back(params, error_description=exc.message + " ", error="invalid_request")
        except PoolError as exc:
            if exc.code == "UserLambdaValidationException":
                # Cognito's domain hands a trigger's error back: "PreSignUp failed with error …"
                return _back(params, error_description=exc.message + " ", error="invalid_request")
            return _back(params, error="server_error", error_description=exc.code)
        code = _put(
            pool,
            "code",
            {
                "client_id": client.id,
                "redirect_uri": params["redirect_uri"],
                "sub": user["sub"],
                "scope": params.get("scope") or " ".join(client.allowed_oauth_scopes),
                "nonce": params.get("nonce"),
                "code_challenge": params.get("code_challenge"),
            },
            CODE_SECONDS,
        )
        return _back(params, code=code)

    @bp.post("/_localpool/oauth2/token")
    def token():
        """authorization_code (with PKCE), refresh_token and client_credentials, as the pool's
        domain answers them."""
        client = _client_auth(pool)
        if client is None:
            return jsonify(error="invalid_client"), 401
        grant = request.form.get("grant_type")
        if grant == "authorization_code":
            record = _take(pool, "code", request.form.get("code", ""))
            if (
                record is None
                or record["client_id"] != client.id
                or record["redirect_uri"] != request.form.get("redirect_uri")
            ):
                return jsonify(error="invalid_grant"), 400
            if record["code_challenge"]:
                verifier = request.form.get("code_verifier", "")
                if not verifier or not hmac.compare_digest(
                    create_s256_code_challenge(verifier), record["code_challenge"]
                ):
                    return jsonify(error="invalid_grant"), 400
            scopes = [s for s in record["scope"].split() if s in client.allowed_oauth_scopes]
            with pool.db.transaction() as conn:
                user = pool.user_by_sub(conn, record["sub"])
                if user is None:
                    return jsonify(error="invalid_grant"), 400
                result = pool.issue_tokens(
                    conn,
                    user,
                    client,
                    "TokenGeneration_HostedAuth",
                    scopes=scopes,
                    id_extra={"nonce": record["nonce"]} if record["nonce"] else None,
                )
        elif grant == "client_credentials":
            return _client_credentials(pool, client)
        elif grant == "refresh_token":
            try:
                with pool.db.transaction() as conn:
                    user, found = pool.refresh_owner(
                        conn, request.form.get("refresh_token", ""), client
                    )
                    result = pool.reissue(conn, user, client, found)
            except PoolError:
                return jsonify(error="invalid_grant"), 400
        else:
            return jsonify(error="unsupported_grant_type"), 400
        body = {
            "id_token": result["IdToken"],
            "access_token": result["AccessToken"],
            "token_type": "Bearer",
            "expires_in": result["ExpiresIn"],
        }
        if result.get("RefreshToken"):
            body["refresh_token"] = result["RefreshToken"]
        return jsonify(body)

    @bp.route("/_localpool/oauth2/userInfo", methods=["GET", "POST"])
    def userinfo():
        """The user's attributes for a Bearer access token holding ``openid``: those its app
        client may read (ReadAttributes) that its scopes name (``user_info``), as Cognito
        answers."""
        scheme, _, access = request.headers.get("Authorization", "").partition(" ")
        try:
            pool.admit("UserRead")  # the quota GetUser shares
        except PoolError:
            return jsonify(error="slow_down"), 429
        try:
            with pool.db.transaction() as conn:
                user = pool.authenticate_access(
                    conn, access if scheme.lower() == "bearer" else "", (user_info.REQUIRED_SCOPE,)
                )
            attributes = readable(token_client(pool, user["client_id"]), user["attributes"])
        except PoolError:
            return jsonify(error="invalid_token"), 401
        return jsonify(
            {**user_info.claims_for(attributes, user["scopes"]), "username": user["username"]}
        )

    @bp.post("/_localpool/oauth2/revoke")
    def revoke():
        """Revoke a refresh token of the authenticated client."""
        client = _client_auth(pool)
        if client is None:
            return jsonify(error="invalid_client"), 401
        with pool.db.transaction() as conn:
            found = pool.refresh_record(conn, request.form.get("token", ""))
            if found is not None and found["client_id"] == client.id:
                pool.revoke_origin(conn, found["origin_jti"])
        return "", 200

    @bp.get("/_localpool/<pool_id>/.well-known/openid-configuration")
    def discovery(pool_id: str):
        """The issuer's discovery document, where Cognito serves it."""
        if pool_id != pool.id:
            abort(404)
        base = pool.issuer.rsplit("/", 1)[0]
        return jsonify(
            {
                "issuer": pool.issuer,
                "jwks_uri": f"{pool.issuer}/.well-known/jwks.json",
                "authorization_endpoint": f"{base}/oauth2/authorize",
                "token_endpoint": f"{base}/oauth2/token",
                "userinfo_endpoint": f"{base}/oauth2/userInfo",
                "revocation_endpoint": f"{base}/oauth2/revoke",
                "response_types_supported": ["code"],
                "scopes_supported": ["openid", "email", "phone", "profile", ADMIN_SCOPE],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
            }
        )

    return bp
