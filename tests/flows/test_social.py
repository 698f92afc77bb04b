"""Social sign-in through the local pool's simulated providers: linking, state checks, failures."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet

from app.messages import text

from .conftest import PASSWORD, Browser

CALLBACK = "http://localhost:8000/demo/callback"


def provider_page(browser: Browser, provider: str = "Google"):
    """Press the provider's button; returns the simulated provider's page."""
    response = browser.get(f"/social/{provider}")
    assert response.status_code == 303
    page = browser.get(response.location)
    assert "(simulated)" in page.get_data(as_text=True)
    return page


def continue_as(browser: Browser, email: str, provider: str = "Google") -> str:
    """Sign in at the simulated provider; returns Gatehouse's callback URL (not yet opened)."""
    page = provider_page(browser, provider)
    return at_provider(browser, page.get_data(as_text=True), email).location


def at_provider(browser: Browser, page: str, email: str):
    """On the simulated provider's page (its HTML), continue as ``email``; returns the
    provider's redirect back to Gatehouse (not yet followed)."""
    request_id = re.search(r'name="request_id" value="([^"]+)"', page).group(1)
    response = browser.submit(
        "/_localpool/oauth2/authorize",
        request_id=request_id,
        email=email,
        name="Person",
        action="continue",
    )
    assert response.status_code == 302
    return response


def authorize(browser: Browser, client_id: str = "demo") -> str:
    """Start an app's authorization request; returns the PKCE verifier."""
    verifier = generate_token(64)
    browser.get(
        "/oauth2/authorize?"
        + urlencode(
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": CALLBACK,
                "state": "app-state",
                "scope": "openid email profile",
                "code_challenge": create_s256_code_challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
    )
    return verifier


def exchange(browser: Browser, callback: str, verifier: str) -> dict:
    """The app's side: exchange the code in the callback URL at Gatehouse's token endpoint."""
    code = parse_qs(urlsplit(callback).query)["code"][0]
    return browser.http.post(
        "/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "client_id": "demo",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },
    ).json


def claims_of(app, id_token: str) -> dict:
    keys = KeySet.import_key_set(app.extensions["gatehouse.localpool"].signer.jwks())
    return jwt.decode(id_token, keys).claims


def test_buttons_follow_the_app_clients_providers(app, outbox):
    demo, north = Browser(app, outbox), Browser(app, outbox)
    authorize(demo, "demo")
    authorize(north, "northwind")
    demo_page = demo.open("/login").get_data(as_text=True)
    north_page = north.open("/login").get_data(as_text=True)
    for label in ("Google", "Facebook", "Apple", "Amazon", "CorpOIDC"):
        assert f"Continue with {label}" in demo_page
    assert "Continue with Google" in north_page and "Continue with Apple" in north_page
    assert "Continue with Facebook" not in north_page
    assert Browser(app, outbox).get("/social/Facebook").status_code == 303  # gatehouse client: all
    north.open("/login")
    assert north.get("/social/Facebook").status_code == 404


def test_a_new_person_signs_in_with_google_and_the_app_gets_identities(app, outbox):
    browser = Browser(app, outbox)
    verifier = authorize(browser)
    callback = continue_as(browser, "new.google@example.com")
    response = browser.get(callback)
    assert response.status_code == 303 and response.location.startswith(CALLBACK + "?code=")
    token = exchange(browser, response.location, verifier)
    claims = claims_of(app, token["id_token"])
    assert claims["aud"] == "demo" and claims["email"] == "new.google@example.com"
    assert claims["identities"][0]["providerName"] == "Google"
    assert claims["cognito:username"].startswith("Google_")


def test_password_user_then_google_is_one_user(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account("both@example.com")
    fresh = Browser(app, outbox)
    verifier = authorize(fresh)
    # The first sign-in after linking fails once at the pool; Gatehouse retries it unseen.
    response = fresh.get(continue_as(fresh, "Both@Example.com"))
    hops = []
    while response.status_code in (302, 303) and not response.location.startswith(CALLBACK):
        hops.append(response.location)
        response = fresh.get(response.location)
    assert "/social/Google?retry=1" in hops  # the pool's "Already found an entry" was retried
    assert response.location.startswith(CALLBACK + "?code=")
    idp = app.extensions["gatehouse.userpool"].client
    users = idp.list_users(UserPoolId="us-east-1_gatehouse", Filter=f'email = "{email}"')["Users"]
    assert len(users) == 1 and users[0]["UserStatus"] == "CONFIRMED"
    token = exchange(fresh, response.location, verifier)
    claims = claims_of(app, token["id_token"])
    assert (
        claims["sub"] == users[0]["Username"]
        and claims["identities"][0]["providerName"] == "Google"
    )
    assert browser.sign_in(email, PASSWORD).location == "/account"  # the password still works


def _signed_in(browser: Browser) -> bool:
    return browser.get("/account").status_code == 200


@pytest.mark.parametrize("attack", ["modified", "replayed", "expired", "missing", "other_browser"])
def test_state_table(app, outbox, clock, attack):
    browser = Browser(app, outbox)
    callback = continue_as(browser, "state@example.com")
    parts = urlsplit(callback)
    query = parse_qs(parts.query)
    victim = browser
    if attack == "modified":
        state = query["state"][0]
        query["state"] = [state[:-2] + ("AA" if not state.endswith("AA") else "BB")]
    elif attack == "replayed":
        assert browser.get(callback).status_code == 303  # the real one signs in
        browser.http.delete_cookie("session")
        victim = browser
    elif attack == "expired":
        clock.advance(601)
    elif attack == "missing":
        del query["state"]
    else:
        victim = Browser(app, outbox)
    target = f"{parts.path}?{urlencode({k: v[0] for k, v in query.items()})}"
    response = victim.get(target)
    assert response.status_code == 400
    assert text("social_state").replace("'", "&#39;") in response.get_data(as_text=True)
    assert "Location" not in response.headers
    assert not _signed_in(victim)


def test_cancelling_at_the_provider(app, outbox):
    browser = Browser(app, outbox)
    page = provider_page(browser)
    request_id = re.search(r'name="request_id" value="([^"]+)"', page.get_data(as_text=True)).group(
        1
    )
    back = browser.submit("/_localpool/oauth2/authorize", request_id=request_id, action="cancel")
    assert "error=access_denied" in back.location
    response = browser.get(back.location)
    assert response.status_code == 400
    assert text("social_cancelled").replace("'", "&#39;") in response.get_data(as_text=True)
    assert not _signed_in(browser)


def test_a_provider_failure_is_one_clear_page(app, outbox):
    browser = Browser(app, outbox)
    callback = continue_as(browser, "fail@example.com")
    parts = urlsplit(callback)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["code"] = "not-a-code"
    response = browser.get(f"{parts.path}?{urlencode(query)}")
    assert response.status_code == 502
    assert text("social_failed").replace("'", "&#39;") in response.get_data(as_text=True)
    assert not _signed_in(browser)


def test_the_pool_domain_refuses_an_unregistered_redirect_uri(client):
    response = client.get(
        "/_localpool/oauth2/authorize?"
        + urlencode(
            {
                "response_type": "code",
                "client_id": "demo",
                "identity_provider": "Google",
                "redirect_uri": "https://evil.example.com/cb",
                "state": "s",
            }
        )
    )
    assert response.status_code == 400 and "Location" not in response.headers


def test_identity_provider_on_authorize_goes_straight_to_the_provider(app, outbox):
    browser = Browser(app, outbox)
    verifier = generate_token(64)
    response = browser.get(
        "/oauth2/authorize?"
        + urlencode(
            {
                "response_type": "code",
                "client_id": "demo",
                "redirect_uri": CALLBACK,
                "state": "s",
                "identity_provider": "Google",
                "code_challenge": create_s256_code_challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
    )
    assert response.location == "/social/Google"


def test_disposable_addresses_are_refused_with_a_clear_message(browser):
    browser.open("/signup")
    browser.submit("/signup", email="someone@mailinator.com", password=PASSWORD)
    assert text("disposable_email").replace("'", "&#39;") in browser.text()
    assert 'value="someone@mailinator.com"' in browser.text()


def test_the_pool_domain_refuses_the_refresh_token_of_a_deleted_user(app, client):
    idp = app.extensions["gatehouse.userpool"].client
    idp.admin_create_user(
        UserPoolId="us-east-1_gatehouse",
        Username="gone@example.com",
        TemporaryPassword="Corr3ct-horse",
        MessageAction="SUPPRESS",
    )
    pool = app.extensions["gatehouse.localpool"]
    with pool.db.transaction() as conn:
        user = pool.find_user(conn, "gone@example.com")
        refresh = pool.issue_tokens(conn, user, pool.clients["demo"], "TokenGeneration_HostedAuth")[
            "RefreshToken"
        ]
        conn.execute(
            "DELETE FROM users WHERE sub = ?", (user["sub"],)
        )  # the token outlives its user
    response = client.post(
        "/_localpool/oauth2/token",
        data={"grant_type": "refresh_token", "client_id": "demo", "refresh_token": refresh},
    )
    assert response.status_code == 400 and response.json["error"] == "invalid_grant"
