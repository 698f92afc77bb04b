"""A Google-only person in headless Chromium (no JavaScript), more than five minutes after signing
in: changes their email and deletes their account, confirming it's them with Google again; a
different person at Google is refused. And a magic-link person confirms by emailed code."""

from __future__ import annotations

import re
import uuid

import pytest

from app.mail.outbox import Outbox

from .conftest import chromium_browser, local_idp, start
from .person import Person
from .test_oauth2_front_door import sign_up_and_confirm

SIX_MINUTES = 6 * 60


@pytest.fixture(scope="module")
def shifted(tmp_path_factory):
    """A live server whose clock the test moves forward (tests/live/shifted_clock.py)."""
    tmp = tmp_path_factory.mktemp("shifted")
    offset = tmp / "clock-offset"
    offset.write_text("0")
    proc, server = start(
        tmp, wsgi="tests.live.shifted_clock:app", LIVE_CLOCK_OFFSET_FILE=str(offset)
    )
    server.offset = offset
    yield server
    proc.terminate()
    proc.wait(timeout=10)


def later(server, seconds: int) -> None:
    """Move the server's clock forward. The new offset replaces the file in one step: a request
    that reads it meanwhile must not see it empty (no shift: the clock six minutes back)."""
    written = server.offset.with_suffix(".new")
    written.write_text(str(float(server.offset.read_text()) + seconds))
    written.replace(server.offset)


def at_google(page, email: str) -> None:
    """On the simulated Google page: continue as ``email``."""
    page.wait_for_url(re.compile(r".*/_localpool/oauth2/authorize.*"))
    assert "(simulated)" in page.content()
    page.fill("input[name=email]", email)
    page.click("button[value=continue]")


def confirm_with_google(page, email: str) -> None:
    """On "confirm it's you": no password asked; press Google and continue as ``email``."""
    page.wait_for_url(re.compile(r".*/account/confirm\?next=.*"))
    assert page.locator("input[name=password]").count() == 0
    page.click("text=Continue with Google")
    at_google(page, email)


def test_google_only_person_changes_email_and_deletes_after_five_minutes(shifted):
    email = f"g-{uuid.uuid4().hex[:8]}@example.com"
    new = f"g-new-{uuid.uuid4().hex[:8]}@example.com"
    stranger = f"stranger-{uuid.uuid4().hex[:8]}@example.com"
    outbox = Outbox(shifted.data_dir / "outbox")
    with chromium_browser() as chromium:
        context = chromium.new_context(java_script_enabled=False)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(f"{shifted.url}/login")
        page.click("text=Continue with Google")
        at_google(page, email)
        page.wait_for_url(re.compile(r".*/account$"))
        assert "Change your password" not in page.content()  # a Google-only account has none

        later(shifted, SIX_MINUTES)
        page.click("text=Change your email address")
        confirm_with_google(page, email)
        page.wait_for_url(re.compile(r".*/account/email$"))
        page.fill("input[name=email]", new)
        page.click("button:text-is('Send confirmation')")
        page.wait_for_url(re.compile(r".*/account/email/sent$"))
        code = re.search(r"\b(\d{6})\b", outbox.messages(new)[-1].text).group(1)
        page.fill("input[name=code]", code)
        page.click("button:text-is('Confirm')")
        page.wait_for_url(re.compile(r".*/account$"))
        assert new in page.content()

        later(shifted, SIX_MINUTES)
        page.click("text=Delete your account")
        confirm_with_google(page, stranger)  # someone else's Google account
        page.wait_for_url(re.compile(r".*/account/confirm\?next=deletion.confirm$"))
        assert "different account at the provider" in page.content()
        page.click("text=Continue with Google")
        at_google(page, email)
        page.wait_for_url(re.compile(r".*/account/delete$"))
        page.click("button:text-is('Delete my account')")
        assert "Your account is deleted" in page.content()
        context.close()
    idp = local_idp(shifted)
    for address in (email, new):
        users = idp.list_users(UserPoolId="us-east-1_gatehouse", Filter=f'email = "{address}"')
        assert users["Users"] == []


def test_magic_link_person_confirms_by_emailed_code(shifted):
    email = f"ml-{uuid.uuid4().hex[:8]}@example.com"
    outbox = Outbox(shifted.data_dir / "outbox")
    sign_up_and_confirm(shifted, Person(shifted.url), email)
    person = Person(shifted.url)
    person.open("/magic-link")
    assert person.submit("/magic-link", email=email).headers["Location"] == "/magic-link/sent"
    code = re.search(r"asked for the link: (\d{6})", outbox.messages(email)[-1].text).group(1)
    person.open("/magic-link/sent?typing=1")
    assert person.submit("/magic-link/sent", code=code).headers["Location"] == "/account"
    later(shifted, SIX_MINUTES)
    assert person.open("/account/delete").url.endswith("/account/confirm?next=deletion.confirm")
    sent = person.submit("/account/confirm/code/send?next=deletion.confirm")
    assert sent.headers["Location"] == "/account/confirm/code?next=deletion.confirm"
    mail = outbox.messages(email)[-1]
    assert mail.subject == "Your code to confirm it's you"
    person.open(sent.headers["Location"])
    typed = person.submit(sent.headers["Location"], code=re.search(r"\b(\d{6})\b", mail.text)[1])
    assert typed.headers["Location"] == "/account/delete"
    person.open("/account/delete")
    assert "Your account is deleted" in person.submit("/account/delete").text
