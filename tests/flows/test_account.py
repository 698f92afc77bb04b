"""Account self-service: recent sign-in, password change, and their refusals."""

from __future__ import annotations

from app.messages import text

from .conftest import PASSWORD, Browser, app_tokens

NEW = "N3w-password!"


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


def _refresh_works(app, tokens: dict) -> bool:
    """Whether the app's refresh token still gives tokens."""
    from botocore.exceptions import ClientError

    idp = app.extensions["gatehouse.userpool"].client
    try:
        idp.initiate_auth(
            ClientId="demo",
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
        )
    except ClientError:
        return False
    return True


def test_the_password_page_offers_signing_out_other_devices_checked(signed_in):
    browser, _ = signed_in
    page = browser.open("/account/password").get_data(as_text=True)
    assert 'name="sign_out_others"' in page and "checked" in page


def test_a_password_change_signs_out_other_devices_and_stays_signed_in_here(app, signed_in, outbox):
    browser, email = signed_in
    other = Browser(app, outbox)
    other.sign_in(email)
    phone_app = app_tokens(app, email)
    browser.open("/account/password")
    # The box is checked by default, so a browser sends it.
    response = browser.submit(
        "/account/password", current=PASSWORD, password=NEW, sign_out_others="y"
    )
    assert response.location == "/account"
    assert browser.open("/account").status_code == 200  # still signed in here
    assert text("password_updated_signed_out_others") in browser.text()
    assert other.get("/account").status_code == 303  # the other browser is signed out
    assert not _refresh_works(app, phone_app)  # and so is the app
    notice = outbox.messages(email)[-1]
    assert notice.subject == "Your password was changed"
    assert "has been signed out" in notice.text


def test_a_password_change_may_leave_other_devices_signed_in(app, signed_in, outbox):
    browser, email = signed_in
    other = Browser(app, outbox)
    other.sign_in(email)
    phone_app = app_tokens(app, email)
    browser.open("/account/password")
    browser.submit("/account/password", current=PASSWORD, password=NEW)  # box unticked
    assert other.get("/account").status_code == 200 and _refresh_works(app, phone_app)
    assert "stay signed in" in outbox.messages(email)[-1].text


def test_password_guesses_on_the_account_pages_are_rate_limited(make_app, outbox, clock):
    """Someone at a signed-in browser who does not know its password must not get unlimited
    guesses through "confirm it's you" or the current-password field."""
    app = make_app(rate_limit_ip="3 per minute")
    browser = Browser(app, outbox)
    browser.sign_in(browser.account())
    for path, field in (("/account/password", "current"), ("/account/confirm", "password")):
        for _ in range(3):
            browser.open(path)
            assert (
                browser.submit(path, **{field: "Wr0ng-password", "password": NEW}).status_code
                == 200
            )
        browser.open(path)
        assert browser.submit(path, **{field: "Wr0ng-password", "password": NEW}).status_code == 429
