"""A sign-in trigger's refusal is a clear page: the UserMigration trigger's legacy directory
(disabled, never activated, a provider's account, unreachable), PreAuthentication and
PostAuthentication, at a password, a passkey, an email code and a provider's sign-in."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from app.mail.outbox import Outbox
from tests.passkeys import SoftAuthenticator

from .conftest import CSRF, Browser

LEGACY_PASSWORD = "Legacy-pass1"
REFUSALS = {
    "disabled@example.com": "gatehouse:legacy_disabled",
    "inactive@example.com": "gatehouse:legacy_not_activated",
    "fb@example.com": "gatehouse:legacy_federated:Facebook",
    "gone@example.com": "gatehouse:legacy_federated:Myspace",
    "down@example.com": "gatehouse:legacy_unavailable",
    "odd@example.com": "something the trigger's author wrote",
}


def legacy(event, context):
    """A legacy directory: one active account; the others refused with their reason."""
    email = event["userName"]
    if email in REFUSALS:
        raise RuntimeError(REFUSALS[email])
    if email == "active@example.com" and event["request"].get("password") == LEGACY_PASSWORD:
        event["response"]["userAttributes"] = {"email": email, "email_verified": "true"}
    return event


# Accounts PreAuthentication starts refusing once a test has signed them in.
REFUSED_FROM_NOW: set[str] = set()


def refuse_pre_authentication(event, context):
    """PreAuthentication that refuses one account (and those of ``REFUSED_FROM_NOW``)."""
    email = event["request"]["userAttributes"].get("email")
    if email == "blocked@example.com" or email in REFUSED_FROM_NOW:
        raise RuntimeError("gatehouse:sign_in_refused")
    return event


# Accounts PostAuthentication starts refusing once a test has signed them in.
HELD_FROM_NOW: set[str] = set()


def refuse_post_authentication(event, context):
    """PostAuthentication that refuses one account (and those of ``HELD_FROM_NOW``) once its
    sign-in completed."""
    email = event["request"]["userAttributes"].get("email")
    if email == "held@example.com" or email in HELD_FROM_NOW:
        raise RuntimeError("audit store unavailable")
    return event


@pytest.fixture
def browser(make_app) -> Browser:
    """A browser on an app whose pool migrates from ``legacy``."""
    app = make_app(
        localpool={
            "lambda_config": {
                "UserMigration": legacy,
                "PreAuthentication": refuse_pre_authentication,
                "PostAuthentication": refuse_post_authentication,
            }
        }
    )
    return Browser(app, Outbox(app.extensions["gatehouse.localpool"].mail.outbox.directory))


def test_a_legacy_user_signs_in_through_the_pages(browser):
    page = browser.sign_in("active@example.com", LEGACY_PASSWORD)
    assert page.status_code == 303
    assert browser.open(page.location).status_code == 200
    assert "active@example.com" in browser.text()


@pytest.mark.parametrize(
    ("email", "reason", "status", "words"),
    [
        ("disabled@example.com", "legacy_disabled", 403, "disabled in our previous system"),
        ("inactive@example.com", "legacy_not_activated", 403, "never activated"),
        ("fb@example.com", "legacy_federated", 403, "signs in with Facebook, not a password"),
        ("gone@example.com", "legacy_federated", 403, "sign in with the service you used"),
        ("down@example.com", "legacy_unavailable", 503, "previous system"),
        ("odd@example.com", "sign_in_refused", 403, "isn&#39;t allowed right now"),
    ],
)
def test_each_refusal_has_its_page(browser, email, reason, status, words):
    page = browser.sign_in(email, LEGACY_PASSWORD)
    html = browser.text()
    assert page.status_code == status
    assert f'data-refusal="{reason}"' in html and words in html
    assert "gatehouse:" not in html and "trigger" not in html.lower()
    assert LEGACY_PASSWORD not in html
    if status == 503:
        assert page.headers["Retry-After"] == "120"
        # The words say the header's number (the page's, not the message's own guess).
        assert "try again in about 2 minutes" in html and "a few minutes" not in html


def test_the_facebook_refusal_offers_the_facebook_button_only(browser):
    browser.sign_in("fb@example.com", LEGACY_PASSWORD)
    html = browser.text()
    assert "/social/Facebook" in html and "/social/Google" not in html


def test_a_provider_the_app_lacks_is_not_offered(browser):
    browser.sign_in("gone@example.com", LEGACY_PASSWORD)
    assert "/social/" not in browser.text()


def test_not_activated_offers_sign_up(browser):
    browser.sign_in("inactive@example.com", LEGACY_PASSWORD)
    assert 'href="/signup"' in browser.text()


def test_a_pre_authentication_refusal_has_its_page(browser):
    email = browser.account("blocked@example.com")
    page = browser.sign_in(email)
    assert page.status_code == 403
    assert 'data-refusal="sign_in_refused"' in browser.text()


def test_an_unknown_address_gets_the_usual_wrong_password_answer(browser):
    page = browser.sign_in("nobody@example.com", LEGACY_PASSWORD)
    assert page.status_code == 200
    assert "don&#39;t match" in browser.text()


def test_a_refusal_at_the_challenge_step_has_its_page(browser):
    """PostAuthentication runs when the challenge that ends the sign-in is answered (here a
    new password): its refusal is the refusal page, not the 500 page."""
    idp = browser.app.extensions["gatehouse.userpool"].client
    idp.admin_create_user(
        UserPoolId="us-east-1_gatehouse",
        Username="held@example.com",
        TemporaryPassword="Temp0rary-pass",
        MessageAction="SUPPRESS",
    )
    assert browser.sign_in("held@example.com", "Temp0rary-pass").location == "/login/challenge"
    browser.open("/login/challenge")
    page = browser.submit("/login/challenge", password="N3w-password!")
    html = browser.text()
    assert page.status_code == 403
    assert 'data-refusal="sign_in_refused"' in html and "audit store" not in html
    # The spent challenge is gone: coming back starts the sign-in again.
    assert browser.get("/login/challenge").location == "/login"


def test_a_refusal_where_no_view_expects_one_is_the_refusal_page(browser):
    """A sign-in refused on a page that does not look for refusals ("confirm it's you" with the
    password) is the refusal page too: the app's handler, not the 500 page."""
    email = browser.account("later@example.com")
    assert browser.sign_in(email).status_code == 303
    REFUSED_FROM_NOW.add(email)
    try:
        browser.open("/account/confirm")
        page = browser.submit("/account/confirm", password="Corr3ct-horse")
    finally:
        REFUSED_FROM_NOW.discard(email)
    assert page.status_code == 403
    assert 'data-refusal="sign_in_refused"' in browser.text()


def test_the_refusal_pages_over_https_in_arabic(make_app):
    """Over HTTPS as Chromium posts (no Referer, ``Origin: null``) and in Arabic: the page is
    right-to-left and translated, its retry words agree with Retry-After, and the provider's
    button leads to the provider."""
    from app import i18n

    from .test_forms_over_https import HttpsBrowser

    app = make_app(
        base_url="https://localhost:8000",
        localpool={"lambda_config": {"UserMigration": legacy}},
    )
    outbox = Outbox(app.extensions["gatehouse.localpool"].mail.outbox.directory)
    arabic = i18n.translations_for("ar")
    browser = HttpsBrowser(app, outbox)
    browser.open("/login?lang=ar")
    page = browser.submit("/login", email="fb@example.com", password=LEGACY_PASSWORD)
    html = browser.text()
    assert page.status_code == 403
    assert '<html lang="ar" dir="rtl">' in html
    assert arabic.gettext("Sign-in didn't finish").replace("'", "&#39;") in html
    started = browser.get("/social/Facebook")
    assert started.status_code in (302, 303) and "identity_provider=Facebook" in started.location
    browser.open("/login")
    page = browser.submit("/login", email="down@example.com", password=LEGACY_PASSWORD)
    assert page.status_code == 503 and page.headers["Retry-After"] == "120"
    words = arabic.ngettext(
        "Please try again in about %(num)d minute.", "Please try again in about %(num)d minutes.", 2
    ) % {"num": 2}
    assert words in browser.text() and '<html lang="ar" dir="rtl">' in browser.text()


def test_a_reset_shows_only_a_refusal_the_trigger_names(browser):
    """At ForgotPassword a trigger's vocabulary reason is its page (the trigger chose to tell,
    as documented); a refusal in its own words gets the page every address gets."""
    browser.open("/forgotPassword")
    page = browser.submit("/forgotPassword", email="disabled@example.com")
    assert page.status_code == 403 and 'data-refusal="legacy_disabled"' in browser.text()
    for email in ("odd@example.com", "nobody@example.com"):
        browser.open("/forgotPassword")
        page = browser.submit("/forgotPassword", email=email)
        assert page.status_code == 303 and page.location == "/confirmForgotPassword?sent=1"


def test_a_refused_account_asking_for_a_magic_link_looks_like_an_unknown_one(make_app):
    """PreAuthentication runs for CUSTOM_AUTH too: its refusal at a link request is the
    "check your email" page every address gets, with no email (no enumeration)."""
    from .test_magic_link import ask

    magic = {
        name: f"app.triggers.magic_link:{kind}_handler"
        for name, kind in (
            ("DefineAuthChallenge", "define"),
            ("CreateAuthChallenge", "create"),
            ("VerifyAuthChallengeResponse", "verify"),
        )
    }
    app = make_app(
        localpool={"lambda_config": {**magic, "PreAuthentication": refuse_pre_authentication}}
    )
    browser = Browser(app, Outbox(app.extensions["gatehouse.localpool"].mail.outbox.directory))
    email = browser.account("blocked@example.com")
    for address in (email, "nobody-at-all@example.com"):
        page = ask(browser, address)
        assert page.status_code == 303 and page.location == "/magic-link/sent"
    assert [m for m in browser.outbox.messages(email) if "/magic/" in m.text] == []


@contextmanager
def refused_from_now(accounts: set[str], email: str):
    """While the block runs, a sign-in trigger refuses ``email`` (added to ``accounts``)."""
    accounts.add(email)
    try:
        yield
    finally:
        accounts.discard(email)


def with_passkey(browser) -> tuple[str, SoftAuthenticator]:
    """An account with a passkey made in the account pages, signed out again."""
    from .test_passkeys import add_passkey, signed_out

    email = browser.account()
    browser.sign_in(email)
    authenticator = SoftAuthenticator()
    add_passkey(browser, authenticator)
    signed_out(browser)
    return email, authenticator


def test_a_pre_authentication_refusal_at_the_passkey_button_has_its_page(browser):
    """PreAuthentication runs when the pool makes the passkey challenge: the button's answer
    is the refusal page, as a password's is."""
    email, _ = with_passkey(browser)
    with refused_from_now(REFUSED_FROM_NOW, email):
        browser.open("/login")
        page = browser.submit("/login/passkey", email=email, password="")
    html = browser.text()
    assert page.status_code == 403
    assert 'data-refusal="sign_in_refused"' in html and "gatehouse:" not in html
    assert browser.open("/account").request.path == "/login"


def test_passkey_autofill_never_tells_a_refusal(browser):
    """Autofill asks for options as an address is typed: a refused one gets a decoy's."""
    email, _ = with_passkey(browser)
    browser.open("/login")
    token = CSRF.search(browser.text()).group(1)
    with refused_from_now(REFUSED_FROM_NOW, email):
        answer = browser.http.post(
            "/login/passkey/options", data={"email": email}, headers={"X-CSRFToken": token}
        )
    assert answer.status_code == 200 and answer.json["options"]["challenge"]


def test_a_post_authentication_refusal_after_a_passkey_has_its_page(browser):
    from .test_passkeys import passkey_sign_in

    email, authenticator = with_passkey(browser)
    with refused_from_now(HELD_FROM_NOW, email):
        page = passkey_sign_in(browser, email, authenticator)
    html = browser.text()
    assert page.status_code == 403
    assert 'data-refusal="sign_in_refused"' in html and "audit store" not in html
    assert browser.open("/account").request.path == "/login"


def test_a_refused_address_asking_for_an_email_code_looks_like_an_unknown_one(browser):
    """PreAuthentication runs before the pool sends the code: a refused address gets the page
    every address gets, and no email (as a magic-link request does)."""
    from .test_email_code import ask

    email = browser.account()
    before = len(browser.outbox.messages(email))
    with refused_from_now(REFUSED_FROM_NOW, email):
        for address in (email, "nobody-code@example.com"):
            assert "/login/email-code/sent" in ask(browser, address).request.path
    assert len(browser.outbox.messages(email)) == before


def test_a_post_authentication_refusal_after_a_right_email_code_has_its_page(browser):
    from .test_email_code import ask, newest_code

    email = browser.account()
    ask(browser, email)
    with refused_from_now(HELD_FROM_NOW, email):
        page = browser.submit("/login/email-code/sent", code=newest_code(browser, email))
    html = browser.text()
    assert page.status_code == 403
    assert 'data-refusal="sign_in_refused"' in html and "audit store" not in html
    # The spent challenge is gone: the code page sends the person to ask again.
    assert browser.get("/login/email-code/sent").location.endswith("/login/email-code")


def test_a_refused_returning_provider_sign_in_says_so(browser):
    """A returning Google identity runs PreAuthentication at the pool's domain: its refusal
    comes back as Cognito's error, and Gatehouse shows the refusal's words."""
    from app.messages import text

    from .test_social import continue_as

    email = "social-refused@example.com"
    assert browser.open(continue_as(browser, email)).request.path == "/account"
    browser.open("/account")
    browser.submit("/account/signout")
    with refused_from_now(REFUSED_FROM_NOW, email):
        # The provider remembers the person: straight back from the pool's domain.
        at_pool = browser.get(browser.get("/social/Google").location)
        assert at_pool.status_code == 302
        page = browser.open(at_pool.location)
    assert page.status_code == 400
    html = browser.text()
    assert text("sign_in_refused").replace("'", "&#39;") in html and "gatehouse:" not in html
