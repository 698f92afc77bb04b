"""Social sign-in live, through the simulated providers of the local pool's OAuth2 domain."""

from __future__ import annotations

import re
import uuid

import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from .conftest import local_idp
from .person import Person
from .test_oauth2_front_door import sign_up_and_confirm, start_flow


def google(front_door, person: Person, start_url: str, email: str):
    """From an authorization URL, press Google, continue as ``email``; returns the app redirect."""
    person.open(start_url)
    response = person.get("/social/Google")
    page = person.get(response.headers["Location"])
    assert "(simulated)" in page.text
    request_id = re.search(r'name="request_id" value="([^"]+)"', page.text).group(1)
    response = person.submit(
        "/_localpool/oauth2/authorize",
        request_id=request_id,
        email=email,
        name="Live Person",
        action="continue",
    )
    while (
        response.status_code in (302, 303)
        and person.stays(response.headers["Location"])
        and "/demo/callback" not in response.headers["Location"]
    ):
        response = person.get(response.headers["Location"])
    return response.headers["Location"]


def flow(front_door):
    """The demo app's side: discovery, an Authlib client, the authorization URL and verifier."""
    discovery = requests.get(f"{front_door.url}/.well-known/openid-configuration", timeout=5).json()
    client, url, verifier = start_flow(front_door, discovery)
    return discovery, client, url, verifier


def test_new_person_with_google_gets_identities(front_door):
    discovery, client, url, verifier = flow(front_door)
    email = f"google-{uuid.uuid4().hex[:8]}@example.com"
    callback = google(front_door, Person(front_door.url), url, email)
    token = client.fetch_token(
        discovery["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    keys = KeySet.import_key_set(requests.get(discovery["jwks_uri"], timeout=5).json())
    claims = jwt.decode(token["id_token"], keys).claims
    assert claims["email"] == email and claims["identities"][0]["providerName"] == "Google"


def test_password_then_google_is_one_user(front_door):

    email = f"both-{uuid.uuid4().hex[:8]}@example.com"
    sign_up_and_confirm(front_door, Person(front_door.url), email)
    discovery, client, url, verifier = flow(front_door)
    callback = google(front_door, Person(front_door.url), url, email)
    assert "code=" in callback
    idp = local_idp(front_door)
    users = idp.list_users(UserPoolId="us-east-1_gatehouse", Filter=f'email = "{email}"')["Users"]
    assert len(users) == 1
