"""Two requests of one browser in flight at once: the one that answers last must not undo what
the other did (a sign-in, a sign-out) by writing its stale copy of the session, nor point the
browser's cookie back at it.

A real browser does this on the sign-in page: the passkey-autofill script asks for options as
soon as the address is typed, and the person presses "Sign in" while that request (padded to the
sign-in's equal time) is still running. Tried in Chromium, the sign-in was sometimes lost: the
options' answer came last and its cookie replaced the signed-in one.
"""

from __future__ import annotations

import threading
from http.cookies import SimpleCookie

from flask import Flask
from werkzeug.test import EnvironBuilder

from app.flows import passkey_signin
from app.web.sessions import ServerSession

from .conftest import CSRF, PASSWORD, Browser
from .test_sso import authorize_url


def cookie_name(app: Flask) -> str:
    """The session cookie's name (``__Host-session`` over https)."""
    return app.config["SESSION_COOKIE_NAME"]


def alongside(browser: Browser):
    """A second test client holding the browser's session cookie as it is now: the request it
    sends is one the browser started before its next one."""
    other = browser.app.test_client()
    name = cookie_name(browser.app)
    cookie = browser.http.get_cookie(name)
    if cookie is not None:
        other.set_cookie(name, cookie.value, domain=cookie.domain)
    return other


def arrives_last(browser: Browser, response) -> None:
    """What the browser does with the session cookie of an answer that comes in last."""
    name = cookie_name(browser.app)
    for header in response.headers.getlist("Set-Cookie"):
        morsel = SimpleCookie(header).get(name)
        if morsel is None:
            continue
        if morsel["max-age"] == "0" or not morsel.value:
            browser.http.delete_cookie(name, domain="localhost")
        else:
            browser.http.set_cookie(name, morsel.value, domain="localhost")


def autofill_options(client, email: str, token: str):
    """The sign-in page script's request for passkey-autofill options."""
    return client.post(
        "/login/passkey/options", data={"email": email}, headers={"X-CSRFToken": token}
    )


class OptionsInFlight:
    """The autofill-options request, sent from another thread and held inside its view (at the
    pool call for the challenge, after its session was read) until the block ends; its answer
    is then ``response``."""

    def __init__(self, monkeypatch, browser: Browser, email: str, token: str) -> None:
        self.entered, self.release = threading.Event(), threading.Event()
        self.response = None
        real = passkey_signin._challenge

        def held(*args, **kwargs):
            """Wait here until the other request is done."""
            self.entered.set()
            self.release.wait(10)
            return real(*args, **kwargs)

        monkeypatch.setattr(passkey_signin, "_challenge", held)
        late = alongside(browser)
        self.thread = threading.Thread(
            target=lambda: setattr(self, "response", autofill_options(late, email, token))
        )

    def __enter__(self) -> OptionsInFlight:
        """Send the request and wait until it is inside the view."""
        self.thread.start()
        assert self.entered.wait(10), "the options request never reached the pool"
        return self

    def __exit__(self, *_exc) -> None:
        """Let it finish."""
        self.release.set()
        self.thread.join(10)


def test_autofill_options_answered_after_the_sign_in_leave_the_person_signed_in(
    browser, monkeypatch
):
    email = browser.account()
    browser.open("/login")
    token = CSRF.search(browser.text()).group(1)
    with OptionsInFlight(monkeypatch, browser, email, token) as options:
        assert browser.submit("/login", email=email, password=PASSWORD).status_code == 303
    assert options.response.status_code == 200
    arrives_last(browser, options.response)
    assert browser.open("/account").request.path == "/account"


def test_autofill_options_answered_after_an_apps_sign_in_still_reach_the_app(browser, monkeypatch):
    """The same with an app's request waiting: the session is in the store when both start."""
    email = browser.account()
    assert browser.get(authorize_url("demo", "v" * 64)).status_code == 303
    browser.open("/login")
    token = CSRF.search(browser.text()).group(1)
    with OptionsInFlight(monkeypatch, browser, email, token) as options:
        signed_in = browser.submit("/login", email=email, password=PASSWORD)
    assert signed_in.status_code == 303 and "code=" in signed_in.location
    assert options.response.status_code == 200
    arrives_last(browser, options.response)
    assert browser.open("/account").request.path == "/account"


def test_autofill_options_write_no_session(browser):
    """The options' challenge is kept under a handle the page posts back, not in the session:
    a request that changes no session sends no cookie to race with."""
    email = browser.account()
    browser.open("/login")
    token = CSRF.search(browser.text()).group(1)
    options = autofill_options(browser.http, email, token)
    assert options.status_code == 200 and options.json["waiting"]
    assert not options.headers.getlist("Set-Cookie")


def _request(app: Flask, cookie: str | None):
    """A request context carrying the session cookie ``cookie``."""
    headers = {"Cookie": f"{cookie_name(app)}={cookie}"} if cookie else {}
    return app.request_context(EnvironBuilder(path="/", headers=headers).get_environ())


def _saved(app: Flask, session: ServerSession) -> tuple[str | None, list[str]]:
    """Save a session as a response would; returns (the cookie value set, the Set-Cookie
    headers)."""
    response = app.response_class()
    app.session_interface.save_session(app, session, response)
    headers = response.headers.getlist("Set-Cookie")
    morsel = SimpleCookie(headers[0]).get(cookie_name(app)) if headers else None
    return (morsel.value if morsel is not None else None), headers


def _stored_session(app: Flask) -> str:
    """A signed-in session in the store; returns its cookie."""
    session = ServerSession()
    session.update(user={"sub": "s-1"}, csrf_token="t")
    with _request(app, None):
        cookie, _ = _saved(app, session)
    assert cookie
    return cookie


def _opened(app: Flask, cookie: str) -> ServerSession:
    """The session a request with ``cookie`` starts with."""
    with _request(app, cookie) as ctx:
        return app.session_interface.open_session(app, ctx.request)


def test_a_request_in_flight_at_sign_out_does_not_sign_back_in(app):
    cookie = _stored_session(app)
    late = _opened(app, cookie)  # started before the sign-out, answers after it
    signing_out = _opened(app, cookie)
    signing_out.clear()
    with _request(app, cookie):
        _saved(app, signing_out)
        late["pending"] = {"client_id": "demo"}
        _, headers = _saved(app, late)
    assert headers == []  # no cookie pointing back at the ended session
    assert dict(_opened(app, cookie)) == {}  # and nothing to point at


def test_a_request_in_flight_at_sign_in_leaves_the_new_session_alone(app):
    cookie = _stored_session(app)
    late = _opened(app, cookie)
    signing_in = _opened(app, cookie)
    signing_in.renew()
    signing_in["user"] = {"sub": "s-2"}
    with _request(app, cookie):
        renewed, _ = _saved(app, signing_in)
        late["flow"] = "stale"
        _, headers = _saved(app, late)
    assert headers == []
    assert dict(_opened(app, cookie)) == {}  # the old id stays dead
    assert _opened(app, renewed)["user"] == {"sub": "s-2"}


def test_a_stored_session_still_saves_its_changes(app):
    """The guard writes only over a live record: an ordinary change is kept."""
    cookie = _stored_session(app)
    session = _opened(app, cookie)
    session["flow"] = "kept"
    with _request(app, cookie):
        again, _ = _saved(app, session)
    assert again == cookie and _opened(app, cookie)["flow"] == "kept"
