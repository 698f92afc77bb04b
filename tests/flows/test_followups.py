"""Losing nothing (issue 10): what follows an irreversible change — a notice, an audit line, the
rest of a deletion — is written before the change and delivered exactly once, whatever fails:
the process killed right after the change, SES down, the store full, an answer lost."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError

from app import followups
from app.followups.queue import CLAIM_SECONDS, DUE, FollowUp
from app.mail import SesSender
from app.messages import text
from app.store import RedisStore, StoreUnavailable
from tests.conftest import FakeClock
from tests.faults import ProcessKilled, answer_lost, killed, unreachable
from tests.redis_server import redis_url  # noqa: F401 - the fixture

from .conftest import PASSWORD, Browser

NEW = "N3w-password!"
PASSWORD_NOTICE = "Your password was changed"
DELETED_NOTICE = "Your account has been deleted"


class MovingClock(FakeClock):
    """A fake clock that moves a millisecond each time it is read, as real time would: the
    pool's UserLastModifiedDate then tells a change from no change."""

    def __call__(self) -> float:
        self.now += 0.001
        return self.now


@pytest.fixture
def clock() -> MovingClock:
    """This module's clock for the app and the local pool."""
    return MovingClock()


def run(app):
    """``flask followups run``."""
    return app.test_cli_runner().invoke(args=["followups", "run"])


def pending(app) -> list[str]:
    """The follow-ups not yet delivered."""
    with app.app_context():
        return followups.pending_ids()


def count(outbox, to: str, subject: str) -> int:
    """How many emails with this subject reached an address."""
    return [m.subject for m in outbox.messages(to)].count(subject)


def _said(browser, key: str) -> bool:
    """True when the current page shows a catalogue message."""
    return text(key).replace("'", "&#39;") in browser.text()


# ---- the changes, each with its operation and its notice ------------------------------------


def change_password(browser, email):
    """Open the password page; returns the POST that changes it."""
    browser.open("/account/password")
    return lambda: browser.submit("/account/password", current=PASSWORD, password=NEW)


def verify_new_email(browser, email):
    """Ask for a new address; returns the POST that confirms it with its code."""
    new = f"moved-{uuid.uuid4().hex[:6]}@example.com"
    browser.open("/account/email")
    browser.submit("/account/email", email=new)
    browser.open("/account/email/sent")
    return lambda: browser.submit("/account/email/sent", code=browser.last_code(new))


def request_new_email(browser, email):
    """Open the email-change page; returns the POST that asks for a new address."""
    browser.open("/account/email")
    new = f"asked-{uuid.uuid4().hex[:6]}@example.com"
    return lambda: browser.submit("/account/email", email=new)


def delete_account(browser, email):
    """Open the deletion page; returns the POST that deletes the account."""
    browser.open("/account/delete")
    return lambda: browser.submit("/account/delete")


# (operation, how a person comes to the change (returns the change itself), the notice after it)
CHANGES = [
    ("ChangePassword", change_password, PASSWORD_NOTICE),
    ("VerifyUserAttribute", verify_new_email, "Your account's email address was changed"),
    ("UpdateUserAttributes", request_new_email, "An email change was requested for your account"),
    ("DeleteUser", delete_account, DELETED_NOTICE),
]


@pytest.mark.parametrize(("operation", "change", "subject"), CHANGES, ids=[c[0] for c in CHANGES])
def test_killed_right_after_the_change_the_notice_is_there_and_delivered_once(
    app, signed_in, outbox, clock, operation, change, subject
):
    browser, email = signed_in
    make_change = change(browser, email)
    with killed(app, operation), pytest.raises(ProcessKilled):
        make_change()
    assert len(pending(app)) == 1 and count(outbox, email, subject) == 0
    held = run(app)  # the dead request's claim has not lapsed yet
    assert held.exit_code == 1 and "1 waiting" in held.output
    clock.advance(CLAIM_SECONDS + 1)
    result = run(app)
    assert result.exit_code == 0 and "1 delivered" in result.output, result.output
    assert run(app).output.startswith("0 delivered")
    assert count(outbox, email, subject) == 1 and pending(app) == []


@pytest.mark.parametrize(
    ("operation", "change"),
    [CHANGES[0][:2], CHANGES[3][:2]],
    ids=["ChangePassword", "DeleteUser"],
)
def test_killed_before_the_change_reached_the_pool_nothing_follows(
    app, signed_in, outbox, clock, operation, change
):
    browser, email = signed_in
    make_change = change(browser, email)
    with killed(app, operation, after=False), pytest.raises(ProcessKilled):
        make_change()
    assert len(pending(app)) == 1
    clock.advance(CLAIM_SECONDS + 1)
    result = run(app)
    assert result.exit_code == 0 and "1 dropped" in result.output
    assert count(outbox, email, PASSWORD_NOTICE) == count(outbox, email, DELETED_NOTICE) == 0
    assert Browser(app, outbox).sign_in(email).location == "/account"  # nothing changed


# ---- SES down, then back ----------------------------------------------------------------


class _Body:
    """A response body botocore can stream."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_):
        yield self._data


class FakeSES:
    """SES behind a real boto3 client: connections refused while ``down``; else it accepts."""

    def __init__(self) -> None:
        self.down = True
        self.sent: list[dict] = []
        self.client = boto3.client(
            "sesv2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
        )
        self.client.meta.events.register_first("before-send.sesv2", self._send)

    def _send(self, request, **_):
        if self.down:
            raise EndpointConnectionError(endpoint_url=request.url)
        self.sent.append(json.loads(request.body))
        body = _Body(b'{"MessageId": "ses-1"}')
        return AWSResponse(request.url, 200, {"Content-Type": "application/json"}, body)

    def subjects(self) -> list[str]:
        return [m["Content"]["Simple"]["Subject"]["Data"] for m in self.sent]


@pytest.fixture
def ses(app) -> FakeSES:
    """Gatehouse's own mail goes through SES (down at first)."""
    fake = FakeSES()
    app.extensions["gatehouse.mailer"] = SesSender(fake.client, "Gatehouse <no-reply@example.com>")
    return fake


def test_ses_down_then_back_the_password_notice_is_delivered_once(app, signed_in, ses):
    browser, email = signed_in
    change_password(browser, email)()
    assert browser.page.location == "/account"
    browser.open("/account")
    assert _said(browser, "password_updated")  # told the truth: the password changed
    assert len(pending(app)) == 1
    assert run(app).exit_code == 1  # SES still down: it waits
    ses.down = False
    assert run(app).exit_code == 0
    assert run(app).output.startswith("0 delivered")
    assert ses.subjects() == [PASSWORD_NOTICE]
    (header,) = ses.sent[0]["Content"]["Simple"]["Headers"]
    assert header["Name"] == "X-Gatehouse-Message-ID" and header["Value"].startswith("<")


@pytest.mark.parametrize(("operation", "change", "subject"), CHANGES, ids=[c[0] for c in CHANGES])
def test_ses_down_then_back_every_notice_is_delivered_once(
    app, signed_in, ses, operation, change, subject
):
    browser, email = signed_in
    response = change(browser, email)()
    assert response.status_code < 500  # the change is reported as made, never as a fault
    assert run(app).exit_code == 1
    ses.down = False
    assert run(app).exit_code == 0 and pending(app) == []
    assert ses.subjects().count(subject) == 1
    assert len(set(ses.subjects())) == len(ses.subjects())  # nothing twice


def test_ses_down_a_deletion_is_done_and_its_email_follows_once(app, signed_in, ses):
    browser, email = signed_in
    browser.open("/account/delete")
    response = browser.submit("/account/delete")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Your account is deleted" in page
    assert "shortly" in page and "We've sent" not in page
    ses.down = False
    assert run(app).exit_code == 0
    assert ses.subjects() == [DELETED_NOTICE]


def test_the_in_process_sweep_delivers_what_is_left(app, signed_in, ses, clock):
    browser, email = signed_in
    change_password(browser, email)()
    ses.down = False
    browser.http.get("/healthz", buffered=True)  # within the minute: no sweep yet
    assert ses.sent == []
    clock.advance(61)
    browser.http.get("/healthz", buffered=True)  # the sweep runs once this response is sent
    assert ses.subjects() == [PASSWORD_NOTICE] and pending(app) == []


# ---- the store failing ----------------------------------------------------------------------


def _unchanged(app, outbox, operation: str, email: str) -> bool:
    """Whether the account is as it was before the change was tried."""
    if operation == "ChangePassword":
        return Browser(app, outbox).sign_in(email, PASSWORD).location == "/account"
    pool = app.extensions["gatehouse.localpool"]
    with pool.db.transaction() as conn:
        user = pool.find_user(conn, email)
    if user is None or user["attributes"]["email"] != email:
        return False  # deleted, or moved to the new address
    return operation != "UpdateUserAttributes" or not user["pending_email"]


@pytest.mark.parametrize(("operation", "change", "subject"), CHANGES, ids=[c[0] for c in CHANGES])
def test_a_full_store_gives_the_503_before_anything_changes(
    app, signed_in, outbox, monkeypatch, operation, change, subject
):
    browser, email = signed_in
    make_change = change(browser, email)
    store = app.extensions["gatehouse.store"]

    def full(*_args, **_kwargs):
        raise StoreUnavailable("disk full")

    monkeypatch.setattr(store, "put", full)  # a full disk: reads work, writes fail
    monkeypatch.setattr(store, "add", full)
    response = make_change()
    monkeypatch.undo()
    assert response.status_code == 503
    assert "Nothing you entered was saved" in response.get_data(as_text=True)
    assert _unchanged(app, outbox, operation, email)
    assert count(outbox, email, subject) == 0


def test_a_repeat_after_the_store_failed_is_recognisable_by_its_message_id(
    app, signed_in, outbox, monkeypatch, clock
):
    browser, email = signed_in
    store = app.extensions["gatehouse.store"]
    real_delete = store.delete
    failures = {"left": 1}

    def flaky_delete(key):
        if key.startswith("followup:") and failures["left"]:
            failures["left"] -= 1
            raise StoreUnavailable("disk full")
        return real_delete(key)

    monkeypatch.setattr(store, "delete", flaky_delete)
    change_password(browser, email)()  # sent, but the store could not note it
    clock.advance(CLAIM_SECONDS + 1)
    assert run(app).exit_code == 0
    notices = [m for m in outbox.messages(email) if m.subject == PASSWORD_NOTICE]
    assert len(notices) == 2 and notices[0].message_id == notices[1].message_id


# ---- an answer lost after the change ---------------------------------------------------------


def test_an_answer_lost_and_unclear_the_person_is_told_so_and_the_notice_follows_once(
    app, signed_in, outbox, clock
):
    browser, email = signed_in
    browser.open("/account/password")
    with answer_lost(app, "ChangePassword"), unreachable(app, "InitiateAuth"):
        response = browser.submit("/account/password", current=PASSWORD, password=NEW)
    assert response.status_code == 503 and _said(browser, "ambiguous")
    assert count(outbox, email, PASSWORD_NOTICE) == 0
    clock.advance(CLAIM_SECONDS + 1)
    assert run(app).exit_code == 0
    assert count(outbox, email, PASSWORD_NOTICE) == 1
    assert run(app).output.startswith("0 delivered")


def test_a_change_that_never_happened_is_never_announced(app, signed_in, outbox, clock):
    """Every attempt was lost on its way, and each time the pool showed the change was not made
    (the new password does not sign in): the person must hear that nothing changed, and no
    "your password was changed" may follow later."""
    browser, email = signed_in
    browser.open("/account/password")
    with answer_lost(app, "ChangePassword", times=3, processed=False):
        response = browser.submit("/account/password", current=PASSWORD, password=NEW)
    assert response.status_code == 503 and not _said(browser, "ambiguous")
    clock.advance(CLAIM_SECONDS + 1)
    run(app)
    assert count(outbox, email, PASSWORD_NOTICE) == 0 and pending(app) == []
    assert Browser(app, outbox).sign_in(email, PASSWORD).location == "/account"


def test_an_answer_lost_and_reconciled_the_notice_goes_out_once_at_once(app, signed_in, outbox):
    browser, email = signed_in
    browser.open("/account/password")
    with answer_lost(app, "ChangePassword"):
        browser.submit("/account/password", current=PASSWORD, password=NEW)
    assert count(outbox, email, PASSWORD_NOTICE) == 1 and pending(app) == []


def test_a_deletion_whose_answer_was_lost_and_unclear_is_finished_and_told_once(
    app, signed_in, outbox, caplog
):
    browser, email = signed_in
    browser.open("/account/delete")
    with answer_lost(app, "DeleteUser"), unreachable(app, "AdminGetUser"):
        response = browser.submit("/account/delete")
    assert response.status_code == 202 and "being deleted" in response.get_data(as_text=True)
    with caplog.at_level(logging.INFO, logger="gatehouse.audit"):
        assert run(app).exit_code == 0
    assert count(outbox, email, DELETED_NOTICE) == 1
    audit = [r.getMessage() for r in caplog.records if r.name == "gatehouse.audit"]
    assert len(audit) == 1 and audit[0].startswith("account deleted id=")


# ---- an address that cannot receive mail -----------------------------------------------------


def test_deleting_an_account_whose_email_holds_crlf_is_done_and_the_failure_logged(
    app, signed_in, outbox, caplog
):
    browser, email = signed_in
    pool = app.extensions["gatehouse.localpool"]
    with pool.db.transaction() as conn:
        user = pool.find_user(conn, email)
        user["attributes"]["email"] = email + "\r\nBcc: someone@example.net"
        pool.save_user(conn, user)
    browser.open("/account/delete")
    with caplog.at_level(logging.INFO):
        response = browser.submit("/account/delete")
    assert response.status_code == 200 and "Your account is deleted" in response.get_data(
        as_text=True
    )
    assert any("account deleted id=" in r.getMessage() for r in caplog.records)
    assert any(
        r.levelno == logging.ERROR and "follow-up" in r.getMessage() and "failed" in r.getMessage()
        for r in caplog.records
    )
    assert outbox.messages() and not any("someone@example.net" in m.to for m in outbox.messages())
    assert pending(app) == []


# ---- two workers never deliver the same follow-up -------------------------------------------


class SlowOutbox:
    """The outbox, slow enough for two workers to overlap."""

    def __init__(self, outbox) -> None:
        self.outbox = outbox

    def send(self, *args, **kwargs):
        time.sleep(0.005)
        return self.outbox.send(*args, **kwargs)


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_two_workers_deliver_each_follow_up_once(make_app, outbox, request, backend):
    app = make_app()
    if backend == "redis":
        app.extensions["gatehouse.store"] = RedisStore(
            request.getfixturevalue("redis_url"), prefix=f"test-{uuid.uuid4().hex}:"
        )
    app.extensions["gatehouse.mailer"] = SlowOutbox(app.extensions["gatehouse.mailer"])
    with app.app_context():
        for n in range(20):
            to = f"p{n}@example.com"
            step = {"kind": "mail", "to": to, "subject": "s", "text": "t", "html": "<p>h</p>"}
            FollowUp(f"{n:04d}", [step], None, state=DUE, created=time.time()).save()

    def worker():
        with app.app_context():
            followups.run_due()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    mails = outbox.messages()
    assert sorted(m.to for m in mails) == sorted(f"p{n}@example.com" for n in range(20))
    assert pending(app) == []


def test_signing_out_elsewhere_is_finished_by_the_follow_up_when_the_pool_fails(
    app, signed_in, outbox
):
    browser, email = signed_in
    other = Browser(app, outbox)
    other.sign_in(email)
    browser.open("/account/password")
    with unreachable(app, "AdminUserGlobalSignOut"):
        response = browser.submit(
            "/account/password", current=PASSWORD, password=NEW, sign_out_others="y"
        )
    assert response.location == "/login"
    browser.open("/login")
    assert _said(browser, "password_updated_sign_in")  # true: sign in with the new password
    assert count(outbox, email, PASSWORD_NOTICE) == 0  # it would claim a sign-out not yet done
    assert other.get("/account").status_code == 200
    assert run(app).exit_code == 0
    assert other.get("/account").status_code == 303
    assert count(outbox, email, PASSWORD_NOTICE) == 1


# ---- passkeys: the pool shows the change only through the person's access token -------------


@pytest.mark.parametrize("processed", [True, False])
def test_a_passkey_whose_answer_was_lost_is_announced_only_if_it_was_made(
    app, signed_in, outbox, clock, processed
):
    from .test_passkeys import ORIGIN, SoftAuthenticator

    browser, email = signed_in
    browser.open("/account/passkeys/new")
    token = browser.text().split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    options = browser.http.post("/account/passkeys/options", headers={"X-CSRFToken": token}).json
    credential = SoftAuthenticator().register(options["options"], ORIGIN)
    with answer_lost(app, "CompleteWebAuthnRegistration", times=3, processed=processed):
        response = browser.submit("/account/passkeys/new", credential=json.dumps(credential))
    assert response.status_code == 503
    clock.advance(CLAIM_SECONDS + 1)
    run(app)
    assert count(outbox, email, "A passkey was added to your account") == (1 if processed else 0)
    assert pending(app) == []
