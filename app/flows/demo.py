"""``/demo`` (local mode only): a tiny relying party that signs in through Gatehouse's OAuth2
endpoints with Authlib's client (PKCE), verifies the ID token against the JWKS named by the
discovery document, and shows its claims."""

from __future__ import annotations

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

bp = Blueprint("demo", __name__)
CLIENTS = ("demo", "northwind")
DEMO_KEY = "demo_rp"


def _base() -> str:
    return current_app.extensions["gatehouse.settings"].base_url.rstrip("/")


def _discovery() -> dict:
    """The discovery document, fetched over HTTP as any relying party would."""
    return requests.get(f"{_base()}/.well-known/openid-configuration", timeout=5).json()


@bp.get("/demo")
def index():
    """Sign-in buttons, or the claims of the last sign-in."""
    return render_template(
        "demo/index.html", clients=CLIENTS, result=session.get(DEMO_KEY + "_claims")
    )


@bp.get("/demo/login")
def login():
    """Start the authorization code flow with PKCE for one of the demo app clients."""
    client_id = request.args.get("client", "demo")
    if client_id not in CLIENTS:
        abort(404)
    verifier = generate_token(64)
    oauth = OAuth2Session(
        client_id,
        redirect_uri=f"{_base()}/demo/callback",
        scope="openid email profile",
        code_challenge_method="S256",
    )
    url, state = oauth.create_authorization_url(
        _discovery()["authorization_endpoint"], code_verifier=verifier
    )
    session[DEMO_KEY] = {
        "client_id": client_id,
        "state": state,
        "verifier": verifier,
        "challenge": create_s256_code_challenge(verifier),
    }
    return redirect(url, 303)


@bp.get("/demo/callback")
def callback():
    """Exchange the code, verify the ID token against the pool's JWKS, and show its claims."""
    started = session.pop(DEMO_KEY, None)
    if not started or request.args.get("state") != started["state"] or "code" not in request.args:
        return render_template("demo/index.html", clients=CLIENTS, failed=True), 400
    config = _discovery()
    oauth = OAuth2Session(started["client_id"], redirect_uri=f"{_base()}/demo/callback")
    tokens = oauth.fetch_token(
        config["token_endpoint"], code=request.args["code"], code_verifier=started["verifier"]
    )
    keys = KeySet.import_key_set(requests.get(config["jwks_uri"], timeout=5).json())
    try:
        claims = jwt.decode(tokens["id_token"], keys, algorithms=["RS256"]).claims
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": config["issuer"]},
            aud={"essential": True, "value": started["client_id"]},
            token_use={"essential": True, "value": "id"},
            exp={"essential": True},
        ).validate(claims)
    except JoseError:
        return render_template("demo/index.html", clients=CLIENTS, failed=True), 400
    session[DEMO_KEY + "_claims"] = {"client_id": started["client_id"], "claims": claims}
    return redirect(url_for("demo.index"), 303)
