"""/login and its follow-ups: challenges, unconfirmed users, resets, sessions, the busy page."""

from __future__ import annotations

from app.messages import text

from .conftest import PASSWORD, Browser, app_tokens
from .test_mfa_guessing import with_totp


def test_sign_in_lands_on_the_account_page_with_a_new_session_id(browser: Browser):
    email = browser.account()
    browser.open("/login")
    before = browser.http.get_cookie("session")
    response = browser.submit("/login", email=email, password=PASSWORD)
    assert response.status_code == 303 and response.location == "/account"
    after = browser.http.get_cookie("session")
    assert before is not None and after.value != before.value
    assert email in browser.open("/account").get_data(as_text=True)
    # The old session id no longer opens the session.
    other = browser.app.test_client()
    other.set_cookie("session", before.value)
    assert other.get("/account").status_code == 303


def test_session_cookie_is_small_and_httponly(browser: Browser):
    browser.sign_in(browser.account())
    cookie = browser.http.get_cookie("session")
    assert len(cookie.value) < 100 and cookie.http_only and cookie.same_site == "Lax"


def test_wrong_password_keeps_the_email_and_says_so(browser: Browser):
    email = browser.account()
    response = browser.sign_in(email, "Wr0ng-password")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert text("invalid_credentials").replace("'", "&#39;") in html
    assert f'value="{email}"' in html and "Wr0ng-password" not in html


def test_unconfirmed_user_is_taken_to_confirmation_with_resend(browser: Browser, app):
    email = "unconfirmed@example.com"
    browser.open("/signup")
    browser.submit("/signup", email=email, password=PASSWORD)
    response = browser.sign_in(email)
    assert response.status_code == 303 and response.location == "/confirm"
    page = browser.open("/confirm").get_data(as_text=True)
    assert "send a new code" in page and email in page


def test_reset_required_goes_to_the_reset_flow(browser: Browser, app):
    email = browser.account()
    pool = app.extensions["gatehouse.localpool"]
    with pool.db.transaction() as conn:
        user = pool.find_user(conn, email)
        user["status"] = "RESET_REQUIRED"
        pool.save_user(conn, user)
    response = browser.sign_in(email)
    assert response.status_code == 303 and response.location.startswith("/forgotPassword?email=")


def test_new_password_required(browser: Browser, app):
    idp = app.extensions["gatehouse.userpool"].client
    idp.admin_create_user(
        UserPoolId="us-east-1_gatehouse",
        Username="invited@example.com",
        TemporaryPassword="Temp0rary-pass",
        MessageAction="SUPPRESS",
    )
    response = browser.sign_in("invited@example.com", "Temp0rary-pass")
    assert response.location == "/login/challenge"
    page = browser.open("/login/challenge").get_data(as_text=True)
    assert 'autocomplete="new-password"' in page and "At least 8 characters" in page
    browser.submit("/login/challenge", password="weak")
    assert text("password_policy").replace("'", "&#39;") in browser.text()
    response = browser.submit("/login/challenge", password="N3w-password!")
    assert response.location == "/account"


def test_software_token_mfa(browser: Browser, app):
    email, totp = with_totp(app, browser)
    assert browser.sign_in(email).location == "/login/challenge"
    page = browser.open("/login/challenge").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page
    browser.submit("/login/challenge", code="000000" if totp.now() != "000000" else "111111")
    assert text("mfa_code_wrong").replace("'", "&#39;") in browser.text()
    assert browser.submit("/login/challenge", code=totp.now()).location == "/account"


def test_sign_out_everywhere_revokes_tokens(browser: Browser, app):
    email = browser.account()
    idp = app.extensions["gatehouse.userpool"].client
    elsewhere = app_tokens(app, email)
    browser.sign_in(email)
    browser.open("/account")
    response = browser.submit("/account/signout-everywhere")
    assert response.location == "/login"
    assert browser.get("/account").status_code == 303
    import pytest
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError):
        idp.get_user(AccessToken=elsewhere["AccessToken"])


def test_the_pool_throttling_shows_the_busy_page(make_app, outbox):
    app = make_app(aws_max_attempts=1)
    browser = Browser(app, outbox)
    app.extensions["gatehouse.localpool"].throttle["UserAuthentication"] = 0.001
    app.extensions["gatehouse.localpool"].admit("UserAuthentication")  # use up the second
    response = browser.sign_in("someone@example.com")
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    assert text("throttled").replace("'", "&#39;") in response.get_data(as_text=True)


def test_sign_in_is_rate_limited_per_account(make_app, outbox):
    app = make_app(rate_limit_account="3 per minute")
    browser = Browser(app, outbox)
    for _ in range(3):
        assert browser.sign_in("target@example.com", "Wr0ng-password").status_code == 200
    response = browser.sign_in("target@example.com", "Wr0ng-password")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert text("rate_limited") in response.get_data(as_text=True)
    assert browser.sign_in("other@example.com", "Wr0ng-password").status_code == 200


def test_sign_in_is_rate_limited_per_ip(make_app, outbox):
    app = make_app(rate_limit_ip="2 per minute")
    browser = Browser(app, outbox)
    browser.sign_in("a@example.com", "x")
    browser.sign_in("b@example.com", "x")
    assert browser.sign_in("c@example.com", "x").status_code == 429
