"""Hostile form input gets a clear 4xx or the form again, never a 5xx (issue 10, "5xx")."""

from __future__ import annotations

import pytest

from .conftest import CSRF, PASSWORD


def _token(browser, page: str) -> str:
    """The CSRF token of a page (opened in this browser)."""
    browser.open(page)
    return CSRF.search(browser.text()).group(1)


@pytest.mark.parametrize("path", ["/login", "/signup", "/forgotPassword", "/confirm"])
def test_json_bodies_are_not_form_posts(browser, path):
    token = _token(browser, path)
    body = '{"email": "\\ud800@example.com", "password": "\\udfff", "code": "\\ud800"}'
    response = browser.http.post(
        path, data=body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    # The token came in a header, so the request passes CSRF; the form then has no fields.
    assert response.status_code == 200
    assert "This field is required" in response.get_data(as_text=True)


def test_other_scripts_digits_are_not_a_code(browser, outbox):
    email = f"digits-{id(browser)}@example.com"
    browser.open("/signup")
    browser.submit("/signup", email=email, password=PASSWORD)
    browser.open("/confirm")
    response = browser.submit("/confirm", email=email, code="١٢٣٤٥٦")
    assert response.status_code == 200
    assert "Enter the 6-digit code from the email." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "address",
    ["a,x@evil.co", "victim@example.com\r\nBcc: x@evil.co", "a@b.co\n@evil.co", "no-at-sign"],
)
def test_addresses_that_are_not_one_mailbox_are_refused(browser, outbox, address):
    browser.open("/signup")
    response = browser.submit("/signup", email=address, password=PASSWORD)
    assert response.status_code == 200
    assert "Enter an email address like name@example.com." in browser.text()
    assert outbox.messages() == []


def test_control_characters_in_attributes_are_refused(make_app, outbox):
    from .conftest import Browser

    app = make_app(localpool={"required_attributes": ["email", "name"]})
    browser = Browser(app, outbox)
    browser.open("/signup")
    browser.submit(
        "/signup", email="ctl@example.com", password=PASSWORD, attr_name="Eve\x00\r\nBcc: x"
    )
    assert "characters that can't be used here" in browser.text()
    assert outbox.messages() == []
