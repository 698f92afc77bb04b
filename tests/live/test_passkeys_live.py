"""Passkeys in headless Chromium over HTTPS, with CDP's virtual authenticators (resident keys,
user verification): the page's own script makes the passkey and signs in with it."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from app.mail.outbox import Outbox

from .conftest import chromium_browser, start
from .realclients.tls import make_tls

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "Corr3ct-horse"
AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


@pytest.fixture(scope="module")
def https(tmp_path_factory):
    """Gatehouse on https://localhost:<port> (the relying party is ``localhost``) and Chromium
    trusting its throwaway certificate."""
    tls = make_tls(tmp_path_factory.mktemp("tls"))
    proc, server = start(tmp_path_factory.mktemp("passkeys"), tls=tls, host="localhost")
    with chromium_browser(tls.chromium_flag()) as browser:
        yield server, browser
    proc.terminate()
    proc.wait(timeout=10)


def with_authenticator(browser):
    """A fresh context and page with its own virtual authenticator; returns (context, page,
    the CDP session, the authenticator's id)."""
    context = browser.new_context(java_script_enabled=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.console_lines = []
    page.on("console", lambda message: page.console_lines.append(message.text))
    page.on("pageerror", lambda error: page.console_lines.append(f"pageerror: {error}"))
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    return context, page, cdp, added["authenticatorId"]


def shot(page, name: str) -> None:
    """A screenshot for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"passkey-{name}.png"), full_page=True)


def sign_up(page, server, email: str) -> None:
    """Sign up for the demo app and confirm by the emailed link; ends at the sign-in page."""
    page.goto(f"{server.url}/demo")
    page.click("text=Sign in to “demo”")
    page.wait_for_url(re.compile(r".*/login.*"))
    page.click("text=Create an account")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/confirm.*"))
    mail = Outbox(server.data_dir / "outbox").messages(email)[-1]
    page.goto(re.search(r"\((http[^)]+/confirm\?[^)]+)\)", mail.text).group(1))
    page.click("text=Confirm my email")
    page.wait_for_url(re.compile(r".*/login.*"))


def make_passkey_after_sign_up(page, server, email: str, name: str = "") -> None:
    """Sign up, sign in with the password, take the passkey offer and make one; ends at the demo
    app (screenshots of the offer and the add page on the way)."""
    sign_up(page, server, email)
    shot(page, "sign-in")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    # The page's script told the server this browser can make passkeys: the offer.
    page.wait_for_url(re.compile(r".*/account/passkeys/offer$"))
    shot(page, "offer")
    page.get_by_role("link", name="Add a passkey").click()
    page.wait_for_url(re.compile(r".*/account/passkeys/new.*"))
    if name:
        page.fill("input[name=name]", name)
    shot(page, "add")
    page.get_by_role("button", name="Create a passkey").click()
    page.wait_for_url(re.compile(r".*/demo$"))  # on to the app once the passkey is made


def passkey_sign_in_to_demo(page, server, email: str) -> None:
    """From the demo app to Gatehouse's sign-in page, then "Sign in with a passkey"."""
    page.goto(f"{server.url}/demo")
    page.click("text=Sign in to “demo”")
    page.wait_for_url(re.compile(r".*/login.*"))
    page.fill("input[name=email]", email)
    page.get_by_role("button", name="Sign in with a passkey").click()


def test_a_passkey_made_after_sign_up_signs_in_to_an_app_and_is_deleted(https):
    server, browser = https
    email = f"passkey-{uuid.uuid4().hex[:8]}@example.com"
    context, page, cdp, authenticator = with_authenticator(browser)
    try:
        make_passkey_after_sign_up(page, server, email, name="Chromium")
        made = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
        assert len(made["credentials"]) == 1 and made["credentials"][0]["isResidentCredential"]

        page.goto(f"{server.url}/account")
        page.get_by_role("button", name="Sign out", exact=True).click()
        page.wait_for_url(re.compile(r".*/login.*"))
        passkey_sign_in_to_demo(page, server, email)
        page.wait_for_url(re.compile(r".*/demo$"))
        claims = page.text_content("#claims")
        assert email in claims and '"aud": "demo"' in claims, page.console_lines

        page.goto(f"{server.url}/account/passkeys")
        assert "Chromium" in page.content()
        shot(page, "list")
        page.get_by_role("button", name="Delete this passkey").click()
        page.wait_for_url(re.compile(r".*/account/passkeys$"))
        assert "You have no passkeys yet." in page.content()
        page.goto(f"{server.url}/account")
        page.get_by_role("button", name="Sign out", exact=True).click()
        page.wait_for_url(re.compile(r".*/login.*"))
        # The authenticator still holds the deleted passkey: the pool no longer takes it.
        passkey_sign_in_to_demo(page, server, email)
        page.wait_for_url(re.compile(r".*/login\?.*"))
        assert "be used here" in page.content()
    finally:
        context.close()


def test_passkey_autofill_signs_in_once_the_address_is_typed(https):
    """The sign-in page's conditional request: with a passkey on the authenticator, typing the
    address is enough (the virtual authenticator picks the passkey as a person would from the
    field's autofill); the answer names its waiting request, kept outside the session."""
    server, browser = https
    email = f"passkey-{uuid.uuid4().hex[:8]}@example.com"
    context, page, _, _ = with_authenticator(browser)
    try:
        make_passkey_after_sign_up(page, server, email)
        page.goto(f"{server.url}/account")
        page.get_by_role("button", name="Sign out", exact=True).click()
        page.wait_for_url(re.compile(r".*/login.*"))
        page.goto(f"{server.url}/demo")
        page.click("text=Sign in to “demo”")
        page.wait_for_url(re.compile(r".*/login.*"))
        page.fill("input[name=email]", email)
        page.press("input[name=email]", "Tab")  # the field's change: the script asks for options
        page.wait_for_url(re.compile(r".*/demo$"))
        claims = page.text_content("#claims")
        assert email in claims and '"aud": "demo"' in claims, page.console_lines
    finally:
        context.close()


def test_an_authenticator_without_the_passkey_cannot_sign_in(https):
    server, browser = https
    email = f"passkey-{uuid.uuid4().hex[:8]}@example.com"
    context, page, _, _ = with_authenticator(browser)
    try:
        make_passkey_after_sign_up(page, server, email)
    finally:
        context.close()
    # Another browser with its own, empty authenticator.
    context, page, _, _ = with_authenticator(browser)
    try:
        passkey_sign_in_to_demo(page, server, email)
        page.wait_for_url(re.compile(r".*/login/passkey$"))
        page.locator("#passkey-failed").wait_for(state="visible")
        shot(page, "none-here")
        page.goto(f"{server.url}/account")
        assert "/login" in page.url
    finally:
        context.close()


def test_without_javascript_there_is_no_passkey_button(https):
    server, browser = https
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/login")
        assert page.get_by_role("button", name="Sign in with a passkey").count() == 0
        assert page.get_by_role("button", name="Sign in", exact=True).count() == 1
    finally:
        context.close()
