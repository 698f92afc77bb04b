"""Signing in with an emailed one-time code (USER_AUTH's EMAIL_OTP), as a person without
JavaScript does it."""

from __future__ import annotations

import pytest

from tests.conftest import code_in

from .conftest import Browser, without_tokens
from .oauth2_app import CALLBACK, authorize_url, code_of, exchange
from .test_passkeys import turn_on_totp

DEMO = "/login/email-code?client_id=demo"  # the demo brand offers email codes


def ask(browser: Browser, email: str, page: str = DEMO):
    """Ask for a code; returns the "check your email" page."""
    browser.open(page)
    response = browser.submit("/login/email-code", email=email)
    assert response.status_code == 303 and response.location.endswith("/login/email-code/sent")
    return browser.open(response.location)


def newest_code(browser: Browser, email: str) -> str:
    """The code in the newest email to the address."""
    return code_in(browser.outbox.messages(email)[-1].html)


def test_an_emailed_code_signs_in_to_an_app(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    verifier = "v" * 64
    assert browser.get(authorize_url("demo", verifier)).status_code == 303
    ask(browser, email, "/login/email-code")
    mail = outbox.messages(email)[-1]
    assert "sign-in code" in mail.subject and "Demo app" in mail.subject
    response = browser.submit("/login/email-code/sent", code=newest_code(browser, email))
    assert response.status_code == 303 and response.location.startswith(CALLBACK)
    assert exchange(browser.http, code_of(response.location), verifier).status_code == 200


def test_a_code_pasted_with_spaces_signs_in_here(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    ask(browser, email)
    code = newest_code(browser, email)
    response = browser.submit("/login/email-code/sent", code=f" {code[:3]} {code[3:]} ")
    assert browser.open(response.location).request.path == "/account"


def test_the_code_email_is_branded_and_in_the_chosen_language(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    ask(browser, email, DEMO + "&lang=fr")
    mail = outbox.messages(email)[-1]
    assert 'lang="fr"' in mail.html and "Demo app" in mail.html
    # A code only: no link that would sign in whoever opens it.
    assert "/login/email-code" not in mail.html and "/magic/" not in mail.html


def test_a_known_and_an_unknown_address_get_the_same_pages(app, outbox):
    Browser(app, outbox).account("known@example.com")
    seen = []
    for email in ("known@example.com", "unknown@example.com"):
        browser = Browser(app, outbox)
        sent = ask(browser, email)
        pages = [without_tokens(sent.get_data(as_text=True))]
        for _ in range(3):  # three wrong codes spend it, for both alike
            answer = browser.submit("/login/email-code/sent", code="000000")
            followed = browser.open(answer.location) if answer.status_code == 303 else answer
            pages.append((answer.status_code, without_tokens(followed.get_data(as_text=True))))
        seen.append([str(page).replace(email, "EMAIL") for page in pages])
    assert seen[0] == seen[1]
    assert "isn&#39;t right" in seen[0][1] and "be used any more" in seen[0][3]


def test_a_wrong_code_keeps_the_page_and_the_right_one_then_works(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    ask(browser, email)
    code = newest_code(browser, email)
    wrong = "000000" if code != "000000" else "111111"
    page = browser.submit("/login/email-code/sent", code=wrong)
    assert page.status_code == 200 and "isn&#39;t right" in page.get_data(as_text=True)
    response = browser.submit("/login/email-code/sent", code=code)
    assert browser.open(response.location).request.path == "/account"


@pytest.mark.parametrize("typed", ["12345", "abcdef", "1234567", ""])
def test_a_malformed_code_says_what_a_code_looks_like(app, outbox, typed):
    browser = Browser(app, outbox)
    ask(browser, "someone@example.com")
    page = browser.submit("/login/email-code/sent", code=typed)
    assert page.status_code == 200 and 'aria-invalid="true"' in page.get_data(as_text=True)


def test_an_expired_code_starts_again(app, outbox, clock):
    browser = Browser(app, outbox)
    email = browser.account()
    ask(browser, email)
    code = newest_code(browser, email)
    clock.advance(4 * 60)
    response = browser.submit("/login/email-code/sent", code=code)
    assert response.location.endswith("/login/email-code")
    assert "be used any more" in browser.open(response.location).get_data(as_text=True)


def test_an_account_with_an_authenticator_app_is_not_signed_in_by_a_code(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    turn_on_totp(app, email)
    ask(browser, email)
    response = browser.submit("/login/email-code/sent", code=newest_code(browser, email))
    assert "/login" in response.location
    assert "emailed code isn" in browser.open(response.location).get_data(as_text=True)
    assert browser.open("/account").request.path == "/login"


def test_a_brand_that_does_not_offer_codes_sends_none(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    browser.open("/login/email-code?client_id=northwind")
    count = len(outbox.messages(email))
    response = browser.submit("/login/email-code", email=email)
    assert response.location.endswith("/login") and len(outbox.messages(email)) == count


def test_the_code_form_needs_the_csrf_token(app, outbox):
    browser = Browser(app, outbox)
    browser.open(DEMO)
    assert (
        browser.http.post("/login/email-code", data={"email": "a@example.com"}).status_code == 400
    )
