"""Single sign-on across app clients: a session proof mints each app's own tokens, prompt and
max_age are honoured, scopes are exactly the granted ones, and /logout means it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.common.security import generate_token
from botocore.exceptions import ClientError

from app.signin import id_claims

from .conftest import Browser
from .oauth2_app import CALLBACK, authorize_url, code_of, exchange, refresh, tokens_for


def hop(browser: Browser, client_id: str = "northwind", **extra: str):
    """An authorization request from this browser; returns (response, PKCE verifier)."""
    verifier = generate_token(64)
    return browser.get(authorize_url(client_id, verifier, **extra)), verifier


def hop_tokens(browser: Browser, client_id: str = "northwind", **extra: str) -> dict:
    """An SSO hop that must come back with a code at once; returns the token response."""
    response, verifier = hop(browser, client_id, **extra)
    assert response.status_code == 302 and response.location.startswith(CALLBACK), response.location
    answer = exchange(browser.http, code_of(response.location), verifier, client_id)
    assert answer.status_code == 200, answer.json
    return answer.json


def claims(token: str) -> dict:
    """A JWT's claims (the tests read tokens Gatehouse just handed out)."""
    return id_claims(token)


def query(location: str) -> dict[str, str]:
    """A redirect's query parameters."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def test_signed_in_to_demo_then_northwind_gets_a_code_without_any_form(browser: Browser):
    demo = tokens_for(browser, "demo")
    northwind = hop_tokens(browser, "northwind")
    id_token = claims(northwind["id_token"])
    assert id_token["aud"] == "northwind" and id_token["sub"] == claims(demo["id_token"])["sub"]
    assert claims(northwind["access_token"])["client_id"] == "northwind"
    assert northwind["scope"] == "openid email"
    # What the token carries, not only what the token response says (PreTokenGeneration).
    assert claims(northwind["access_token"])["scope"].split() == ["openid", "email"]
    assert northwind["refresh_token"]


def test_an_apps_token_has_exactly_the_granted_scopes_and_no_admin_scope(app, browser: Browser):
    tokens_for(browser, "demo")
    northwind = hop_tokens(browser, "northwind", scope="openid email profile")
    access = claims(northwind["access_token"])
    assert access["scope"].split() == ["openid", "email", "profile"]
    idp = app.extensions["gatehouse.userpool"].client
    with pytest.raises(ClientError) as refused:
        idp.get_user(AccessToken=northwind["access_token"])
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    info = browser.http.get(
        "/oauth2/userInfo", headers={"Authorization": f"Bearer {northwind['access_token']}"}
    )
    assert info.status_code == 200 and info.json["sub"] == access["sub"]
    # A refresh keeps exactly the granted scopes (the proof rides along in ClientMetadata).
    again = refresh(browser.http, northwind["refresh_token"], "northwind")
    assert again.status_code == 200 and again.json["scope"] == "openid email profile"
    assert claims(again.json["access_token"])["scope"] == "openid email profile"


def test_the_first_sign_in_through_an_app_keeps_the_account_pages_working(browser: Browser):
    """The password sign-in is Gatehouse's own (its tokens stay in the session), the app gets
    its own tokens: the account page no longer says the session has ended."""
    demo = tokens_for(browser, "demo", scope="openid email")
    assert "aws.cognito.signin.user.admin" not in claims(demo["access_token"])["scope"]
    page = browser.get("/account")
    assert page.status_code == 200, page.location


def test_prompt_none_without_a_session_is_login_required_at_the_callback(browser: Browser):
    response, _ = hop(browser, "demo", prompt="none")
    assert response.status_code == 302
    assert response.location.startswith(CALLBACK)
    assert query(response.location) == {
        "error": "login_required",
        "error_description": "The person must sign in.",
        "state": "app-state",
    }


def test_prompt_none_with_a_session_gets_a_code(browser: Browser):
    tokens_for(browser, "demo")
    assert hop_tokens(browser, "northwind", prompt="none")["id_token"]


def test_prompt_none_combined_with_another_value_is_refused(browser: Browser):
    response, _ = hop(browser, "demo", prompt="none login")
    assert query(response.location)["error"] == "invalid_request"


@pytest.mark.parametrize("extra", [{"prompt": "login"}, {"max_age": "0"}])
def test_prompt_login_and_an_exceeded_max_age_show_the_form(app, clock, browser, extra):
    tokens_for(browser, "demo")
    clock.now += 5
    response, _ = hop(browser, "northwind", **extra)
    assert response.status_code == 303 and response.location.startswith("/login")
    assert browser.open(response.location).status_code == 200
    assert 'name="password"' in browser.text()


def test_a_max_age_not_yet_reached_gets_a_code(clock, browser: Browser):
    tokens_for(browser, "demo")
    clock.now += 5
    assert hop_tokens(browser, "northwind", max_age="600")["id_token"]


def test_acr_values_are_ignored_and_login_hint_prefills(browser: Browser):
    response, _ = hop(browser, "demo", acr_values="urn:example:loa:2", login_hint="a@example.com")
    assert response.status_code == 303
    browser.open(response.location)
    assert 'value="a@example.com"' in browser.text()


def test_single_sign_on_lasts_gatehouse_sso_seconds(make_app, outbox, clock):
    # Shorter than the session's access token (an hour): the setting ends single sign-on, not
    # the pool's refusal of an expired token.
    app = make_app(sso_seconds=600)
    browser = Browser(app, outbox)
    tokens_for(browser, "demo")
    clock.now += app.extensions["gatehouse.settings"].sso_seconds - 10
    assert hop_tokens(browser, "northwind")["id_token"]
    clock.now += 20
    response, _ = hop(browser, "northwind", prompt="none")
    assert query(response.location)["error"] == "login_required"


def test_logout_revokes_both_apps_refresh_tokens_and_ends_single_sign_on(browser: Browser):
    demo = tokens_for(browser, "demo")
    northwind = hop_tokens(browser, "northwind")
    out = browser.get("/logout?client_id=demo&logout_uri=http%3A%2F%2Flocalhost%3A8000%2F")
    assert out.status_code == 302
    for client_id, tokens in (("demo", demo), ("northwind", northwind)):
        answer = refresh(browser.http, tokens["refresh_token"], client_id)
        assert answer.status_code == 400 and answer.json["error"] == "invalid_grant"
    response, _ = hop(browser, "northwind")
    assert response.status_code == 303 and response.location.startswith("/login")


def test_the_account_pages_sign_out_button_means_it_too(browser: Browser):
    """ "Sign out" on the account page is the same sign-out as /logout: on a shared computer
    the apps this browser signed in to are signed out as well."""
    demo = tokens_for(browser, "demo")
    northwind = hop_tokens(browser, "northwind")
    browser.open("/account")
    assert browser.submit("/account/signout").status_code == 303
    for client_id, tokens in (("demo", demo), ("northwind", northwind)):
        answer = refresh(browser.http, tokens["refresh_token"], client_id)
        assert answer.status_code == 400 and answer.json["error"] == "invalid_grant"
    response, _ = hop(browser, "northwind")
    assert response.status_code == 303 and response.location.startswith("/login")


def test_signing_out_everywhere_elsewhere_ends_single_sign_on_here(app, outbox, clock):
    here = Browser(app, outbox)
    email = claims(tokens_for(here, "demo")["id_token"])["email"]
    clock.now += 1
    elsewhere = Browser(app, outbox)
    elsewhere.sign_in(email)
    elsewhere.open("/account")
    assert elsewhere.submit("/account/signout-everywhere").status_code == 303
    response, _ = hop(here, "northwind", prompt="none")
    assert query(response.location)["error"] == "login_required"


def test_signing_out_everywhere_ends_a_provider_sessions_single_sign_on_too(app, outbox, clock):
    """A Google-only person's session is not checked at the pool before a hop (their app
    tokens come from Google again, through the pool's domain): the sign-out-everywhere mark is
    what stops that browser from going on to Google without a form."""
    from .test_social import continue_as

    here = Browser(app, outbox)
    here.get(continue_as(here, "g.sso@example.com"))
    response, _ = hop(here, "northwind")
    assert response.location == "/social/Google"  # single sign-on, through the provider
    clock.now += 1
    elsewhere = Browser(app, outbox)
    elsewhere.get(continue_as(elsewhere, "g.sso@example.com"))
    elsewhere.open("/account")
    assert elsewhere.submit("/account/signout-everywhere").status_code == 303
    response, _ = hop(here, "northwind")
    assert response.status_code == 303 and response.location.startswith("/login")


def test_a_password_reset_elsewhere_ends_single_sign_on_here(app, outbox, clock):
    """A reset signs the account out everywhere (a follow-up): whoever knew the old password
    keeps no Gatehouse session that signs in to apps."""
    from tests.conftest import code_in

    here = Browser(app, outbox)
    email = claims(tokens_for(here, "demo")["id_token"])["email"]
    clock.now += 1
    elsewhere = Browser(app, outbox)
    elsewhere.open("/forgotPassword")
    elsewhere.submit("/forgotPassword", email=email)
    elsewhere.open("/confirmForgotPassword")
    code = code_in(outbox.messages(email)[-1].text)
    reset = elsewhere.submit(
        "/confirmForgotPassword", email=email, code=code, password="N3w-password!"
    )
    assert reset.location.startswith("/login")
    response, _ = hop(here, "northwind", prompt="none")
    assert query(response.location)["error"] == "login_required"


def test_a_forged_or_replayed_proof_gets_no_tokens_from_the_pool(app, browser: Browser):
    """Live against the local pool: the triggers refuse a proof that is forged, for another app
    client, or used already; the pool then answers with the next challenge, never tokens."""
    from app.magic_link.tokens import ProofSigner

    tokens_for(browser, "demo")
    with browser.http.session_transaction() as stored:
        user = stored["user"]
    idp = app.extensions["gatehouse.userpool"].client
    key = app.extensions["gatehouse.settings"].link_key
    clock = app.extensions["gatehouse.settings"].clock

    def answer(proof: str, client_id: str = "northwind") -> dict:
        start = idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="CUSTOM_AUTH",
            AuthParameters={"USERNAME": user["username"]},
        )
        return idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="CUSTOM_CHALLENGE",
            Session=start["Session"],
            ClientMetadata={"proof": proof},
            ChallengeResponses={"USERNAME": user["username"], "ANSWER": proof},
        )

    good = ProofSigner(key).issue(user["sub"], "northwind", ["openid"], clock())
    assert "AuthenticationResult" in answer(good)
    assert "AuthenticationResult" not in answer(good)  # replayed
    forged = ProofSigner("x" * 40).issue(user["sub"], "northwind", ["openid"], clock())
    assert "AuthenticationResult" not in answer(forged)
    other = ProofSigner(key).issue(user["sub"], "demo", ["openid"], clock())
    assert "AuthenticationResult" not in answer(other)  # northwind's call, demo's proof


def test_cognito_calls_per_sign_in_and_per_sso_hop(app, browser: Browser, monkeypatch):
    """The figures in the README, counted through the gateway: a password sign-in through an
    app is 1 call (InitiateAuth as Gatehouse) + 2 (the session proof); a hop is 2 (+1 GetUser).
    (The app clients' descriptions are read once a minute, not per sign-in: warmed up first.)"""
    gateway = app.extensions["gatehouse.userpool"]
    calls: list[str] = []
    original = gateway.call

    def counting(operation, **params):
        calls.append(operation)
        return original(operation, **params)

    email = browser.account()
    hop(browser, "northwind", prompt="none")  # reads northwind's description
    monkeypatch.setattr(gateway, "call", counting)
    response, _ = hop(browser, "demo")
    calls.clear()
    response = browser.sign_in(email)
    assert response.location.startswith(CALLBACK)
    assert calls == ["InitiateAuth", "InitiateAuth", "RespondToAuthChallenge"]
    calls.clear()
    hop_tokens(browser, "northwind")
    assert calls == ["GetUser", "InitiateAuth", "RespondToAuthChallenge"]


def test_a_person_with_an_authenticator_app_signs_in_once_for_both_apps(app, outbox, clock):
    from .test_mfa_guessing import with_totp

    email, totp = with_totp(app, Browser(app, outbox))
    browser = Browser(app, outbox)
    response, verifier = hop(browser, "demo")
    assert response.location.startswith("/login")
    assert browser.sign_in(email).location == "/login/challenge"
    clock.now += 30  # a code the set-up did not use
    browser.open("/login/challenge")
    response = browser.submit("/login/challenge", code=totp.at(clock()))
    assert response.location.startswith(CALLBACK)
    with browser.http.session_transaction() as stored:
        assert stored["user"]["methods"] == ["pwd", "mfa"]
    assert claims(hop_tokens(browser, "northwind")["id_token"])["aud"] == "northwind"


def test_cognito_calls_with_an_authenticator_app_and_with_a_magic_link(app, outbox, clock):
    """The README's other figures: password + code through an app is 4 calls; a magic link is
    2 to ask and 5 (+1 GetUser) to sign in through an app."""
    from .test_magic_link import ask, link_of
    from .test_mfa_guessing import with_totp

    gateway = app.extensions["gatehouse.userpool"]
    calls: list[str] = []
    original = gateway.call
    gateway.call = lambda operation, **params: (
        calls.append(operation) or original(operation, **params)
    )
    try:
        email, totp = with_totp(app, Browser(app, outbox))
        browser = Browser(app, outbox)
        hop(browser, "demo")
        calls.clear()
        browser.sign_in(email)
        clock.now += 30
        browser.open("/login/challenge")
        assert browser.submit("/login/challenge", code=totp.at(clock())).location.startswith(
            CALLBACK
        )
        assert calls == ["InitiateAuth", "RespondToAuthChallenge"] * 2

        other = Browser(app, outbox)
        address = other.account()
        hop(other, "demo")
        calls.clear()
        ask(other, address)
        assert calls == ["InitiateAuth", "RespondToAuthChallenge"]
        link = link_of(outbox, address)
        other.open(link)
        calls.clear()
        assert other.submit(link).location.startswith(CALLBACK)
        assert calls == [
            "InitiateAuth",
            "RespondToAuthChallenge",
            "RespondToAuthChallenge",
            "GetUser",
            "InitiateAuth",
            "RespondToAuthChallenge",
        ]
    finally:
        gateway.call = original
