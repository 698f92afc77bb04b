"""Even at GATEHOUSE_LOG_LEVEL=DEBUG no log line holds a password: botocore would log every
request body it sends to the pool."""

from __future__ import annotations

import logging

from .conftest import PASSWORD, Browser


def test_a_sign_in_at_debug_level_logs_no_password(make_app, outbox, caplog):
    app = make_app(log_level="DEBUG")  # create_app sets the level (logs.configure)
    browser = Browser(app, outbox)
    email = browser.account()
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        browser.sign_in(email)
        browser.sign_in(email, "Wr0ng-but-typed")
    assert caplog.records, "nothing was logged at DEBUG"
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert PASSWORD not in text and "Wr0ng-but-typed" not in text
