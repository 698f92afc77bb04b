"""Magic links live: gunicorn, the local pool running the project's triggers, and two devices in
Chromium with JavaScript off — the asking browser's page refreshes itself and finishes the sign-in
that the other device confirmed."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from app.mail.outbox import Outbox

from .conftest import chromium_browser
from .person import Person
from .test_oauth2_front_door import sign_up_and_confirm

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium from the system package, for this module."""
    with chromium_browser() as browser:
        yield browser


def device(chromium):
    """A browser of its own (its own cookies), JavaScript off: pages must work without it."""
    page = chromium.new_context(java_script_enabled=False).new_page()
    page.set_default_timeout(15000)
    return page


def test_asked_on_one_device_confirmed_on_another(front_door, chromium):
    email = f"magic-{uuid.uuid4().hex[:8]}@example.com"
    sign_up_and_confirm(front_door, Person(front_door.url), email)
    asking = device(chromium)
    asking.goto(front_door.url + "/magic-link")
    asking.fill("input[name=email]", email)
    asking.click("button[type=submit]")
    asking.wait_for_url("**/magic-link/sent")
    number = asking.text_content(".match").strip()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    asking.screenshot(path=str(ARTIFACTS / "magic-link-waiting.png"), full_page=True)

    mail = Outbox(front_door.data_dir / "outbox").messages(email)[-1]
    link = re.search(r"(http://\S+/magic/\S+)", mail.text).group(1)
    assert link.startswith(front_door.url)
    phone = device(chromium)
    phone.goto(link)
    phone.screenshot(path=str(ARTIFACTS / "magic-link-other-device.png"), full_page=True)
    phone.fill("input[name=number]", number)
    phone.click("button:text-is('Sign in on my other device')")
    assert "signed in on your other device" in phone.text_content("h1")
    phone.goto(front_door.url + "/account")
    assert "/login" in phone.url  # the phone itself is not signed in

    asking.wait_for_url("**/account")  # by its own refresh, without JavaScript
    assert email in asking.content()
    again = Person(front_door.url)
    again.open(link)
    assert again.submit(link, here="yes").status_code == 400
    # The token travels in the path; gunicorn's access log must not print it.
    token = link.rsplit("/magic/", 1)[1]
    log = front_door.log.read_text()
    assert '"path": "/magic/[redacted]"' in log and token not in log
