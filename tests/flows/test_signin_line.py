"""A sign-in whose turn in the pool's quota is far away holds its place in line: a page that
says the wait (words and Retry-After agree), keeps what was typed server-side (the password
sealed, never in the page), reloads itself to /login/resume (a Refresh header) and signs
the person in once."""

from __future__ import annotations

import re
import time

import pytest

from app.signin_line import RECORD_PREFIX

from .conftest import PASSWORD, Browser

RATE = 2.0  # sign-in calls per second the budget allows


@pytest.fixture
def busy(make_app, outbox):
    """An app whose sign-in budget is already taken for the next 30 seconds."""
    app = make_app(pool_quotas={"UserAuthentication": RATE}, admission_wait_seconds=0.5)
    browser = Browser(app, outbox)
    email = browser.account()
    admission = app.extensions["gatehouse.userpool"].admission
    admission.reserve("UserAuthentication", int(30 * RATE), horizon=1000)
    return app, browser, email


def _seconds(page: str) -> int:
    """The wait the page says, in seconds."""
    return int(re.search(r"Your turn comes in about (\d+) seconds?", page).group(1))


def test_a_sign_in_in_a_spike_is_held_in_line_and_goes_on_by_itself(busy, clock):
    app, browser, email = busy
    response = browser.sign_in(email)
    page = response.get_data(as_text=True)
    assert response.status_code == 202
    seconds = int(response.headers["Retry-After"])
    assert 25 <= seconds <= 31 and _seconds(page) == seconds
    # One reload, at the turn (a timed refresh inside the page would lose a screen reader's
    # place every few seconds).
    refresh, target = response.headers["Refresh"].split(";url=")
    assert target == "/login/resume" and seconds - 1 <= int(refresh) <= seconds
    assert "http-equiv" not in page
    assert PASSWORD not in page and email in page
    # What was typed is kept server-side, the password sealed.
    store = app.extensions["gatehouse.store"]
    (key,) = store.keys(RECORD_PREFIX)
    assert PASSWORD not in str(store.get(key))

    # Before the turn the page says the (shorter) wait again.
    clock.advance(seconds - 12)
    again = browser.get("/login/resume")
    assert again.status_code == 202 and _seconds(again.get_data(as_text=True)) == 12
    assert again.headers["Retry-After"] == "12"

    clock.advance(12)
    signed_in = browser.get("/login/resume")
    assert signed_in.status_code == 303 and signed_in.location == "/account"
    assert email in browser.open("/account").get_data(as_text=True)
    # The place is spent: loading the page again signs no one in a second time.
    assert store.keys(RECORD_PREFIX) == []
    assert browser.get("/login/resume").location == "/login"


def test_a_wrong_password_in_line_is_told_when_the_turn_comes(busy, clock):
    app, browser, email = busy
    browser.sign_in(email, "Wr0ng-password")
    clock.advance(31)
    response = browser.get("/login/resume")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "match" in page
    assert f'value="{email}"' in page and "Wr0ng-password" not in page


def test_sending_the_form_again_in_line_keeps_one_place_and_gives_the_other_back(busy, clock):
    app, browser, email = busy
    browser.sign_in(email)
    browser.sign_in(email)  # back, and the form sent again
    store = app.extensions["gatehouse.store"]
    (key,) = store.keys(RECORD_PREFIX)
    record = store.get(key)
    # The next turn free is the held place's own (its reservation), not one sign-in after it:
    # the first place's turn was given back. Both waits are read moments apart.
    admission = app.extensions["gatehouse.userpool"].admission
    probe = admission.reserve("UserAuthentication", 1, horizon=1000)
    held = record["due"] - clock()
    assert abs(probe.delay - held) < record["units"] / RATE / 2


def test_a_resume_without_a_place_starts_again(make_app, outbox):
    browser = Browser(make_app(pool_quotas={"UserAuthentication": RATE}), outbox)
    assert browser.get("/login/resume").location == "/login"


def test_a_line_longer_than_its_horizon_says_when_to_come_back(make_app, outbox):
    app = make_app(
        pool_quotas={"UserAuthentication": RATE},
        admission_wait_seconds=0.5,
        admission_line_seconds=20,
    )
    browser = Browser(app, outbox)
    email = browser.account()
    app.extensions["gatehouse.userpool"].admission.reserve(
        "UserAuthentication", int(50 * RATE), horizon=1000
    )
    response = browser.sign_in(email)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    seconds = int(response.headers["Retry-After"])
    assert 28 <= seconds <= 30
    assert f"Please try again in about {seconds} seconds." in page


def test_a_short_wait_is_simply_waited_for(make_app, outbox):
    app = make_app(pool_quotas={"UserAuthentication": RATE}, admission_wait_seconds=2)
    browser = Browser(app, outbox)
    email = browser.account()
    app.extensions["gatehouse.userpool"].admission.reserve("UserAuthentication", 1, horizon=10)
    browser.open("/login")
    started = time.monotonic()
    response = browser.submit("/login", email=email, password=PASSWORD)
    assert response.status_code == 303 and response.location == "/account"
    # The turn was half a second away (one call at 2 per second): the sign-in waited for it.
    assert time.monotonic() - started >= 0.45
