"""``/demo`` (local mode only): a tiny relying party that signs in through Gatehouse's OAuth2
endpoints with Authlib's client (PKCE), verifies the ID token against the JWKS named by the
discovery document, and shows its claims.

It talks to Gatehouse over HTTP, as a separate app would, but its requests are answered by
Gatehouse in this process (the in-process adapter mounted on the base URL): a server calling
itself over the network would need its own name to resolve, its certificate to be trusted and
a free worker, none of which a local run over HTTPS with a throwaway certificate promises.
"""

from __future__ import annotations

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ..localpool.inprocess import InProcessAdapter
from ..web.signing import serializer

bp = Blueprint("demo", __name__)
CLIENTS = ("demo", "northwind")
# The demo is a separate app: it keeps its state in its own cookie, not in Gatehouse's session
# (which a sign-in replaces).
COOKIE = "demo_rp"
STATE_SECONDS = 600


def _serializer() -> URLSafeTimedSerializer:
    """Signs the demo's cookie."""
    return serializer(current_app.secret_key, "gatehouse.demo-rp")


def _load(max_age: int | None = None) -> dict:
    """The demo's own cookie, if present and untampered."""
    try:
        return _serializer().loads(request.cookies.get(COOKIE, ""), max_age=max_age)
    except BadSignature:
        return {}


def _with_cookie(response, data: dict):
    """Set the demo's cookie (HttpOnly, Lax, only under /demo)."""
    response.set_cookie(
        COOKIE,
        _serializer().dumps(data),
        httponly=True,
        samesite="Lax",
        path="/demo",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def _base() -> str:
    """Where Gatehouse is (the demo talks to it over HTTP, as a separate app would)."""
    return current_app.extensions["gatehouse.settings"].base_url.rstrip("/")


def _http(session: requests.Session) -> requests.Session:
    """A session whose requests to Gatehouse are answered in this process."""
    session.mount(f"{_base()}/", InProcessAdapter(current_app._get_current_object()))
    return session


def _discovery() -> dict:
    """The discovery document, fetched over HTTP as any relying party would."""
    return _http(requests.Session()).get(f"{_base()}/.well-known/openid-configuration").json()


@bp.get("/demo")
def index():
    """Sign-in buttons, or the claims of the last sign-in."""
    return render_template("demo/index.html", clients=CLIENTS, result=_load().get("result"))


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
    started = {"client_id": client_id, "state": state, "verifier": verifier}
    return _with_cookie(redirect(url, 303), {"started": started})


@bp.get("/demo/callback")
def callback():
    """Exchange the code, verify the ID token against the pool's JWKS, and show its claims."""
    started = _load(STATE_SECONDS).get("started")
    if not started or request.args.get("state") != started["state"] or "code" not in request.args:
        return render_template("demo/index.html", clients=CLIENTS, failed=True), 400
    config = _discovery()
    oauth = _http(OAuth2Session(started["client_id"], redirect_uri=f"{_base()}/demo/callback"))
    try:
        tokens = oauth.fetch_token(
            config["token_endpoint"], code=request.args["code"], code_verifier=started["verifier"]
        )
    except OAuthError:  # a wrong, expired or already used code
        return render_template("demo/index.html", clients=CLIENTS, failed=True), 400
    keys = KeySet.import_key_set(oauth.get(config["jwks_uri"]).json())
    try:
        claims = jwt.decode(tokens.get("id_token", ""), keys, algorithms=["RS256"]).claims
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": config["issuer"]},
            aud={"essential": True, "value": started["client_id"]},
            token_use={"essential": True, "value": "id"},
            exp={"essential": True},
        ).validate(claims)
    except JoseError:
        return render_template("demo/index.html", clients=CLIENTS, failed=True), 400
    result = {"client_id": started["client_id"], "claims": claims}
    return _with_cookie(redirect(url_for("demo.index"), 303), {"result": result})
