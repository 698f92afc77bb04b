"""The local pool sends an email only once the writes it tells of are committed: a rolled-back
operation sends no code, and the CustomEmailSender trigger runs holding no lock of the pool."""

from __future__ import annotations

import threading

import pytest
from botocore.exceptions import ClientError

from app.localpool.operations import signup

from .conftest import PASSWORD
from .test_custom_email_sender import Recording, _sender, _target


def test_a_sign_up_that_rolls_back_sends_no_code(make_app, monkeypatch):
    target = _target(make_app)
    email = target.email()
    send_code = signup.send_code

    def then_fail(*args, **kwargs):
        """The code is sent, then the operation meets a fault: everything is rolled back."""
        send_code(*args, **kwargs)
        raise RuntimeError("a fault after the email")

    monkeypatch.setattr(signup, "send_code", then_fail)
    with pytest.raises(ClientError) as raised:
        target.idp.sign_up(ClientId="demo", Username=email, Password=PASSWORD)
    assert raised.value.response["Error"]["Code"] == "InternalErrorException"
    assert target.mails(email) == []  # no code for an account that does not exist
    monkeypatch.setattr(signup, "send_code", send_code)
    with pytest.raises(ClientError) as missing:
        target.idp.admin_get_user(UserPoolId=target.pool_id, Username=email)
    assert missing.value.response["Error"]["Code"] == "UserNotFoundException"
    # The same address signs up afterwards and gets its one email.
    target.idp.sign_up(ClientId="demo", Username=email, Password=PASSWORD)
    assert len(target.mails(email)) == 1


def test_the_custom_email_sender_runs_after_the_commit_holding_no_lock(make_app):
    seen: dict[str, object] = {}

    class Watching(Recording):
        """The project's sender, which first looks at the pool from another thread."""

        def for_local(self, settings, services):
            """Before sending: can another request write to the pool, and is the user there?"""
            run = super().for_local(settings, services)

            def watched(event, context):
                def other_request():
                    with target.local.db.transaction() as conn:
                        row = conn.execute(
                            "SELECT status FROM users WHERE email = ?",
                            (event["request"]["userAttributes"]["email"],),
                        ).fetchone()
                        seen["status"] = row["status"] if row else None

                other = threading.Thread(target=other_request, daemon=True)
                other.start()
                other.join(timeout=5)
                seen["other_request_finished"] = not other.is_alive()
                return run(event, context)

            return watched

    recording = Watching()
    target = _target(make_app, localpool=_sender(recording))
    email = target.email()
    target.idp.sign_up(ClientId="demo", Username=email, Password=PASSWORD)
    assert seen == {"other_request_finished": True, "status": "UNCONFIRMED"}
    assert len(recording.events) == 1 and len(target.mails(email)) == 1
