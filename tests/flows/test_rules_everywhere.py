"""DESIGN.md §5 on every route: CSRF on every form POST, the security headers on every page."""

from __future__ import annotations

import pytest

from app import create_app

# Endpoints for machines, authenticated by client credentials or AWS signatures, not cookies.
NO_CSRF = {
    "oauth2.token",
    "oauth2.revoke",
    "oauth2.userinfo",
    "localpool.api",
    "localpool_domain.token",
    "localpool_domain.revoke",
    "localpool_domain.userinfo",
}


def _rules(methods: str):
    app = create_app({"TESTING": True, "data_dir": "/tmp/gatehouse-rules"})
    for rule in app.url_map.iter_rules():
        if methods in rule.methods and rule.endpoint not in NO_CSRF and rule.endpoint != "static":
            yield rule


POST_RULES = sorted({r.rule for r in _rules("POST")})
GET_PAGES = sorted({r.rule for r in _rules("GET") if "<" not in r.rule})


def test_there_are_forms_to_protect():
    assert {
        "/login",
        "/signup",
        "/confirm",
        "/confirm/resend",
        "/forgotPassword",
        "/confirmForgotPassword",
        "/login/challenge",
        "/account/signout-everywhere",
    } <= set(POST_RULES)


@pytest.mark.parametrize("path", POST_RULES)
def test_a_post_without_csrf_token_is_refused_and_changes_nothing(browser, outbox, path):
    email = browser.account()
    browser.sign_in(email)
    sent = len(outbox.messages())
    fields = {"email": email, "password": "N3w-password!", "code": "123456"}
    response = browser.http.post(path, data=fields)
    assert response.status_code == 400
    response = browser.http.post(path, data={**fields, "csrf_token": "forged"})
    assert response.status_code == 400
    assert len(outbox.messages()) == sent
    assert browser.open("/account").status_code == 200  # still signed in, nothing changed


@pytest.mark.parametrize("path", GET_PAGES)
def test_security_headers_on_every_page(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_carry_no_inline_script(browser):
    for path in GET_PAGES:
        html = browser.get(path).get_data(as_text=True)
        assert "<script" not in html or 'nonce="' in html
