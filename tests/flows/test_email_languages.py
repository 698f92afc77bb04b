"""Gatehouse's own emails go out in the language of the request behind them, from the brand's
sender name, also when the follow-up queue delivers them later (issue 12).

The catalogues are the marked test catalogues of tests/unit/test_emails.py (``«ja» ...``), so
these tests do not wait for translators.
"""

from __future__ import annotations

import pytest

from app.mail.outbox import MailUnavailable
from tests.unit.test_emails import mark, marked  # noqa: F401 - the fixture

from .conftest import PASSWORD, Browser

DEMO_SENDER = "Demo Mail <no-reply@gatehouse.localhost>"


class DownSender:
    """A sender whose service is down: every email waits for the follow-up queue."""

    def send(self, *args, **kwargs) -> None:
        """Fail for now."""
        raise MailUnavailable("SES: ServiceUnavailable")


@pytest.fixture
def app(marked, make_app):  # noqa: F811 - the fixture's parameter
    """The app, reading the marked catalogues; the demo brand sends as "Demo Mail"."""
    app = make_app()
    app.extensions["gatehouse.brands"]["demo"].sender_name = "Demo Mail"
    return app


def _sign_up_again(app, outbox, email: str) -> None:
    """Someone signs up, in Japanese on the demo app's pages, with an address that has an
    account: its owner is told by a follow-up email."""
    stranger = Browser(app, outbox)
    stranger.open("/signup?lang=ja&client_id=demo")
    stranger.submit("/signup", email=email, password=PASSWORD)


def test_a_notice_is_in_the_language_of_the_request_behind_it(app, outbox):
    email = Browser(app, outbox).account()
    _sign_up_again(app, outbox, email)
    notice = outbox.messages(email)[-1]
    assert notice.subject == mark("ja", "Someone tried to sign up with your email")
    assert mark("ja", f"Someone tried to create an account with {email}") in notice.text
    assert '<html lang="ja" dir="ltr">' in notice.html
    assert notice.sender == DEMO_SENDER


def test_the_follow_up_worker_sends_it_in_the_requests_language_not_its_own(app, outbox):
    email = Browser(app, outbox).account()
    working = app.extensions["gatehouse.mailer"]
    app.extensions["gatehouse.mailer"] = DownSender()
    sent = len(outbox.messages(email))
    _sign_up_again(app, outbox, email)
    assert len(outbox.messages(email)) == sent  # it waits in the queue
    app.extensions["gatehouse.mailer"] = working
    # The sweep runs after some other person's request, in their language; cron in none.
    Browser(app, outbox).open("/login?lang=de")
    result = app.test_cli_runner().invoke(args=["followups", "run"])
    assert result.exit_code == 0, result.output
    assert len(outbox.messages(email)) == sent + 1
    notice = outbox.messages(email)[-1]
    assert notice.subject == mark("ja", "Someone tried to sign up with your email")
    assert mark("ja", "If it wasn't you, you can ignore this email. Nothing has changed.") in (
        notice.text
    )
    assert notice.sender == DEMO_SENDER
