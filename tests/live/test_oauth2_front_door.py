"""Acceptance: Authlib's OAuth2 client (PKCE) against a live Gatehouse, a person signing up."""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from app.mail.outbox import Outbox

from .person import Person

PASSWORD = "Corr3ct-horse"


@pytest.fixture(scope="module")
def discovery(front_door):
    return requests.get(f"{front_door.url}/.well-known/openid-configuration", timeout=5).json()


def start_flow(front_door, discovery):
    """The app's side: an authorization URL with PKCE; returns (client, url, verifier)."""
    client = OAuth2Session(
        "demo",
        redirect_uri=f"{front_door.url}/demo/callback",
        scope="openid email profile",
        code_challenge_method="S256",
    )
    verifier = generate_token(64)
    url, _ = client.create_authorization_url(
        discovery["authorization_endpoint"], code_verifier=verifier
    )
    return client, url, verifier


def sign_up_and_confirm(front_door, person: Person, email: str) -> None:
    """Sign up, open the link from the email, press the button."""
    person.open("/signup")
    response = person.submit("/signup", email=email, password=PASSWORD)
    assert response.status_code == 303
    mail = Outbox(front_door.data_dir / "outbox").messages(email)[-1]
    link = re.search(r"\((http[^)]+/confirm\?[^)]+)\)", mail.text).group(1)
    page = person.open(link)
    assert "Confirm my email" in page.text
    response = person.submit(
        "/confirm", email=email, code=parse_qs(urlsplit(link).query)["code"][0]
    )
    assert response.status_code == 303


def sign_in(person: Person, email: str):
    """Submit the sign-in form; returns the redirect to the app."""
    person.open("/login")
    response = person.submit("/login", email=email, password=PASSWORD)
    assert response.status_code == 303
    return response.headers["Location"]


def test_sign_up_sign_in_and_exchange_the_code(front_door, discovery):
    email = f"oauth-{uuid.uuid4().hex[:8]}@example.com"
    client, url, verifier = start_flow(front_door, discovery)
    person = Person(front_door.url)
    assert "Sign in" in person.open(url).text
    sign_up_and_confirm(front_door, person, email)
    callback = sign_in(person, email)
    assert callback.startswith(f"{front_door.url}/demo/callback?")
    token = client.fetch_token(
        discovery["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    keys = KeySet.import_key_set(requests.get(discovery["jwks_uri"], timeout=5).json())
    claims = jwt.decode(token["id_token"], keys, algorithms=["RS256"]).claims
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": discovery["issuer"]},
        aud={"essential": True, "value": "demo"},
        token_use={"essential": True, "value": "id"},
        exp={"essential": True},
    ).validate(claims)
    assert claims["email"] == email
    info = requests.get(
        discovery["userinfo_endpoint"],
        timeout=5,
        headers={"Authorization": f"Bearer {token['access_token']}"},
    ).json()
    assert info["email"] == email and info["sub"] == claims["sub"]
    # The same code cannot be used twice.
    again = OAuth2Session("demo", redirect_uri=f"{front_door.url}/demo/callback")
    with pytest.raises(OAuthError) as exc:
        again.fetch_token(
            discovery["token_endpoint"], authorization_response=callback, code_verifier=verifier
        )
    assert exc.value.error == "invalid_grant"
    # The refresh token works through Gatehouse, and revocation ends it.
    refreshed = client.refresh_token(
        discovery["token_endpoint"], refresh_token=token["refresh_token"]
    )
    assert refreshed["access_token"] and refreshed["id_token"]
    revoked = requests.post(
        discovery["revocation_endpoint"],
        timeout=5,
        data={"token": token["refresh_token"], "client_id": "demo"},
    )
    assert revoked.status_code == 200
    with pytest.raises(OAuthError) as exc:
        client.refresh_token(discovery["token_endpoint"], refresh_token=token["refresh_token"])
    assert exc.value.error == "invalid_grant"


def test_a_wrong_verifier_fails(front_door, discovery):
    email = f"oauth-{uuid.uuid4().hex[:8]}@example.com"
    person = Person(front_door.url)
    client, url, verifier = start_flow(front_door, discovery)
    person.open(url)
    sign_up_and_confirm(front_door, person, email)
    callback = sign_in(person, email)
    with pytest.raises(OAuthError) as exc:
        client.fetch_token(
            discovery["token_endpoint"],
            authorization_response=callback,
            code_verifier=generate_token(64),
        )
    assert exc.value.error == "invalid_grant"


def test_discovery_is_honest_about_the_issuer(front_door, discovery):
    assert discovery["issuer"] == f"{front_door.url}/_localpool/us-east-1_gatehouse"
    assert discovery["jwks_uri"] == discovery["issuer"] + "/.well-known/jwks.json"
    assert discovery["authorization_endpoint"] == f"{front_door.url}/oauth2/authorize"
    assert requests.get(discovery["jwks_uri"], timeout=5).json()["keys"]
