"""/demo, the local mode's tiny relying party, through the test client: no server, any base URL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import Browser


def follow(browser: Browser, response, base: str):
    """Follow redirects that stay on the app (relative, or at its base URL)."""
    while response.status_code in (302, 303) and (
        response.location.startswith("/") or response.location.startswith(base)
    ):
        response = browser.get(response.location)
    return response


@pytest.mark.parametrize("base", ["http://localhost:8000", "https://localhost:9443"])
def test_the_demo_signs_in_and_shows_the_verified_claims(make_app, outbox, base):
    app = make_app(base_url=base)
    browser = Browser(app, outbox)
    email = browser.account()
    response = browser.get("/demo/login?client=demo")
    assert response.status_code == 303
    response = follow(browser, response, base)
    assert "Sign in" in response.get_data(as_text=True)
    response = browser.submit("/login", email=email, password="Corr3ct-horse")
    assert response.status_code == 303 and response.location.startswith(f"{base}/demo/callback?")
    page = follow(browser, response, base)
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    html = page.get_data(as_text=True)
    assert 'id="claims"' in html and email in html


def started_callback(browser: Browser, **query: str):
    """Start a demo sign-in, then open its callback with the right state and other values."""
    login = browser.get("/demo/login?client=demo")
    state = parse_qs(urlsplit(login.location).query)["state"][0]
    return browser.get("/demo/callback", query_string={"state": state, **query})


@pytest.mark.parametrize("code", ["bogus", "", "x" * 500, "\u00e9\u00e9"])
def test_a_bad_code_is_a_clear_page(browser: Browser, code):
    response = started_callback(browser, code=code)
    assert response.status_code == 400
    assert "The sign-in did not complete" in response.get_data(as_text=True)


def test_a_replayed_code_is_a_clear_page(app, browser: Browser):
    email = browser.account()
    login = browser.get("/demo/login?client=demo")
    state = parse_qs(urlsplit(login.location).query)["state"][0]
    cookie = browser.http.get_cookie("demo_rp", path="/demo").value
    follow(browser, login, app.extensions["gatehouse.settings"].base_url)
    callback = browser.submit("/login", email=email, password="Corr3ct-horse").location
    assert browser.get(callback).status_code == 303
    # The same callback again, with the demo's cookie as it was before the first one.
    browser.http.set_cookie("demo_rp", cookie, path="/demo")
    replay = browser.get(callback)
    assert replay.status_code == 400
    assert parse_qs(urlsplit(callback).query)["state"] == [state]
