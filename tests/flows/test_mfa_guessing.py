"""Guessing authenticator-app codes: wrong codes count per account across sign-ins (issue 10).

The pool allows a few wrong codes per challenge session, and a password sign-in gives a new
session; Gatehouse counts wrong codes per account in its own store, so the limit holds whatever
the session, and with a real pool too.
"""

from __future__ import annotations

import pyotp
import pytest

from app.messages import text

from .conftest import Browser, app_tokens


def with_totp(app, browser: Browser) -> tuple[str, pyotp.TOTP]:
    """An account whose sign-in asks for an authenticator-app code."""
    email = browser.account()
    idp = app.extensions["gatehouse.userpool"].client
    access = app_tokens(app, email)["AccessToken"]
    totp = pyotp.TOTP(idp.associate_software_token(AccessToken=access)["SecretCode"])
    idp.verify_software_token(AccessToken=access, UserCode=totp.now())
    idp.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    return email, totp


def _wrong(totp: pyotp.TOTP, now: float) -> str:
    """A code the authenticator app does not show now (nor in the window either side)."""
    shown = {totp.at(now + step) for step in (-30, 0, 30)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in shown)


def _answer(browser: Browser, email: str, code: str):
    """Sign in with the password (a new challenge session) and answer with a code."""
    assert browser.sign_in(email).location == "/login/challenge"
    browser.open("/login/challenge")
    return browser.submit("/login/challenge", code=code)


def _page(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'")


def test_five_wrong_codes_across_sign_ins_pause_the_account(app, outbox, clock):
    email, totp = with_totp(app, Browser(app, outbox))
    attacker = Browser(app, outbox)
    for _ in range(5):  # a new password sign-in, so a fresh challenge session, every time
        response = _answer(attacker, email, _wrong(totp, clock.now))
        assert response.status_code == 200 and text("mfa_code_wrong") in _page(response)
    # Now even the right code, in a new session and another browser, is refused, clearly.
    owner = Browser(app, outbox)
    refused = _answer(owner, email, totp.at(clock.now))
    assert refused.status_code == 429
    assert text("mfa_locked") in _page(refused) and "email" not in text("mfa_locked")
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert owner.get("/account").status_code != 200
    # A different account is not affected.
    other, other_totp = with_totp(app, Browser(app, outbox))
    assert _answer(Browser(app, outbox), other, other_totp.at(clock.now)).location == "/account"
    # The pause ends on its own.
    clock.advance(15 * 60 + 1)
    assert _answer(owner, email, totp.at(clock.now)).location == "/account"


def test_wrong_codes_within_one_session_count_too(app, outbox, clock):
    email, totp = with_totp(app, Browser(app, outbox))
    browser = Browser(app, outbox)
    for _session in range(2):
        _answer(browser, email, _wrong(totp, clock.now))
        for _ in range(2):  # the pool allows three per session
            browser.submit("/login/challenge", code=_wrong(totp, clock.now))
    assert _answer(browser, email, totp.at(clock.now)).status_code == 429


def test_a_right_code_does_not_count_as_wrong(app, outbox, clock):
    email, totp = with_totp(app, Browser(app, outbox))
    for _ in range(8):
        browser = Browser(app, outbox)
        assert _answer(browser, email, totp.at(clock.now)).location == "/account"
        clock.advance(31)  # the pool accepts each code once per time step


@pytest.mark.parametrize("code", ["12ab56", "12345", "١٢٣٤٥٦"])
def test_a_malformed_code_is_explained_in_words_about_the_authenticator_app(app, outbox, code):
    email, _ = with_totp(app, Browser(app, outbox))
    browser = Browser(app, outbox)
    response = _answer(browser, email, code)
    page = _page(response)
    assert response.status_code == 200
    assert "authenticator app" in page and "from the email" not in page


def test_the_challenge_page_is_rate_limited(make_app, outbox):
    app = make_app(rate_limit_ip="2 per minute")
    email, _ = with_totp(app, Browser(app, outbox))
    browser = Browser(app, outbox)
    browser.sign_in(email)
    browser.open("/login/challenge")
    for _ in range(2):
        assert browser.submit("/login/challenge", code="12ab56").status_code == 200
    assert browser.submit("/login/challenge", code="12ab56").status_code == 429
