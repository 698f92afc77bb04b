"""/signup, confirmation by link and code, resend, and the forgot-password flow."""

from __future__ import annotations

import re

from app.messages import text

from .conftest import PASSWORD, Browser


def _link(mail, path: str) -> str:
    """The Gatehouse link in an email's text part, as a path."""
    url = re.search(r"\((http://localhost:8000" + re.escape(path) + r"\?[^)]+)\)", mail.text).group(
        1
    )
    return url.replace("http://localhost:8000", "")


def test_sign_up_sends_a_link_whose_get_consumes_nothing(browser: Browser, outbox, app):
    browser.open("/signup")
    page = browser.text()
    assert 'autocomplete="new-password"' in page and "At least 8 characters" in page
    browser.submit("/signup", email="New.Person@Example.com", password=PASSWORD)
    mail = outbox.messages("new.person@example.com")[-1]
    link = _link(mail, "/confirm")
    for _ in range(2):  # a mail scanner opening the link changes nothing
        assert "Confirm my email" in browser.open(link).get_data(as_text=True)
    idp = app.extensions["gatehouse.userpool"].client
    assert (
        idp.admin_get_user(UserPoolId="us-east-1_gatehouse", Username="new.person@example.com")[
            "UserStatus"
        ]
        == "UNCONFIRMED"
    )
    code = re.search(r"code=(\d{6})", link).group(1)
    response = browser.submit("/confirm", email="new.person@example.com", code=code)
    assert response.location.startswith("/login")
    assert (
        idp.admin_get_user(UserPoolId="us-east-1_gatehouse", Username="new.person@example.com")[
            "UserStatus"
        ]
        == "CONFIRMED"
    )


def test_sign_up_to_an_existing_address_looks_the_same_and_tells_the_owner(
    browser: Browser, outbox
):
    email = browser.account()
    fresh = Browser(browser.app, outbox)
    fresh.open("/signup")
    existing = fresh.submit("/signup", email=email, password=PASSWORD)
    other = Browser(browser.app, outbox)
    other.open("/signup")
    new = other.submit("/signup", email="brand-new@example.com", password=PASSWORD)
    assert (existing.status_code, existing.location) == (new.status_code, new.location)
    notice = outbox.messages(email)[-1]
    assert notice.subject == "Someone tried to sign up with your email"
    assert "/forgotPassword" in notice.text


def test_weak_password_is_explained_and_the_email_kept(browser: Browser):
    browser.open("/signup")
    browser.submit("/signup", email="weak@example.com", password="weakpass")
    assert text("password_policy").replace("'", "&#39;") in browser.text()
    assert 'value="weak@example.com"' in browser.text()


def test_wrong_and_expired_codes(browser: Browser, clock):
    browser.open("/signup")
    browser.submit("/signup", email="codes@example.com", password=PASSWORD)
    browser.open("/confirm")
    browser.submit(
        "/confirm",
        email="codes@example.com",
        code="000000" if browser.last_code("codes@example.com") != "000000" else "111111",
    )
    assert text("confirm_code_wrong").replace("'", "&#39;") in browser.text()
    clock.advance(25 * 3600)  # the session expires too: open the page again, as a person would
    browser.open("/confirm")
    browser.submit(
        "/confirm", email="codes@example.com", code=browser.last_code("codes@example.com")
    )
    assert text("code_expired") in browser.text()
    browser.submit("/confirm/resend", email="codes@example.com")
    browser.open("/confirm")
    response = browser.submit(
        "/confirm", email="codes@example.com", code=browser.last_code("codes@example.com")
    )
    assert response.location.startswith("/login")


def test_forgot_password_by_link(browser: Browser, outbox):
    email = browser.account()
    browser.open("/forgotPassword")
    response = browser.submit("/forgotPassword", email=email)
    assert response.location == "/confirmForgotPassword?sent=1"
    link = _link(outbox.messages(email)[-1], "/confirmForgotPassword")
    page = browser.open(link).get_data(as_text=True)
    assert 'autocomplete="new-password"' in page and "At least 8 characters" in page
    code = re.search(r"code=(\d{6})", link).group(1)
    response = browser.submit(
        "/confirmForgotPassword", email=email, code=code, password="N3w-password!"
    )
    assert response.location.startswith("/login")
    assert browser.sign_in(email, "N3w-password!").location == "/account"


def test_forgot_password_wrong_code_keeps_the_form(browser: Browser):
    email = browser.account()
    browser.open("/forgotPassword")
    browser.submit("/forgotPassword", email=email)
    browser.open("/confirmForgotPassword")
    browser.submit(
        "/confirmForgotPassword",
        email=email,
        code="999999" if browser.last_code(email) != "999999" else "888888",
        password="N3w-password!",
    )
    assert text("reset_code_wrong").replace("'", "&#39;") in browser.text()
    assert f'value="{email}"' in browser.text()


def test_the_pools_required_attributes_become_fields(make_app, outbox):
    app = make_app(localpool={"required_attributes": ["email", "given_name"]})
    browser = Browser(app, outbox)
    page = browser.open("/signup").get_data(as_text=True)
    assert 'name="attr_given_name"' in page and "First name" in page
    browser.submit("/signup", email="named@example.com", password=PASSWORD)
    assert "attr_given_name" in browser.text() and browser.page.status_code == 200  # refused, kept
    response = browser.submit(
        "/signup", email="named@example.com", password=PASSWORD, attr_given_name="Ada"
    )
    assert response.status_code == 303
    idp = app.extensions["gatehouse.userpool"].client
    user = idp.admin_get_user(UserPoolId="us-east-1_gatehouse", Username="named@example.com")
    assert {"Name": "given_name", "Value": "Ada"} in user["UserAttributes"]


def test_links_in_emails_ignore_the_host_header(make_app, outbox):
    # Local mode refuses a foreign Host outright (hosts.py); served to a network it must not matter.
    app = make_app(dangerously_serve_local_mode_on_network=True)
    email = Browser(app, outbox).account()
    attacker = Browser(app, outbox)
    attacker.http.environ_base["HTTP_HOST"] = "evil.example.com"
    attacker.open("/signup")
    attacker.submit("/signup", email=email, password=PASSWORD)
    notice = outbox.messages(email)[-1]
    assert notice.subject == "Someone tried to sign up with your email"
    assert "evil.example.com" not in notice.text + notice.html
    assert "http://localhost:8000/forgotPassword" in notice.text


def test_a_code_pasted_with_its_digits_grouped_confirms(browser: Browser, outbox):
    """Emails and apps group a code's digits; "123 456" as pasted is the code 123456."""
    email = "grouped@example.com"
    browser.open("/signup")
    browser.submit("/signup", email=email, password=PASSWORD)
    code = browser.last_code(email)
    browser.open("/confirm")
    response = browser.submit("/confirm", email=email, code=f" {code[:3]} {code[3:]}\t")
    assert response.status_code == 303 and response.location.startswith("/login")
