""" "Confirm it's you" for people without a password (issue 11): the provider again, or an
emailed code; and no password change offered to someone who has no password."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from app.messages import text

from .conftest import Browser
from .test_deletion import _gone
from .test_magic_link import ask, code_of
from .test_mfa_guessing import _answer, with_totp
from .test_social import at_provider, continue_as

CODE_SUBJECT = "Your code to confirm it's you"


def shown(key: str) -> str:
    """A catalogue message as a page shows it (HTML-escaped apostrophes)."""
    return text(key).replace("'", "&#39;")


def google_person(app, outbox, email: str) -> Browser:
    """A person whose only way in is (simulated) Google, signed in to the account pages."""
    browser = Browser(app, outbox)
    browser.get(continue_as(browser, email))
    assert browser.get("/account").status_code == 200
    return browser


def confirm_with_google(browser: Browser, next_endpoint: str, email: str):
    """On "confirm it's you", press Google and sign in there as ``email``; returns Gatehouse's
    answer to the provider's return."""
    page = browser.open(f"/account/confirm?next={next_endpoint}").get_data(as_text=True)
    assert "Continue with Google" in page
    to_pool = browser.submit(f"/account/confirm/provider?next={next_endpoint}", provider="Google")
    assert to_pool.status_code == 303
    asked = parse_qs(urlsplit(to_pool.location).query)
    assert asked["client_id"] == ["gatehouse"] and asked["identity_provider"] == ["Google"]
    assert asked["code_challenge_method"] == ["S256"] and asked["nonce"] and asked["state"]
    assert asked["prompt"] == ["login"]  # the provider asks again, not a remembered sign-in
    provider = browser.get(to_pool.location).get_data(as_text=True)
    assert "(simulated)" in provider
    back = at_provider(browser, provider, email)
    assert back.status_code == 302 and "/oauth2/idpresponse?" in back.location
    return browser.get(back.location)


def change_email(browser: Browser, outbox, new: str) -> None:
    """Ask for the new address and type the code it gets."""
    browser.open("/account/email")
    assert browser.submit("/account/email", email=new).location == "/account/email/sent"
    browser.open("/account/email/sent")
    assert browser.submit("/account/email/sent", code=browser.last_code(new)).location == (
        "/account"
    )


def test_a_google_only_person_changes_email_and_deletes_after_five_minutes(app, outbox, clock):
    browser = google_person(app, outbox, "g.only@example.com")
    clock.advance(6 * 60)
    assert browser.get("/account/email").location == "/account/confirm?next=email_change.start"
    page = browser.open("/account/confirm?next=email_change.start").get_data(as_text=True)
    assert 'name="password"' not in page  # no password to ask for
    # The buttons post where the person was heading (as a browser does; the helpers post too).
    assert 'action="/account/confirm/provider?next=email_change.start"' in page
    assert 'action="/account/confirm/code/send?next=email_change.start"' in page
    answer = confirm_with_google(browser, "email_change.start", "g.only@example.com")
    assert answer.status_code == 303 and answer.location == "/account/email"
    change_email(browser, outbox, "g.changed@example.com")
    assert "g.changed@example.com" in browser.open("/account").get_data(as_text=True)

    clock.advance(6 * 60)
    assert browser.get("/account/delete").location == "/account/confirm?next=deletion.confirm"
    answer = confirm_with_google(browser, "deletion.confirm", "g.only@example.com")
    assert answer.location == "/account/delete"
    browser.open("/account/delete")
    done = browser.submit("/account/delete")
    assert done.status_code == 200 and "Your account is deleted" in done.get_data(as_text=True)
    assert _gone(app, "g.only@example.com") and _gone(app, "g.changed@example.com")


def test_a_different_person_at_the_provider_is_refused(app, outbox, clock):
    browser = google_person(app, outbox, "owner@example.com")
    clock.advance(6 * 60)
    answer = confirm_with_google(browser, "deletion.confirm", "someone.else@example.com")
    assert answer.location == "/account/confirm?next=deletion.confirm"
    assert shown("reconfirm_other_person") in browser.open(answer.location).get_data(as_text=True)
    # Still the owner's session, still not confirmed: nothing can be deleted.
    assert "owner@example.com" in browser.open("/account").get_data(as_text=True)
    assert browser.get("/account/delete").location == "/account/confirm?next=deletion.confirm"
    assert not _gone(app, "owner@example.com")


def test_a_remembered_old_sign_in_at_the_provider_is_refused(app, outbox, clock, monkeypatch):
    browser = google_person(app, outbox, "stale@example.com")
    clock.advance(6 * 60)
    domain = app.extensions["gatehouse.domain"]
    real = domain.verify_id_token

    def signed_in_an_hour_ago(id_token, **kwargs):
        """The pool's claims, as if its own session had answered without asking."""
        return {**real(id_token, **kwargs), "auth_time": int(clock.now) - 3600}

    monkeypatch.setattr(domain, "verify_id_token", signed_in_an_hour_ago)
    answer = confirm_with_google(browser, "deletion.confirm", "stale@example.com")
    assert answer.location == "/account/confirm?next=deletion.confirm"
    assert shown("reconfirm_not_fresh") in browser.open(answer.location).get_data(as_text=True)
    assert browser.get("/account/delete").location == "/account/confirm?next=deletion.confirm"


def test_a_replayed_provider_return_is_refused(app, outbox, clock):
    browser = google_person(app, outbox, "replay@example.com")
    clock.advance(6 * 60)
    browser.open("/account/confirm?next=deletion.confirm")
    to_pool = browser.submit("/account/confirm/provider?next=deletion.confirm", provider="Google")
    provider = browser.get(to_pool.location).get_data(as_text=True)
    back = at_provider(browser, provider, "replay@example.com")
    other = Browser(app, outbox)  # another browser: the state is bound to the one that asked
    assert other.get(back.location).status_code == 400
    assert browser.get(back.location).location == "/account/delete"
    clock.advance(6 * 60)
    assert browser.get(back.location).status_code == 400  # single use


def test_a_provider_the_account_has_not_linked_is_not_offered(app, outbox, clock):
    browser = google_person(app, outbox, "only.google@example.com")
    clock.advance(6 * 60)
    page = browser.open("/account/confirm?next=deletion.confirm").get_data(as_text=True)
    assert "Continue with Apple" not in page
    refused = browser.submit("/account/confirm/provider?next=deletion.confirm", provider="Facebook")
    assert refused.location == "/account/confirm?next=deletion.confirm"


def _magic_link_person(app, outbox) -> tuple[Browser, str]:
    """Someone who signs in with a magic link's code (never typing the password)."""
    email = Browser(app, outbox).account()
    browser = Browser(app, outbox)
    ask(browser, email)
    browser.open("/magic-link/sent?typing=1")
    assert browser.submit("/magic-link/sent", code=code_of(outbox, email)).location == "/account"
    return browser, email


def _ask_for_code(browser: Browser, next_endpoint: str = "deletion.confirm"):
    """Press "Email me a code" on the confirm page."""
    page = browser.open(f"/account/confirm?next={next_endpoint}").get_data(as_text=True)
    assert "Email me a code" in page
    return browser.submit(f"/account/confirm/code/send?next={next_endpoint}")


def _code(outbox, email: str) -> str:
    """The code in the newest confirmation email to an address."""
    mail = outbox.messages(email)[-1]
    assert mail.subject == CODE_SUBJECT
    return re.search(r"\b(\d{6})\b", mail.text).group(1)


def _type(browser: Browser, code: str, next_endpoint: str = "deletion.confirm"):
    """Type a code on the code page."""
    browser.open(f"/account/confirm/code?next={next_endpoint}")
    return browser.submit(f"/account/confirm/code?next={next_endpoint}", code=code)


def test_a_magic_link_person_confirms_by_emailed_code_and_deletes(app, outbox, clock):
    browser, email = _magic_link_person(app, outbox)
    clock.advance(6 * 60)
    sent = _ask_for_code(browser)
    assert sent.location == "/account/confirm/code?next=deletion.confirm"
    page = browser.open(sent.location).get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and f"{email[0]}•••@example.com" in page
    assert _type(browser, _code(outbox, email)).location == "/account/delete"
    browser.open("/account/delete")
    assert browser.submit("/account/delete").status_code == 200
    assert _gone(app, email)


def test_a_google_only_person_may_confirm_by_code_too(app, outbox, clock):
    browser = google_person(app, outbox, "g.code@example.com")
    clock.advance(6 * 60)
    _ask_for_code(browser, "email_change.start")
    answer = _type(browser, _code(outbox, "g.code@example.com"), "email_change.start")
    assert answer.location == "/account/email"
    assert browser.get("/account/email").status_code == 200


def test_the_code_works_once(app, outbox, clock):
    browser, email = _magic_link_person(app, outbox)
    clock.advance(6 * 60)
    _ask_for_code(browser)
    code = _code(outbox, email)
    assert _type(browser, code).location == "/account/delete"
    clock.advance(6 * 60)
    again = _type(browser, code)
    assert again.status_code == 200 and shown("reconfirm_code_wrong") in again.get_data(
        as_text=True
    )
    assert browser.get("/account/delete").location == "/account/confirm?next=deletion.confirm"


def test_three_wrong_tries_spend_the_code(app, outbox, clock):
    browser, email = _magic_link_person(app, outbox)
    clock.advance(6 * 60)
    _ask_for_code(browser)
    code = _code(outbox, email)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(3):
        answer = _type(browser, wrong)
        assert shown("reconfirm_code_wrong") in answer.get_data(as_text=True)
    spent = _type(browser, code)  # the right code, too late
    assert spent.status_code == 200 and shown("reconfirm_code_wrong") in spent.get_data(
        as_text=True
    )
    assert browser.get("/account/delete").location == "/account/confirm?next=deletion.confirm"
    _ask_for_code(browser)  # a new code works
    assert _type(browser, _code(outbox, email)).location == "/account/delete"


def test_the_code_expires_after_ten_minutes(app, outbox, clock):
    browser, email = _magic_link_person(app, outbox)
    clock.advance(6 * 60)
    _ask_for_code(browser)
    code = _code(outbox, email)
    clock.advance(10 * 60 + 1)
    assert shown("reconfirm_code_wrong") in _type(browser, code).get_data(as_text=True)


def test_the_code_works_only_in_the_browser_that_asked(app, outbox, clock):
    asking, email = _magic_link_person(app, outbox)
    other = Browser(app, outbox)
    other.sign_in(email)
    clock.advance(6 * 60)
    _ask_for_code(asking)
    code = _code(outbox, email)
    assert shown("reconfirm_code_wrong") in _type(other, code).get_data(as_text=True)
    assert _type(asking, code).location == "/account/delete"


def test_a_new_code_replaces_the_last(app, outbox, clock):
    browser, email = _magic_link_person(app, outbox)
    clock.advance(6 * 60)
    _ask_for_code(browser)
    first = _code(outbox, email)
    _ask_for_code(browser)
    second = _code(outbox, email)
    if first != second:
        assert shown("reconfirm_code_wrong") in _type(browser, first).get_data(as_text=True)
    assert _type(browser, second).location == "/account/delete"


def test_codes_are_rate_limited_per_account(app, outbox, clock):
    browser, email = _magic_link_person(app, outbox)
    for _ in range(5):
        assert _ask_for_code(browser).status_code == 303
    assert _ask_for_code(browser).status_code == 429
    assert len([m for m in outbox.messages(email) if m.subject == CODE_SUBJECT]) == 5


def test_a_password_person_keeps_the_password_and_may_use_a_code(signed_in, clock, outbox):
    browser, email = signed_in
    clock.advance(6 * 60)
    page = browser.open("/account/confirm?next=account.password").get_data(as_text=True)
    assert 'autocomplete="current-password"' in page and "Email me a code" in page
    assert "Continue with" not in page  # no provider linked
    _ask_for_code(browser, "account.password")
    assert _type(browser, _code(outbox, email), "account.password").location == (
        "/account/password"
    )


def test_an_account_with_an_authenticator_app_gets_no_emailed_code(app, outbox, clock):
    browser = Browser(app, outbox)
    email, totp = with_totp(app, browser)
    assert _answer(browser, email, totp.at(clock.now)).location == "/account"
    clock.advance(6 * 60)
    page = browser.open("/account/confirm?next=deletion.confirm").get_data(as_text=True)
    assert 'name="password"' in page and "Email me a code" not in page
    # Posted anyway: the same answer as when a code is sent, and no email.
    sent = browser.submit("/account/confirm/code/send?next=deletion.confirm")
    assert sent.location == "/account/confirm/code?next=deletion.confirm"
    assert all(m.subject != CODE_SUBJECT for m in outbox.messages(email))


def test_password_change_is_not_offered_without_a_password(app, outbox):
    browser = google_person(app, outbox, "no.password@example.com")
    page = browser.open("/account").get_data(as_text=True)
    assert "Change your email address" in page and "Change your password" not in page
    assert browser.get("/account/password").location == "/account"
    assert shown("no_password") in browser.open("/account").get_data(as_text=True)


def test_password_change_is_offered_with_a_password(signed_in):
    browser, _ = signed_in
    assert "Change your password" in browser.open("/account").get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/account/confirm/provider", "/account/confirm/code/send", "/account/confirm/code"]
)
def test_not_signed_in_goes_to_sign_in(browser, path):
    browser.open("/login")
    assert browser.submit(path, provider="Google", code="123456").location == "/login"


def test_a_google_only_person_who_came_through_an_app_opens_the_account_pages_by_google(
    app, outbox
):
    """Signed in with Google through an app, the session holds that app's tokens (northwind's
    carry no admin scope, so the pool refuses them for the account pages): the account pages
    ask for Google once more, as Gatehouse's own client, instead of "your session has ended"."""
    from .test_social import authorize

    browser = Browser(app, outbox)
    authorize(browser, "northwind")
    finished = browser.get(continue_as(browser, "g.app@example.com"))
    assert finished.status_code == 303 and "code=" in finished.location  # the app got its code
    opened = browser.get("/account")
    assert opened.location == "/account/confirm?next=account.overview"
    page = browser.open(opened.location).get_data(as_text=True)
    assert shown("reconfirm_for_account") in page and 'name="password"' not in page
    answer = confirm_with_google(browser, "account.overview", "g.app@example.com")
    assert answer.location == "/account"
    assert "g.app@example.com" in browser.open("/account").get_data(as_text=True)
