"""An app client's side of the OAuth2 flow, for the flow tests: authorize, sign in, exchange."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from .conftest import Browser

CALLBACK = "http://localhost:8000/demo/callback"


def authorize_url(client_id: str = "demo", verifier: str = "", **extra: str) -> str:
    """An authorization request for a seeded app client (PKCE S256 when a verifier is given)."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": CALLBACK,
        "state": "app-state",
        "scope": "openid email",
    }
    if verifier:
        params["code_challenge"] = create_s256_code_challenge(verifier)
        params["code_challenge_method"] = "S256"
    params.update(extra)
    return "/oauth2/authorize?" + urlencode(params)


def signed_in_callback(browser: Browser, client_id: str = "demo", **extra: str) -> tuple[str, str]:
    """Authorize, sign up and sign in; returns (the callback URL, the PKCE verifier)."""
    verifier = generate_token(64)
    email = browser.account()
    response = browser.get(authorize_url(client_id, verifier, **extra))
    assert response.status_code == 303
    response = browser.sign_in(email)
    assert response.status_code == 303 and response.location.startswith(CALLBACK)
    return response.location, verifier


def code_of(callback: str) -> str:
    """The code in a callback URL."""
    return parse_qs(urlsplit(callback).query)["code"][0]


def exchange(http, code: str, verifier: str, client_id: str = "demo", **extra: str):
    """POST the code to Gatehouse's token endpoint; returns the response."""
    return http.post(
        "/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "client_id": client_id,
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
            **extra,
        },
    )


def tokens_for(browser: Browser, client_id: str = "demo", **extra: str) -> dict:
    """Sign in to an app client through the code flow; returns the token response."""
    callback, verifier = signed_in_callback(browser, client_id, **extra)
    response = exchange(browser.http, code_of(callback), verifier, client_id)
    assert response.status_code == 200, response.json
    return response.json


def refresh(http, refresh_token: str, client_id: str = "demo"):
    """POST a refresh_token grant to Gatehouse's token endpoint; returns the response."""
    return http.post(
        "/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": client_id,
            "refresh_token": refresh_token,
        },
    )
