"""Retry-After and the page's words agree; oversized bodies are refused; HSTS in production."""

from __future__ import annotations

import re

from tests.conftest import cognito_settings

from .conftest import PASSWORD, Browser


def _words_and_header(response) -> tuple[int, int]:
    """The Retry-After header and the number of seconds the page tells the person."""
    said = re.search(r"try again in about (\d+) second", response.get_data(as_text=True))
    assert said, response.get_data(as_text=True)
    return int(response.headers["Retry-After"]), int(said.group(1))


def test_a_throttled_sign_in_page_says_what_its_header_says(make_app, outbox):
    app = make_app(aws_max_attempts=1)
    browser = Browser(app, outbox)
    browser.open("/login")
    pool = app.extensions["gatehouse.localpool"]
    pool.throttle["UserAuthentication"] = 0.001
    pool.admit("UserAuthentication")
    response = browser.submit("/login", email="someone@example.com", password=PASSWORD)
    assert response.status_code == 503
    header, words = _words_and_header(response)
    assert header == words == 5  # Flask-Limiter used to overwrite the header with 60


def test_a_rate_limited_page_says_when_the_limit_lets_it_in(make_app, outbox):
    app = make_app(rate_limit_ip="2 per minute")
    browser = Browser(app, outbox)
    for _ in range(2):
        browser.sign_in("a@example.com", "x")
    response = browser.sign_in("a@example.com", "x")
    assert response.status_code == 429
    header, words = _words_and_header(response)
    assert header == words and 0 < header <= 61


def test_an_oversized_body_is_refused_before_it_is_parsed(client):
    response = client.post("/login", data={"email": "a" * (300 * 1024)})
    assert response.status_code == 413
    assert "more data than this page accepts" in response.get_data(as_text=True)


def test_hsts_in_cognito_mode_only(make_app):
    production = make_app(**cognito_settings())
    response = production.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    local = make_app(base_url="https://localhost:8000").test_client().get("/healthz")
    assert "Strict-Transport-Security" not in local.headers
