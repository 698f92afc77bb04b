"""Email change with double opt-in, through the pages against the local pool."""

from __future__ import annotations

import re

from app.messages import text

from .conftest import PASSWORD, Browser, app_tokens


def _email_now(app, email_or_sub: str) -> str:
    idp = app.extensions["gatehouse.userpool"].client
    user = idp.admin_get_user(UserPoolId="us-east-1_gatehouse", Username=email_or_sub)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}["email"], user["Username"]


def start_change(app, outbox, new: str):
    browser = Browser(app, outbox)
    old = browser.account()
    browser.sign_in(old)
    browser.open("/account/email")
    response = browser.submit("/account/email", email=new)
    assert response.location == "/account/email/sent"
    return browser, old


def test_the_whole_change(app, outbox):
    browser, old = start_change(app, outbox, "new.address@example.com")
    verify = outbox.messages("new.address@example.com")[-1]
    assert verify.subject.startswith("Confirm your new email")
    link = re.search(
        r"http://localhost:8000(/account/email/confirm\?code=\d{6})", verify.text
    ).group(1)
    notice = outbox.messages(old)[-1]
    assert notice.subject == "An email change was requested for your account"
    assert "n•••@example.com" in notice.text and "/account/secure/" in notice.text
    email, sub = _email_now(app, old)
    assert email == old  # the old address stays until the new one is confirmed
    assert Browser(app, outbox).sign_in("new.address@example.com").status_code == 200  # refused
    page = browser.open(link).get_data(as_text=True)
    assert "Confirm this address" in page
    response = browser.submit(
        "/account/email/confirm", code=re.search(r"code=(\d{6})", link).group(1)
    )
    assert response.location == "/account"
    assert _email_now(app, sub)[0] == "new.address@example.com"
    assert outbox.messages(old)[-1].subject == "Your account's email address was changed"
    assert Browser(app, outbox).sign_in("new.address@example.com").location == "/account"
    assert (
        Browser(app, outbox).sign_in(old).status_code == 200
    )  # the old address no longer signs in


def test_a_wrong_code_then_a_new_code(app, outbox):
    browser, _ = start_change(app, outbox, "second@example.com")
    browser.open("/account/email/sent")
    right = re.search(r"code: (\d{6})", outbox.messages("second@example.com")[-1].text).group(1)
    browser.submit("/account/email/sent", code="000000" if right != "000000" else "111111")
    assert text("code_mismatch").replace("'", "&#39;") in browser.text()
    browser.submit("/account/email/resend")
    assert len(outbox.messages("second@example.com")) == 2
    browser.open("/account/email/sent")
    newest = re.search(r"code: (\d{6})", outbox.messages("second@example.com")[-1].text).group(1)
    assert browser.submit("/account/email/sent", code=newest).location == "/account"


def test_an_address_in_use_looks_the_same_and_tells_its_owner(app, outbox):
    taken = Browser(app, outbox).account("taken@example.com")
    browser, old = start_change(app, outbox, taken)
    assert outbox.messages(taken)[-1].subject == "Someone tried to use your email address"
    assert "Check taken@example.com" in browser.open("/account/email/sent").get_data(as_text=True)
    assert _email_now(app, old)[0] == old


def test_cancelling_keeps_the_old_address(app, outbox):
    browser, old = start_change(app, outbox, "cancelled@example.com")
    browser.open("/account/email/sent")
    browser.submit("/account/email/cancel")
    code = re.search(r"code: (\d{6})", outbox.messages("cancelled@example.com")[-1].text).group(1)
    browser.open("/account/email/sent")  # nothing pending: back to the account
    assert browser.page.request.path == "/account"
    assert _email_now(app, old)[0] == old
    idp = app.extensions["gatehouse.userpool"].client
    access = app_tokens(app, old)["AccessToken"]
    import pytest
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError):  # the cancelled code confirms nothing
        idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=code)


def test_not_you_signs_out_everywhere_stops_the_change_and_starts_a_reset(app, outbox):
    browser, old = start_change(app, outbox, "hijack@example.com")
    link = re.search(
        r"http://localhost:8000(/account/secure/\S+)", outbox.messages(old)[-1].text
    ).group(1)
    other = Browser(app, outbox)
    assert "Secure my account" in other.open(link).get_data(as_text=True)
    response = other.submit(link)
    assert response.location == "/confirmForgotPassword"
    assert browser.get("/account").status_code == 303  # the attacker's session is over
    assert _email_now(app, old)[0] == old
    assert outbox.messages(old)[-1].subject.startswith("Reset your")
    assert Browser(app, outbox).get("/account/secure/forged").status_code == 400


def test_an_old_sign_in_must_be_confirmed(app, outbox, clock):
    browser = Browser(app, outbox)
    browser.sign_in(browser.account())
    clock.advance(6 * 60)
    assert browser.get("/account/email").location.startswith(
        "/account/confirm?next=email_change.start"
    )


def test_confirming_in_another_browser_keeps_both_sessions_true(app, outbox, clock):
    started = Browser(app, outbox)
    old = started.account()
    started.sign_in(old)
    other = Browser(app, outbox)
    other.sign_in(old)
    new = "elsewhere@example.com"
    sub = _email_now(app, old)[1]
    started.open("/account/email")
    started.submit("/account/email", email=new)
    code = other.last_code(new)
    other.open(f"/account/email/confirm?code={code}")
    assert other.submit("/account/email/confirm", code=code).location == "/account"
    assert _email_now(app, sub)[0] == new
    assert outbox.messages(old)[-1].subject == "Your account's email address was changed"
    assert started.get("/account/email/sent").location == "/account"  # nothing pending now
    clock.advance(6 * 60)
    for browser in (started, other):  # confirming a sign-in uses the address the pool has
        browser.open("/account/confirm?next=account.password")
        assert new in browser.text()
        reply = browser.submit("/account/confirm?next=account.password", password=PASSWORD)
        assert reply.location == "/account/password"
    other.open("/account/password")
    other.submit("/account/password", current=PASSWORD, password="N3w-password!")
    assert outbox.messages(new)[-1].subject == "Your password was changed"
    assert all(m.to for m in outbox.messages())  # never an empty To:


def test_past_the_pools_hourly_limit_a_clear_message_and_nothing_pending(app, outbox):
    browser, old = start_change(app, outbox, "first-try@example.com")
    for _ in range(4):  # five codes in the hour: the pool's limit
        browser.open("/account/email/sent")
        browser.submit("/account/email/resend")
    browser.open("/account/email")
    response = browser.submit("/account/email", email="one-too-many@example.com")
    assert response.status_code == 200
    assert text("email_change_limit").replace("'", "&#39;") in browser.text()
    assert browser.get("/account/email/sent").location == "/account"  # nothing pending here
    pool = app.extensions["gatehouse.localpool"]
    with pool.db.transaction() as conn:
        assert pool.find_user(conn, old)["pending_email"] is None  # nor in the pool
    assert outbox.messages("one-too-many@example.com") == []
    assert _email_now(app, old)[0] == old
    notices = [m.subject for m in outbox.messages(old)]
    assert notices.count("An email change was requested for your account") == 1  # the first only
