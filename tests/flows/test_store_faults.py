"""When the store fails, people get the branded 503 with Retry-After (words and header agree),
/readyz says not ready, and nothing claims a sign-in that was not saved (issue 10)."""

from __future__ import annotations

import re

import pytest

from app.store import RedisStore, StoreUnavailable

from .conftest import PASSWORD, Browser


def _break(app) -> None:
    """Make every store call fail, as a full disk or a dead Redis would."""
    store = app.extensions["gatehouse.store"]

    def fail(*_args, **_kwargs):
        raise StoreUnavailable("injected")

    for name in ("put", "get", "take", "add", "replace", "delete", "keys", "ping"):
        setattr(store, name, fail)


def _agrees(response) -> None:
    """A 503 whose Retry-After is the number the page says."""
    assert response.status_code == 503
    seconds = int(response.headers["Retry-After"])
    assert f"about {seconds} seconds" in response.get_data(as_text=True)


def test_a_signed_in_person_gets_the_503_when_the_store_cannot_be_read(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    browser.sign_in(email)
    _break(app)
    response = browser.get("/account")
    _agrees(response)
    assert "session storage" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_sign_in_that_cannot_be_saved_is_not_reported_as_done(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    browser.open("/login")
    store = app.extensions["gatehouse.store"]
    original = store.put

    def fail_sessions(key, value, ttl):
        if key.startswith("session:"):
            raise StoreUnavailable("disk full")
        return original(key, value, ttl)

    store.put = fail_sessions
    response = browser.submit("/login", email=email, password=PASSWORD)
    _agrees(response)  # not a 303 to /account: the session was never written
    store.put = original
    assert browser.get("/account").status_code == 303  # and indeed not signed in


def test_readiness_reports_the_store(app, client):
    assert client.get("/readyz").status_code == 200
    _break(app)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json["store"] == "unavailable"
    assert int(response.headers["Retry-After"]) > 0
    assert client.get("/healthz").status_code == 200  # alive all the same


def test_a_dead_redis_gives_the_503(make_app, outbox):
    app = make_app(redis_url="redis://127.0.0.1:1/0")  # nothing listens on port 1
    assert isinstance(app.extensions["gatehouse.store"], RedisStore)
    browser = Browser(app, outbox)
    assert browser.open("/login").status_code == 200  # an anonymous page needs no store
    _agrees(browser.submit("/login", email="someone@example.com", password=PASSWORD))
    assert browser.get("/readyz").json["store"] == "unavailable"


def test_an_anonymous_visitor_writes_nothing_to_the_store(app, outbox):
    store = app.extensions["gatehouse.store"]
    browser = Browser(app, outbox)
    for path in ("/", "/login", "/signup", "/forgotPassword", "/login", "/magic-link"):
        browser.open(path)
    assert store.keys("session:") == []
    # The form still works: its token lived in the cookie.
    email = browser.account()
    assert browser.sign_in(email).location == "/account"
    assert len(store.keys("session:")) == 1


def test_anonymous_pages_still_work_while_the_store_is_down(app, outbox):
    _break(app)
    browser = Browser(app, outbox)
    page = browser.open("/login")
    assert page.status_code == 200 and re.search(r'name="csrf_token"', browser.text())


@pytest.mark.parametrize("path", ["/login", "/signup"])
def test_a_signed_out_session_leaves_no_record(app, outbox, path):
    store = app.extensions["gatehouse.store"]
    browser = Browser(app, outbox)
    email = browser.account()
    browser.sign_in(email)
    browser.open("/account")
    browser.submit("/account/signout")
    browser.open(path)
    assert store.keys("session:") == []
