"""An email change tells nothing about the address typed (issue 10): a free and a taken address
mail the old address the same notice, do everything that differs inside ``padded()`` (so both
take the same time), and the endpoint is rate limited."""

from __future__ import annotations

import re
import time
from contextlib import contextmanager

import pytest

from app.flows import email_change

from .conftest import Browser


def _requester(app, outbox) -> tuple[Browser, str]:
    """A signed-in person on the email-change page."""
    browser = Browser(app, outbox)
    old = browser.account()
    browser.sign_in(old)
    browser.open("/account/email")
    return browser, old


def _notice(outbox, old: str) -> str:
    """The newest notice to the old address, with what names the new address blanked."""
    mail = outbox.messages(old)[-1]
    body = re.sub(r"\S•••@\S+", "x•••@…", mail.text)
    return mail.subject + "\n" + re.sub(r"/account/secure/\S+", "/account/secure/…", body)


@pytest.fixture
def taken(app, outbox) -> str:
    """An address that already has an account."""
    return Browser(app, outbox).account("already-here@example.com")


def test_a_free_and_a_taken_address_mail_the_old_address_the_same_notice(app, outbox, taken):
    free_browser, free_old = _requester(app, outbox)
    taken_browser, taken_old = _requester(app, outbox)
    free = free_browser.submit("/account/email", email="a-free-one@example.com")
    used = taken_browser.submit("/account/email", email=taken)
    assert free.status_code == used.status_code == 303 and free.location == used.location
    assert _notice(outbox, free_old) == _notice(outbox, taken_old)
    assert outbox.messages(taken)[-1].subject == "Someone tried to use your email address"


def _watch(app, monkeypatch) -> list[tuple[str, bool]]:
    """Record every pool call, email and store write of a request, and whether it happened
    inside ``padded()``."""
    events: list[tuple[str, bool]] = []
    depth = {"n": 0}
    real_padded = email_change.padded

    @contextmanager
    def watched_padded():
        depth["n"] += 1
        try:
            with real_padded():
                yield
        finally:
            depth["n"] -= 1

    monkeypatch.setattr(email_change, "padded", watched_padded)

    def watch(obj, name, label):
        real = getattr(obj, name)

        def watched(*args, **kwargs):
            key = label(*args, **kwargs)
            if key:
                events.append((key, depth["n"] > 0))
            return real(*args, **kwargs)

        monkeypatch.setattr(obj, name, watched)

    watch(app.extensions["gatehouse.userpool"], "call", lambda operation, **_: operation)
    watch(app.extensions["gatehouse.mailer"], "send", lambda to, *_, **__: "email")
    store = app.extensions["gatehouse.store"]
    for name in ("put", "add", "delete", "take"):
        # The session is read before and written after the view, alike for every address.
        watch(store, name, lambda key, *_, n=name: None if key.startswith("session:") else n)
    return events


def test_everything_that_differs_is_inside_padded(app, outbox, taken, monkeypatch):
    free_browser, _ = _requester(app, outbox)
    taken_browser, _ = _requester(app, outbox)
    events = _watch(app, monkeypatch)
    free_browser.submit("/account/email", email="another-free-one@example.com")
    free_events = list(events)
    events.clear()
    taken_browser.submit("/account/email", email=taken)
    for seen in (free_events, list(events)):
        assert [name for name, inside in seen if not inside] == ["GetUser"], seen
        assert ("UpdateUserAttributes", True) in seen and ("email", True) in seen


def test_both_answers_take_at_least_the_floor(make_app, outbox, taken):
    app = make_app(min_response_ms=300)  # on the same data directory: ``taken`` exists
    for new in ("free-again@example.com", taken):
        browser, _ = _requester(app, outbox)
        started = time.monotonic()
        browser.submit("/account/email", email=new)
        assert time.monotonic() - started >= 0.3


def test_an_account_may_ask_five_times_an_hour(app, outbox):
    browser, _ = _requester(app, outbox)
    for n in range(5):
        browser.open("/account/email")
        assert browser.submit("/account/email", email=f"try-{n}@example.com").status_code == 303
    browser.open("/account/email")
    refused = browser.submit("/account/email", email="try-5@example.com")
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "Too many attempts" in refused.get_data(as_text=True)


def test_the_endpoint_is_limited_per_ip(make_app, outbox):
    app = make_app(rate_limit_ip="2 per minute")
    browser, _ = _requester(app, outbox)
    statuses = []
    for n in range(3):
        browser.open("/account/email")
        statuses.append(browser.submit("/account/email", email=f"ip-{n}@example.com").status_code)
    assert statuses == [303, 303, 429]


def test_while_no_mail_can_be_sent_a_free_and_a_taken_address_answer_alike(
    app, outbox, taken, monkeypatch
):
    """Only a free address is sent a code by the pool, so only a free one can fail to be:
    that must not be a 500 (nor differ from a taken one)."""
    from app.mail import outbox as outbox_module
    from app.mail.outbox import MailUnavailable

    free_browser, _ = _requester(app, outbox)
    taken_browser, _ = _requester(app, outbox)

    def refuse(*_args, **_kwargs):
        """Every outbox is failing for now."""
        raise MailUnavailable("the mail service refuses for now")

    monkeypatch.setattr(outbox_module.Outbox, "send", refuse)
    free = free_browser.submit("/account/email", email="a-free-one@example.com")
    used = taken_browser.submit("/account/email", email=taken)
    assert (free.status_code, free.location) == (used.status_code, used.location)
    assert free.status_code == 303


def test_a_new_code_that_cannot_be_sent_is_said_so_not_a_500(app, outbox, monkeypatch):
    from app.mail import outbox as outbox_module
    from app.mail.outbox import MailUnavailable

    browser, _ = _requester(app, outbox)
    browser.submit("/account/email", email="a-free-one@example.com")
    browser.open("/account/email/sent")

    def refuse(*_args, **_kwargs):
        """Every outbox is failing for now."""
        raise MailUnavailable("the mail service refuses for now")

    monkeypatch.setattr(outbox_module.Outbox, "send", refuse)
    response = browser.submit("/account/email/resend")
    assert response.status_code == 303
    assert "We couldn&#39;t send the email" in browser.open(response.location).get_data(
        as_text=True
    )
