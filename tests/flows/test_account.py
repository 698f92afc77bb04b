"""Account self-service: recent sign-in, password change, and their refusals."""

from __future__ import annotations

import pytest

from app.messages import text

from .conftest import PASSWORD, Browser

NEW = "N3w-password!"


@pytest.fixture
def signed_in(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    browser.sign_in(email)
    return browser, email


def test_password_change_tells_the_account_address(signed_in, outbox):
    browser, email = signed_in
    page = browser.open("/account/password").get_data(as_text=True)
    assert 'autocomplete="current-password"' in page and "At least 8 characters" in page
    response = browser.submit("/account/password", current=PASSWORD, password=NEW)
    assert response.location == "/account"
    assert outbox.messages(email)[-1].subject == "Your password was changed"
    assert Browser(browser.app, outbox).sign_in(email, NEW).location == "/account"


def test_a_wrong_current_password_changes_nothing(signed_in, outbox):
    browser, email = signed_in
    browser.open("/account/password")
    browser.submit("/account/password", current="Wr0ng-password", password=NEW)
    assert text("current_password_wrong").replace("'", "&#39;") in browser.text()
    assert Browser(browser.app, outbox).sign_in(email, PASSWORD).location == "/account"


def test_an_old_sign_in_must_be_confirmed_first(signed_in, clock, outbox):
    browser, email = signed_in
    clock.advance(6 * 60)
    response = browser.get("/account/password")
    assert response.status_code == 303 and response.location.startswith(
        "/account/confirm?next=account.password"
    )
    browser.open(response.location)
    browser.submit(response.location, password="Wr0ng-password")
    assert text("invalid_credentials").replace("'", "&#39;") in browser.text()
    response = browser.submit(response.location, password=PASSWORD)
    assert response.location == "/account/password"
    assert browser.get("/account/password").status_code == 200


def test_the_confirm_page_never_returns_to_an_outside_address(signed_in):
    browser, _ = signed_in
    browser.open("/account/confirm?next=https://evil.example.com/")
    response = browser.submit("/account/confirm?next=https://evil.example.com/", password=PASSWORD)
    assert response.location == "/account"


def test_not_signed_in_goes_to_sign_in(client):
    assert client.get("/account/password").location == "/login"
