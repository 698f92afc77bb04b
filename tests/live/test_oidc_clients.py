"""The README's settings for strict OIDC client libraries, against a live Gatehouse.

Gatehouse's discovery document names the user pool as ``issuer`` (the tokens are the pool's), not
the URL it is served at, and the pool's ID token carries no ``nonce``. Each test below uses
exactly the snippet the README shows for its library, and fails without it.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from .person import Person

EMAIL, PASSWORD = "demo@example.com", "Demo-passw0rd"  # the seeded demo user


def sign_in_at(server, authorization_url: str) -> str:
    """A person opens the app's authorization URL and signs in; returns the callback URL."""
    person = Person(server.url)
    assert "Sign in" in person.open(authorization_url).text
    response = person.submit("/login", email=EMAIL, password=PASSWORD)
    assert response.status_code == 303
    callback = response.headers["Location"]
    assert callback.startswith(f"{server.url}/demo/callback?")
    return callback


def authlib_app(gatehouse: str, with_claims_class: bool = True):
    """A Flask app that signs in with Authlib's client, configured as the README says (or,
    without the claims class, as Authlib's defaults would have it)."""
    from authlib.integrations.flask_client import OAuth
    from authlib.oidc.core import CodeIDToken
    from flask import Flask, redirect, session

    rp = Flask(__name__)
    rp.secret_key = "test-only"
    rp.testing = True  # an error in the callback reaches the test
    # --- the README's Authlib snippet -------------------------------------------------------
    oauth = OAuth(rp)
    oauth.register(
        "gatehouse",
        client_id="demo",
        server_metadata_url=f"{gatehouse}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
    )

    class PoolIDToken(CodeIDToken):
        """The pool's ID token has no nonce: PKCE and state bind the code to this browser."""

        def validate_nonce(self):
            """Nothing to compare: the nonce stays with Gatehouse's authorization code."""

    # token = oauth.gatehouse.authorize_access_token(claims_cls=PoolIDToken)
    # ------------------------------------------------------------------------------------------

    @rp.get("/login")
    def login():
        return oauth.gatehouse.authorize_redirect(f"{gatehouse}/demo/callback")

    @rp.get("/demo/callback")
    def callback():
        options = {"claims_cls": PoolIDToken} if with_claims_class else {}
        token = oauth.gatehouse.authorize_access_token(**options)
        session["claims"] = dict(token["userinfo"])
        return redirect("/")

    @rp.get("/")
    def claims():
        return session.get("claims", {})

    return rp


def test_authlib_refuses_the_pools_id_token_by_default(front_door):
    from joserfc.errors import MissingClaimError

    rp = authlib_app(front_door.url, with_claims_class=False).test_client()
    callback = urlsplit(sign_in_at(front_door, rp.get("/login").location))
    with pytest.raises(MissingClaimError, match="nonce"):
        rp.get(f"/demo/callback?{callback.query}")


def test_authlib_with_server_metadata_url(front_door):
    rp = authlib_app(front_door.url).test_client()
    start = rp.get("/login")
    assert start.status_code == 302
    callback = urlsplit(sign_in_at(front_door, start.location))
    assert rp.get(f"/demo/callback?{callback.query}").status_code == 302
    claims = rp.get("/").json
    assert claims["email"] == EMAIL and claims["aud"] == "demo"
    assert claims["iss"] == f"{front_door.url}/_localpool/us-east-1_gatehouse"


def pyoidc_client(gatehouse: str):
    """pyoidc's client, configured as the README says."""
    from oic.oic import Client
    from oic.oic.message import ProviderConfigurationResponse, RegistrationResponse
    from oic.utils.authn.client import CLIENT_AUTHN_METHOD

    # --- the README's pyoidc snippet --------------------------------------------------------
    client = Client(client_authn_method=CLIENT_AUTHN_METHOD)
    # provider_config() insists that the document lives under its issuer; hand it the document.
    document = requests.get(f"{gatehouse}/.well-known/openid-configuration", timeout=10).json()
    client.handle_provider_config(ProviderConfigurationResponse(**document), document["issuer"])
    client.store_registration_info(
        RegistrationResponse(client_id="demo", redirect_uris=[f"{gatehouse}/demo/callback"])
    )
    # ------------------------------------------------------------------------------------------
    return client


def test_pyoidc_with_the_documents_issuer(front_door):
    from oic import rndstr
    from oic.oic import Client
    from oic.oic.message import AuthorizationResponse
    from oic.utils.authn.client import CLIENT_AUTHN_METHOD

    # Without the snippet, pyoidc refuses Gatehouse's document outright.
    with pytest.raises(Exception, match="issuer mismatch"):
        Client(client_authn_method=CLIENT_AUTHN_METHOD).provider_config(front_door.url)

    client = pyoidc_client(front_door.url)
    state = rndstr(32)
    pkce, verifier = client.add_code_challenge()
    request = client.construct_AuthorizationRequest(
        request_args={
            "response_type": "code",
            "scope": ["openid", "email"],
            "state": state,
            "redirect_uri": f"{front_door.url}/demo/callback",
            **pkce,
        }
    )
    url = request.request(client.authorization_endpoint)
    callback = sign_in_at(front_door, url)
    answer = client.parse_response(
        AuthorizationResponse, info=urlsplit(callback).query, sformat="urlencoded"
    )
    assert answer["state"] == state
    token = client.do_access_token_request(
        state=state,
        request_args={
            "code": answer["code"],
            "redirect_uri": f"{front_door.url}/demo/callback",
            "client_id": "demo",
            "code_verifier": verifier,
        },
        authn_method="",
    )
    id_token = token["id_token"]  # verified by pyoidc: signature (the pool's keys), iss, aud
    assert id_token["email"] == EMAIL and id_token["aud"] == ["demo"]
    assert parse_qs(urlsplit(callback).query)["state"] == [state]
