""" "Not you? Secure your account" (issue 10, account takeover 2): whether someone's change of the
address is still pending or already done, the link gives the account back the old address, stops
the password anyone else knows, sends the reset code to the old address, signs the account out
everywhere, pre-fills the old address, and works once."""

from __future__ import annotations

import re

import pytest

from app.messages import text

from .conftest import PASSWORD, Browser

ATTACKER = "attacker@evil.example.com"


def _pool_user(app, sub: str) -> dict:
    """The local pool's record of a user."""
    pool = app.extensions["gatehouse.localpool"]
    with pool.db.transaction() as conn:
        return pool.user_by_sub(conn, sub)


def _sub(app, email: str) -> str:
    """A user's sub, looked up by email."""
    pool = app.extensions["gatehouse.localpool"]
    with pool.db.transaction() as conn:
        return pool.find_user(conn, email)["sub"]


def _taken_over(app, outbox, *, complete: bool):
    """Someone signed in to the victim's account moves it to their address (and confirms it)."""
    attacker = Browser(app, outbox)
    victim_email = attacker.account()
    sub = _sub(app, victim_email)
    attacker.sign_in(victim_email)
    attacker.open("/account/email")
    attacker.submit("/account/email", email=ATTACKER)
    if complete:
        attacker.open("/account/email/sent")
        assert attacker.submit("/account/email/sent", code=attacker.last_code(ATTACKER)).location
        assert _pool_user(app, sub)["attributes"]["email"] == ATTACKER
    (notice,) = [
        m
        for m in outbox.messages(victim_email)
        if m.subject == "An email change was requested for your account"
    ]
    link = re.search(r"http://localhost:8000(/account/secure/\S+)", notice.text).group(1)
    return attacker, victim_email, sub, link


def _secure(app, outbox, link: str) -> Browser:
    """The victim opens the link (in a browser that is not signed in) and presses the button."""
    victim = Browser(app, outbox)
    page = victim.open(link).get_data(as_text=True)
    assert "Secure my account" in page
    victim.submit(link)
    return victim


def _said(browser, key: str) -> bool:
    """True when the current page shows a catalogue message."""
    return text(key).replace("'", "&#39;") in browser.text()


@pytest.mark.parametrize("complete", [False, True], ids=["pending", "completed"])
def test_the_link_gives_the_old_address_back_and_the_reset_goes_there(app, outbox, complete):
    attacker, old, sub, link = _taken_over(app, outbox, complete=complete)
    resets_to_attacker = len(outbox.messages(ATTACKER))
    victim = _secure(app, outbox, link)
    assert victim.page.location == "/confirmForgotPassword"
    user = _pool_user(app, sub)
    assert user["attributes"]["email"] == old and user["attributes"]["email_verified"] == "true"
    assert not user["pending_email"]
    assert attacker.get("/account").status_code == 303  # signed out everywhere
    assert Browser(app, outbox).sign_in(old, PASSWORD).location != "/account"  # password stopped
    assert Browser(app, outbox).sign_in(ATTACKER, PASSWORD).location != "/account"
    assert len(outbox.messages(ATTACKER)) == resets_to_attacker  # nothing more to the attacker
    reset = outbox.messages(old)[-1]
    assert reset.subject.startswith("Reset your")
    page = victim.open("/confirmForgotPassword").get_data(as_text=True)
    assert f'value="{old}"' in page  # the old address, pre-filled
    assert _said(victim, "account_restored" if complete else "account_secured")
    victim.submit(
        "/confirmForgotPassword", email=old, code=victim.last_code(old), password="Back-in-c0ntrol"
    )
    back = Browser(app, outbox)
    assert back.sign_in(old, "Back-in-c0ntrol").location == "/account"
    assert back.get("/account/email/sent").location == "/account"  # nothing left pending


def test_the_link_works_once(app, outbox):
    _, _, _, link = _taken_over(app, outbox, complete=True)
    _secure(app, outbox, link)
    again = Browser(app, outbox)
    assert again.get(link).status_code == 400
    assert "no longer works" in again.text()


def test_when_the_old_address_belongs_to_someone_else_now_the_page_says_so(app, outbox):
    attacker, old, sub, link = _taken_over(app, outbox, complete=True)
    Browser(app, outbox).account(old)  # a new account takes the freed address
    before = len(outbox.messages(ATTACKER))
    victim = Browser(app, outbox)
    victim.open(link)
    response = victim.submit(link)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "another account uses that address now" in page
    assert old in page and "locked" in page
    assert _pool_user(app, sub)["enabled"] == 0
    assert attacker.get("/account").status_code == 303
    assert Browser(app, outbox).sign_in(ATTACKER, PASSWORD).location != "/account"
    assert len(outbox.messages(ATTACKER)) == before  # no reset code to the attacker


def test_a_forged_or_old_link_is_refused(app, outbox, clock):
    _, _, _, link = _taken_over(app, outbox, complete=False)
    assert Browser(app, outbox).get("/account/secure/forged").status_code == 400
    clock.advance(3 * 86400 + 60)
    assert Browser(app, outbox).get(link).status_code == 400


def test_securing_the_account_ends_every_other_link_it_sent(app, outbox):
    """The attacker, holding the account, starts one more change from his own address: that
    notice carries a link naming *his* address. Once the owner secures the account, that link
    must not give the account back to him (nor send him a reset code)."""
    attacker, old, sub, link = _taken_over(app, outbox, complete=True)
    attacker.sign_in(ATTACKER)  # the account's address is his now; the password too
    attacker.open("/account/email")
    attacker.submit("/account/email", email="second@evil.example.com")
    (his,) = [
        m
        for m in outbox.messages(ATTACKER)
        if m.subject == "An email change was requested for your account"
    ]
    his_link = re.search(r"http://localhost:8000(/account/secure/\S+)", his.text).group(1)
    _secure(app, outbox, link)  # the owner takes the account back
    before = len(outbox.messages(ATTACKER))
    again = Browser(app, outbox)
    if again.open(his_link).status_code == 200:
        again.submit(his_link)  # he presses "Secure my account" on his own link
    assert again.page.status_code == 400 and "no longer works" in again.text()
    user = _pool_user(app, sub)
    assert user["attributes"]["email"] == old and user["enabled"] == 1
    assert len(outbox.messages(ATTACKER)) == before  # no reset code to the attacker


def test_securing_while_no_mail_can_be_sent_still_stops_the_password(app, outbox, monkeypatch):
    from app.mail import outbox as outbox_module
    from app.mail.outbox import MailUnavailable

    _, old, sub, link = _taken_over(app, outbox, complete=True)
    victim = Browser(app, outbox)
    victim.open(link)

    def refuse(*_args, **_kwargs):
        """Every outbox is failing for now: no reset code can go out."""
        raise MailUnavailable("the mail service refuses for now")

    monkeypatch.setattr(outbox_module.Outbox, "send", refuse)
    response = victim.submit(link)
    assert response.status_code == 200  # the page says what happened, not a 500
    assert _pool_user(app, sub)["attributes"]["email"] == old
    assert Browser(app, outbox).sign_in(old, PASSWORD).location != "/account"
