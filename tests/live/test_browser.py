"""Headless Chromium (Debian's package, via Playwright): the whole walk, and brand screenshots."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from app.mail.outbox import Outbox

from .conftest import chromium_browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "Corr3ct-horse"


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium from the system package, for this module."""
    with chromium_browser() as browser:
        yield browser


@pytest.fixture
def page(chromium):
    """A fresh browser context (its own cookies) and page, with a time limit on every step."""
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def test_sign_up_confirm_sign_in_and_see_the_claims(front_door, page):
    email = f"chromium-{uuid.uuid4().hex[:8]}@example.com"
    page.goto(f"{front_door.url}/demo")
    page.click("text=Sign in to “demo”")
    page.wait_for_url(re.compile(r".*/login.*"), wait_until="domcontentloaded")
    assert "Demo app" in page.content(), page.url
    page.click("text=Create an account")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/confirm.*"))
    mail = Outbox(front_door.data_dir / "outbox").messages(email)[-1]
    link = re.search(r"\((http[^)]+/confirm\?[^)]+)\)", mail.text).group(1)
    page.goto(link)
    page.click("text=Confirm my email")
    page.wait_for_url(re.compile(r".*/login.*"))
    assert page.input_value("input[name=email]") == email
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/demo$"))
    claims = page.text_content("#claims")
    assert email in claims and '"token_use": "id"' in claims and '"aud": "demo"' in claims


@pytest.mark.parametrize("client_id", ["demo", "northwind"])
def test_sign_in_page_screenshot_for_each_brand(front_door, page, client_id):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 900, "height": 760})
    page.goto(f"{front_door.url}/demo/login?client={client_id}")
    page.wait_for_url(re.compile(r".*/login.*"))
    brand = {"demo": "Demo app", "northwind": "Northwind Traders"}[client_id]
    assert brand in page.content() and f"/brand/{client_id}/brand.css" in page.content()
    path = ARTIFACTS / f"sign-in-{client_id}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5000


def test_start_page_and_account_page_screenshots(front_door, page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 900, "height": 760})
    page.goto(f"{front_door.url}/")
    assert "demo@example.com" in page.content()
    page.screenshot(path=str(ARTIFACTS / "start-page.png"), full_page=True)
    page.get_by_role("link", name="Sign in", exact=True).click()
    page.fill("input[name=email]", "demo@example.com")
    page.fill("input[name=password]", "Demo-passw0rd")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/account$"))
    assert "demo@example.com" in page.content()
    page.screenshot(path=str(ARTIFACTS / "account.png"), full_page=True)


def test_continue_with_google_on_a_branded_page_lands_on_the_demo(front_door, page):
    email = f"chromium-google-{uuid.uuid4().hex[:8]}@example.com"
    page.goto(f"{front_door.url}/demo")
    page.click("text=Sign in to “northwind”")
    page.wait_for_url(re.compile(r".*/login.*"))
    assert "Northwind Traders" in page.content()
    page.click("text=Continue with Google")
    page.wait_for_url(re.compile(r".*/_localpool/oauth2/authorize.*"))
    assert "(simulated)" in page.content()
    page.fill("input[name=email]", email)
    page.fill("input[name=name]", "Chromium Person")
    page.click("button[value=continue]")
    page.wait_for_url(re.compile(r".*/demo$"))
    claims = page.text_content("#claims")
    assert (
        email in claims and '"aud": "northwind"' in claims and '"providerName": "Google"' in claims
    )


def test_email_change_end_to_end(front_door, page):
    old = f"chromium-old-{uuid.uuid4().hex[:8]}@example.com"
    new = f"chromium-new-{uuid.uuid4().hex[:8]}@example.com"
    outbox = Outbox(front_door.data_dir / "outbox")
    page.goto(f"{front_door.url}/signup")
    page.fill("input[name=email]", old)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/confirm.*"))
    link = re.search(r"\((http[^)]+/confirm\?[^)]+)\)", outbox.messages(old)[-1].text).group(1)
    page.goto(link)
    page.click("text=Confirm my email")
    page.wait_for_url(re.compile(r".*/login.*"))
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/account$"))
    page.click("text=Change your email address")
    page.fill("input[name=email]", new)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/account/email/sent$"))
    assert f"Check {new}" in page.content()
    confirm = re.search(
        r"(http://\S+/account/email/confirm\?code=\d{6})", outbox.messages(new)[-1].text
    ).group(1)
    page.goto(confirm)
    page.click("text=Confirm this address")
    page.wait_for_url(re.compile(r".*/account$"))
    assert new in page.content()
    assert outbox.messages(old)[-1].subject == "Your account's email address was changed"


def test_after_signing_in_through_northwind_its_brand_stays_screenshots(front_door, page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 900, "height": 760})
    page.goto(f"{front_door.url}/demo/login?client=northwind")
    page.wait_for_url(re.compile(r".*/login.*"))
    page.fill("input[name=email]", "demo@example.com")
    page.fill("input[name=password]", "Demo-passw0rd")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/demo$"))
    assert '"aud": "northwind"' in page.text_content("#claims")
    back = f"{front_door.url}/demo"  # northwind's registered sign-out URL
    page.goto(f"{front_door.url}/account")
    assert "demo@example.com" in page.content() and "/brand/northwind/brand.css" in page.content()
    assert page.get_by_role("link", name="Back to Northwind Traders").get_attribute("href") == back
    page.screenshot(path=str(ARTIFACTS / "account-northwind.png"), full_page=True)
    response = page.goto(f"{front_door.url}/no-such-page")
    assert response.status == 404 and "/brand/northwind/brand.css" in page.content()
    assert page.get_by_role("link", name="Back to Northwind Traders").get_attribute("href") == back
    page.screenshot(path=str(ARTIFACTS / "error-northwind.png"), full_page=True)
    page.get_by_role("link", name="Back to Northwind Traders").click()
    page.wait_for_url(back)
