"""A simulated Sign in with Apple (local mode): authorize, token and revoke, as the deletion flow
uses them. The client secret must be an ES256 JWT signed with the configured Apple key."""

from __future__ import annotations

import json
import secrets

from authlib.common.urls import add_params_to_uri
from flask import Blueprint, jsonify, redirect, render_template, request
from joserfc import jwt
from joserfc.errors import JoseError

from ..apple import AUDIENCE
from .domain import _put, _take
from .federation import subject_for

PROVIDER = "SignInWithApple"


def blueprint(pool, apple_settings) -> Blueprint:
    """Apple's three endpoints, under ``/_localpool/apple/auth/``."""
    bp = Blueprint("localpool_apple", __name__)
    key = apple_settings.key()

    def client_ok() -> bool:
        """The client id is the services id, and the client secret a valid ES256 JWT for it."""
        if request.form.get("client_id") != apple_settings.services_id:
            return False
        try:
            decoded = jwt.decode(request.form.get("client_secret", ""), key, algorithms=["ES256"])
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": apple_settings.team_id},
                sub={"essential": True, "value": apple_settings.services_id},
                aud={"essential": True, "value": AUDIENCE},
                exp={"essential": True},
            ).validate(decoded.claims)
        except (JoseError, ValueError):
            return False
        return decoded.header.get("kid") == apple_settings.key_id

    @bp.get("/_localpool/apple/auth/authorize")
    def authorize():
        """The simulated Apple page: confirm as an Apple ID (by its email)."""
        args = request.args.to_dict()
        if args.get("client_id") != apple_settings.services_id or not args.get("redirect_uri"):
            return render_template("localpool/idp_error.html"), 400
        request_id = _put(pool, "apple_authorize", args, 900)
        return render_template(
            "localpool/idp.html",
            provider="Apple",
            request_id=request_id,
            action="/_localpool/apple/auth/authorize",
        )

    @bp.post("/_localpool/apple/auth/authorize")
    def choose():
        """Issue a code for the Apple ID typed (its subject, as the simulated Apple has it)."""
        params = _take(pool, "apple_authorize", request.form.get("request_id", ""))
        if params is None:
            return render_template("localpool/idp_error.html"), 400
        if request.form.get("action") == "cancel":
            return redirect(
                add_params_to_uri(
                    params["redirect_uri"],
                    [("error", "user_cancelled_authorize"), ("state", params.get("state", ""))],
                ),
                302,
            )
        subject = subject_for(PROVIDER, request.form.get("email", "").strip())
        code = _put(
            pool, "apple_code", {"sub": subject, "redirect_uri": params["redirect_uri"]}, 300
        )
        return redirect(
            add_params_to_uri(
                params["redirect_uri"], [("code", code), ("state", params.get("state", ""))]
            ),
            302,
        )

    @bp.post("/_localpool/apple/auth/token")
    def token():
        """authorization_code -> Apple's refresh token and an ID token naming the subject."""
        if not client_ok():
            return jsonify(error="invalid_client"), 400
        record = _take(pool, "apple_code", request.form.get("code", ""))
        if record is None or record["redirect_uri"] != request.form.get("redirect_uri"):
            return jsonify(error="invalid_grant"), 400
        refresh = "apple-rt-" + secrets.token_urlsafe(32)
        _put(pool, "apple_refresh", {"token": refresh, "sub": record["sub"]}, 86400 * 180)
        id_token = jwt.encode(
            {"alg": "ES256"},
            {"sub": record["sub"], "iss": AUDIENCE, "aud": apple_settings.services_id},
            key,
            algorithms=["ES256"],
        )
        return jsonify(
            refresh_token=refresh, id_token=id_token, token_type="Bearer", expires_in=3600
        )

    @bp.post("/_localpool/apple/auth/revoke")
    def revoke():
        """Revoke a refresh token; ``pool.apple_revoke_fails`` simulates Apple being down."""
        if getattr(pool, "apple_revoke_fails", False):
            return jsonify(error="server_error"), 503
        if not client_ok():
            return jsonify(error="invalid_client"), 400
        with pool.db.transaction() as conn:
            for row in conn.execute(
                "SELECT id, data FROM domain_records WHERE kind = 'apple_refresh'"
            ):
                if json.loads(row["data"])["token"] == request.form.get("token"):
                    conn.execute("DELETE FROM domain_records WHERE id = ?", (row["id"],))
        return "", 200

    return bp
