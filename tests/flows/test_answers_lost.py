"""A change the pool made whose answer was lost: the person is told what really happened
(issue 10, "Retried writes"). The pool processes the call, then the gateway sees a read timeout."""

from __future__ import annotations

import re

from app.messages import text
from tests.faults import answer_lost

from .conftest import PASSWORD, Browser

NEW = "N3w-password!"


def _said(browser, key: str) -> bool:
    """True when the current page shows a catalogue message."""
    return text(key).replace("'", "&#39;") in browser.text()


def test_a_password_change_whose_answer_was_lost(app, signed_in, outbox):
    browser, email = signed_in
    browser.open("/account/password")
    with answer_lost(app, "ChangePassword") as left:
        browser.submit("/account/password", current=PASSWORD, password=NEW)
        assert left["n"] == 0
    browser.open(browser.page.location)
    assert _said(browser, "password_updated")
    assert [m.subject for m in outbox.messages(email)].count("Your password was changed") == 1
    assert Browser(app, outbox).sign_in(email, NEW).location == "/account"


def test_a_reset_whose_answer_was_lost(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    browser.open("/forgotPassword")
    browser.submit("/forgotPassword", email=email)
    browser.open("/confirmForgotPassword")
    with answer_lost(app, "ConfirmForgotPassword"):
        response = browser.submit(
            "/confirmForgotPassword", email=email, code=browser.last_code(email), password=NEW
        )
    assert response.status_code == 303
    browser.open(response.location)
    assert _said(browser, "password_changed")
    assert Browser(app, outbox).sign_in(email, NEW).location == "/account"


def test_an_email_verification_whose_answer_was_lost(app, signed_in, outbox):
    browser, email = signed_in
    new = "lost-answer-new@example.com"
    browser.open("/account/email")
    browser.submit("/account/email", email=new)
    browser.open("/account/email/sent")
    with answer_lost(app, "VerifyUserAttribute"):
        browser.submit("/account/email/sent", code=browser.last_code(new))
    browser.open(browser.page.location)
    assert _said(browser, "email_changed") and new in browser.text()


def test_a_deletion_whose_answer_was_lost(app, signed_in, outbox, caplog):
    browser, email = signed_in
    browser.open("/account/delete")
    with answer_lost(app, "DeleteUser"):
        response = browser.submit("/account/delete")
    assert response.status_code == 200
    assert re.search(r"deleted", response.get_data(as_text=True), re.I)
    assert outbox.messages(email)[-1].subject.lower().startswith("your account")
    assert Browser(app, outbox).sign_in(email).status_code == 200  # refused: it is gone
