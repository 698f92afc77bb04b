"""Passkeys through the pages, with a software authenticator standing in for the browser's
WebAuthn (the page's script only carries the JSON; tests/live/test_passkeys_live.py runs the
script in Chromium with a virtual authenticator)."""

from __future__ import annotations

import json
import re
from base64 import urlsafe_b64decode
from html import unescape

import pyotp
import pytest

from app.config import DEFAULT_SEED
from tests.passkeys import SoftAuthenticator

from .conftest import CSRF, PASSWORD, Browser, app_tokens, without_tokens
from .oauth2_app import CALLBACK, authorize_url, code_of, exchange

ORIGIN = "http://localhost:8000"
REQUEST = re.compile(r'<script type="application/json" id="passkey-request">(.*?)</script>', re.S)


def add_passkey(browser: Browser, authenticator: SoftAuthenticator, name: str = "") -> None:
    """Make a passkey in the account pages as the add page's script does."""
    page = browser.open("/account/passkeys/new")
    assert page.status_code == 200, page.location
    token = CSRF.search(browser.text()).group(1)
    answer = browser.http.post("/account/passkeys/options", headers={"X-CSRFToken": token})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    options = answer.json["options"]
    assert options["authenticatorSelection"]["residentKey"] == "required"
    credential = authenticator.register(options, ORIGIN)
    response = browser.submit(
        "/account/passkeys/new", credential=json.dumps(credential), name=name, then=""
    )
    assert response.status_code == 303 and response.location.endswith("/account/passkeys")


def request_options(browser: Browser) -> dict:
    """The sign-in options the passkey page hands its script."""
    return json.loads(unescape(REQUEST.search(browser.text()).group(1)))


def passkey_sign_in(browser: Browser, email: str, authenticator: SoftAuthenticator):
    """Sign in with a passkey from the sign-in page, as its script does; returns the answer."""
    browser.open("/login")
    started = browser.submit("/login/passkey", email=email, password="")
    assert started.status_code == 303 and started.location.endswith("/login/passkey")
    browser.open("/login/passkey")
    credential = authenticator.sign_in(request_options(browser), ORIGIN)
    return browser.submit("/login/passkey/answer", credential=json.dumps(credential))


def signed_out(browser: Browser) -> None:
    """Sign out here."""
    browser.open("/account")
    browser.submit("/account/signout")


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
def test_a_passkey_made_in_the_account_pages_signs_in_to_an_app(signed_in, alg):
    browser, email = signed_in
    authenticator = SoftAuthenticator(alg=alg)
    add_passkey(browser, authenticator, name="Work laptop")
    listed = browser.open("/account/passkeys").get_data(as_text=True)
    assert "Work laptop" in listed and "Delete this passkey" in listed
    assert "A passkey was added" in browser.outbox.messages(email)[-1].subject
    signed_out(browser)

    verifier = "v" * 64
    assert browser.get(authorize_url("demo", verifier)).status_code == 303
    response = passkey_sign_in(browser, email, authenticator)
    assert response.status_code == 303 and response.location.startswith(CALLBACK)
    tokens = exchange(browser.http, code_of(response.location), verifier).json
    claims = json.loads(urlsafe_b64decode(tokens["id_token"].split(".")[1] + "=="))
    assert claims["email"] == email and claims["aud"] == "demo"


def test_a_passkey_of_another_account_does_not_sign_in(signed_in, app, outbox):
    browser, email = signed_in
    add_passkey(browser, SoftAuthenticator())
    signed_out(browser)
    # Someone else's passkey for this site, offered for this address.
    other = Browser(app, outbox)
    other.sign_in(other.account())
    stranger = SoftAuthenticator()
    add_passkey(other, stranger)
    response = passkey_sign_in(browser, email, stranger)
    assert response.status_code == 303 and "/login" in response.location
    assert "be used here" in browser.open(response.location).get_data(as_text=True)
    assert browser.open("/account").request.path == "/login"


def test_every_address_gets_the_same_passkey_page(app, outbox):
    owner = Browser(app, outbox)
    with_passkey = owner.account("kim@example.com")
    owner.sign_in(with_passkey)
    add_passkey(owner, SoftAuthenticator())
    Browser(app, outbox).account("kit@example.com")  # an account without a passkey
    pages = []
    for email in ("kim@example.com", "kit@example.com", "kix@example.com"):  # the last: unknown
        browser = Browser(app, outbox)
        browser.open("/login")
        started = browser.submit("/login/passkey", email=email, password="")
        assert started.status_code == 303
        page = browser.open("/login/passkey")
        options = request_options(browser)
        assert set(options) == {
            "challenge",
            "rpId",
            "timeout",
            "userVerification",
            "allowCredentials",
        }
        assert options["allowCredentials"] == [] and options["rpId"] == "localhost"
        assert len(options["challenge"]) == 86  # 64 bytes, the pool's and the decoys' alike
        html = without_tokens(page.get_data(as_text=True)).replace(options["challenge"], "C")
        pages.append((page.status_code, html.replace(email, "E")))
    assert pages[0] == pages[1] == pages[2]


def test_a_decoy_or_malformed_answer_is_refused_like_a_wrong_passkey(signed_in, app, outbox):
    owner, _ = signed_in
    holder = SoftAuthenticator()  # holds a real passkey for this site, of another account
    add_passkey(owner, holder)
    answers = []
    for credential in (None, "{not json", '{"id": 1}', "x" * 20_000):
        browser = Browser(app, outbox)
        browser.open("/login")
        browser.submit("/login/passkey", email="nobody@example.com", password="")
        browser.open("/login/passkey")
        if credential is None:  # the browser's answer to the decoy options, signed for real
            credential = json.dumps(holder.sign_in(request_options(browser), ORIGIN))
        response = browser.submit("/login/passkey/answer", credential=credential)
        answers.append((response.status_code, response.location))
        assert "be used here" in browser.open(response.location).get_data(as_text=True)
        assert browser.open("/account").request.path == "/login"
    assert len(set(answers)) == 1


def test_renaming_and_deleting_a_passkey(signed_in, app, outbox):
    browser, email = signed_in
    authenticator = SoftAuthenticator()
    add_passkey(browser, authenticator)
    page = browser.open("/account/passkeys").get_data(as_text=True)
    credential_id = re.search(r"/account/passkeys/([\w-]+)/name", page).group(1)
    browser.submit(f"/account/passkeys/{credential_id}/name", name="Phone")
    assert "Phone" in browser.open("/account/passkeys").get_data(as_text=True)
    browser.submit(f"/account/passkeys/{credential_id}/delete")
    page = browser.open("/account/passkeys").get_data(as_text=True)
    assert "has been deleted" in page and "You have no passkeys yet." in page
    assert "A passkey was deleted" in outbox.messages(email)[-1].subject
    signed_out(browser)
    response = passkey_sign_in(Browser(app, outbox), email, authenticator)
    assert "/login" in response.location


def test_deleting_a_passkey_needs_a_recent_sign_in(signed_in, clock):
    browser, _ = signed_in
    add_passkey(browser, SoftAuthenticator())
    page = browser.open("/account/passkeys").get_data(as_text=True)
    credential_id = re.search(r"/account/passkeys/([\w-]+)/delete", page).group(1)
    clock.advance(6 * 60)
    response = browser.submit(f"/account/passkeys/{credential_id}/delete")
    assert response.status_code == 303 and "/account/confirm" in response.location
    assert "Delete this passkey" in browser.open("/account/passkeys").get_data(as_text=True)


def test_a_passkey_is_offered_once_after_a_password_sign_in_where_the_browser_can(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    browser.open("/login")
    plain = browser.submit("/login", email=email, password=PASSWORD)
    assert plain.location.endswith("/account")  # the script did not say it can: no offer
    signed_out(browser)
    assert browser.get(authorize_url("demo", "v" * 64)).status_code == 303
    browser.open("/login")
    offered = browser.submit("/login", email=email, password=PASSWORD, webauthn="1")
    assert offered.location.endswith("/account/passkeys/offer")
    page = browser.open(offered.location).get_data(as_text=True)
    assert "Sign in faster next time" in page and "<template data-passkey-way>" in page
    onwards = browser.submit("/account/passkeys/offer")
    assert onwards.location.startswith(CALLBACK)  # "Not now" continues to the app
    signed_out(browser)
    browser.open("/login")
    again = browser.submit("/login", email=email, password=PASSWORD, webauthn="1")
    assert browser.open(again.location).request.path == "/account"  # declined: not asked again


def test_the_offer_leads_to_a_passkey_and_on_to_the_app(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    assert browser.get(authorize_url("demo", "v" * 64)).status_code == 303
    browser.open("/login")
    browser.submit("/login", email=email, password=PASSWORD, webauthn="1")
    browser.open("/account/passkeys/offer")
    browser.open("/account/passkeys/new?then=continue")
    token = CSRF.search(browser.text()).group(1)
    options = browser.http.post("/account/passkeys/options", headers={"X-CSRFToken": token}).json
    credential = SoftAuthenticator().register(options["options"], ORIGIN)
    response = browser.submit(
        "/account/passkeys/new", credential=json.dumps(credential), name="", then="continue"
    )
    assert response.status_code == 303 and response.location.startswith(CALLBACK)


def test_the_sign_in_page_lists_the_brands_ways_in_its_order(app, client):
    demo = client.get(authorize_url("demo", "v" * 64), follow_redirects=True).get_data(as_text=True)
    order = [
        demo.index(t)
        for t in ('name="password"', "Sign in with a passkey", "sign-in code", "sign-in link")
    ]
    assert order == sorted(order)
    northwind = app.test_client()
    html = northwind.get(authorize_url("northwind", "v" * 64), follow_redirects=True).get_data(
        as_text=True
    )
    assert html.index("Sign in with a passkey") < html.index('name="password"')
    assert "sign-in code" not in html  # northwind's brand does not list email codes
    # Without JavaScript there is no passkey button: it lives in an inert <template>.
    assert re.search(r"<template data-passkey-way><button[^>]*>Sign in with a passkey", html)


def test_an_app_client_without_user_auth_offers_no_passkey(make_app, tmp_path):
    seed = DEFAULT_SEED.read_text()
    flows = '"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"'
    demo = seed.index('id = "demo"')
    start = seed.index("explicit_auth_flows", demo)
    end = seed.index("\n", start)
    (tmp_path / "seed.toml").write_text(
        seed[:start] + f'explicit_auth_flows = [{flows}, "ALLOW_CUSTOM_AUTH"]' + seed[end:]
    )
    app = make_app(localpool_seed=tmp_path / "seed.toml")
    page = app.test_client().get(authorize_url("demo", "v" * 64), follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "passkey" not in html and "sign-in code" not in html
    assert "sign-in link" in html and 'name="password"' in html


def turn_on_totp(app, email: str) -> None:
    """An authenticator app for the account, set up at the pool directly."""
    idp = app.extensions["gatehouse.userpool"].client
    token = app_tokens(app, email)["AccessToken"]
    secret = idp.associate_software_token(AccessToken=token)["SecretCode"]
    clock = app.extensions["gatehouse.settings"].clock
    idp.verify_software_token(AccessToken=token, UserCode=pyotp.TOTP(secret).at(clock()))
    idp.set_user_mfa_preference(
        AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )


def test_a_passkey_that_checked_nobody_is_not_enough_with_an_authenticator_app(signed_in, app):
    browser, email = signed_in
    authenticator = SoftAuthenticator()
    add_passkey(browser, authenticator)
    turn_on_totp(app, email)
    signed_out(browser)
    browser.open("/login")
    browser.submit("/login/passkey", email=email, password="")
    browser.open("/login/passkey")
    blind = authenticator.sign_in(request_options(browser), ORIGIN, user_verified=False)
    response = browser.submit("/login/passkey/answer", credential=json.dumps(blind))
    assert response.status_code == 303 and "/login" in response.location
    assert "authenticator app" in browser.open(response.location).get_data(as_text=True)
    assert browser.open("/account").request.path == "/login"
    # With the person verified, the passkey is two factors: signed in without the app's code.
    response = passkey_sign_in(browser, email, authenticator)
    assert browser.open(response.location).request.path == "/account"


def test_a_passkey_page_left_open_asks_to_confirm_it_is_you_first(signed_in, clock):
    browser, _ = signed_in
    browser.open("/account/passkeys/new")
    token = CSRF.search(browser.text()).group(1)
    clock.advance(6 * 60)
    answer = browser.http.post("/account/passkeys/options", headers={"X-CSRFToken": token})
    assert answer.status_code == 401 and "/account/confirm" in answer.json["next"]
    assert browser.open("/account/passkeys/new").request.path == "/account/confirm"


def test_passkey_json_needs_the_csrf_token(signed_in):
    browser, _ = signed_in
    browser.open("/account/passkeys/new")
    assert browser.http.post("/account/passkeys/options").status_code == 400
    assert (
        browser.http.post("/login/passkey/options", data={"email": "a@example.com"}).status_code
        == 400
    )


def test_passkey_autofill_options_are_the_same_for_every_address(signed_in, app, outbox):
    owner, email = signed_in
    holder = SoftAuthenticator()
    add_passkey(owner, holder)
    shapes = []
    for typed in (email, "nobody@example.com"):
        browser = Browser(app, outbox)
        browser.open("/login")
        token = CSRF.search(browser.text()).group(1)
        answer = browser.http.post(
            "/login/passkey/options", data={"email": typed}, headers={"X-CSRFToken": token}
        )
        assert answer.status_code == 200
        options = answer.json["options"]
        shapes.append({k: v for k, v in options.items() if k != "challenge"})
    assert shapes[0] == shapes[1]
    # The answer to the open request signs in, as from the passkey page.
    browser = Browser(app, outbox)
    browser.open("/login")
    token = CSRF.search(browser.text()).group(1)
    asked = browser.http.post(
        "/login/passkey/options", data={"email": email}, headers={"X-CSRFToken": token}
    ).json
    assert "/login/passkey/answer" in browser.text()  # the autofill's answer form is on the page
    credential = json.dumps(holder.sign_in(asked["options"], ORIGIN))
    response = browser.submit(
        "/login/passkey/answer", credential=credential, waiting=asked["waiting"]
    )
    assert browser.open(response.location).request.path == "/account"


def _autofill(browser: Browser, email: str) -> dict:
    """The sign-in page's autofill request for ``email``: its options and handle."""
    browser.open("/login")
    token = CSRF.search(browser.text()).group(1)
    return browser.http.post(
        "/login/passkey/options", data={"email": email}, headers={"X-CSRFToken": token}
    ).json


def test_an_autofill_handle_answers_once_and_only_in_the_browser_that_asked(signed_in, app, outbox):
    owner, email = signed_in
    holder = SoftAuthenticator()
    add_passkey(owner, holder)
    asking = Browser(app, outbox)
    asked = _autofill(asking, email)
    credential = json.dumps(holder.sign_in(asked["options"], ORIGIN))
    # Another browser with the handle and a right answer (its own page, its own CSRF token).
    other = Browser(app, outbox)
    other.open("/login")
    refused = other.submit("/login/passkey/answer", credential=credential, waiting=asked["waiting"])
    assert refused.status_code == 303 and other.open("/account").request.path == "/login"
    # The handle was spent by that try: the asking browser asks again and signs in.
    asking.open("/login")
    spent = asking.submit("/login/passkey/answer", credential=credential, waiting=asked["waiting"])
    assert asking.open(spent.location).request.path == "/login"
    again = _autofill(asking, email)
    credential = json.dumps(holder.sign_in(again["options"], ORIGIN))
    answered = asking.submit(
        "/login/passkey/answer", credential=credential, waiting=again["waiting"]
    )
    assert asking.open(answered.location).request.path == "/account"
    replayed = asking.submit(
        "/login/passkey/answer", credential=credential, waiting=again["waiting"]
    )
    assert replayed.status_code == 303 and "/account" not in replayed.location


def test_the_offer_page_finishes_no_app_request_it_was_not_sent_for(app, outbox):
    """A signed-in session opening the offer page itself (a GET, or "Not now" without having
    been sent there) gets no app tokens: no bypass of prompt=login or of a sign-out everywhere."""
    browser = Browser(app, outbox)
    email = browser.account()
    browser.sign_in(email)
    verifier = "v" * 64
    assert browser.get(authorize_url("demo", verifier, prompt="login")).status_code == 303
    page = browser.get("/account/passkeys/offer")
    assert page.status_code == 303 and not page.location.startswith(CALLBACK)
    browser.open("/account")
    refused = browser.submit("/account/passkeys/offer")
    assert refused.status_code == 303 and not refused.location.startswith(CALLBACK)


def test_a_sign_out_everywhere_ends_what_the_offer_would_continue(app, outbox, clock):
    browser = Browser(app, outbox)
    email = browser.account()
    verifier = "v" * 64
    assert browser.get(authorize_url("demo", verifier)).status_code == 303
    browser.open("/login")
    offered = browser.submit("/login", email=email, password=PASSWORD, webauthn="1")
    assert offered.location.endswith("/account/passkeys/offer")
    browser.open(offered.location)
    clock.advance(1)
    elsewhere = Browser(app, outbox)
    elsewhere.sign_in(email)
    elsewhere.open("/account")
    elsewhere.submit("/account/signout-everywhere")
    onwards = browser.submit("/account/passkeys/offer")
    assert onwards.status_code == 303 and not onwards.location.startswith(CALLBACK)


def test_a_provider_only_person_is_offered_no_passkey(app, outbox):
    """Cognito signs no provider-only account in through its API: a passkey would never work."""
    from .test_reconfirm import google_person

    browser = google_person(app, outbox, "only.google@example.com")
    assert "/account/passkeys" not in browser.open("/account").get_data(as_text=True)
    for path in ("/account/passkeys", "/account/passkeys/new"):
        assert browser.get(path).location == "/account"
    browser.open("/account")
    token = CSRF.search(browser.text()).group(1)
    answer = browser.http.post("/account/passkeys/options", headers={"X-CSRFToken": token})
    assert answer.status_code == 303 and answer.location == "/account"
