"""Every page after the first keeps the brand of the app client the person came from, and offers
a way back to it (a URL registered for that app client, never one from the request)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from app.store import StoreUnavailable

from .conftest import Browser
from .oauth2_app import authorize_url, signed_in_callback, tokens_for

NORTHWIND = "/brand/northwind/brand.css"
DEFAULT = "/brand/default/brand.css"
# Northwind's registered sign-out URL in the seed: the only way back a page may offer.
BACK = '<a class="button way-back" href="http://localhost:8000/demo">Back to Northwind Traders</a>'
FOOTER_BACK = '<a class="way-back" href="http://localhost:8000/demo">Back to Northwind Traders</a>'


def northwind(page: str) -> bool:
    """True when a page wears Northwind's brand (its stylesheet and its name)."""
    return NORTHWIND in page and "Northwind Traders" in page and DEFAULT not in page


def offers_way_back(page: str) -> bool:
    """True when a page links back to Northwind at its registered URL, and nowhere else."""
    links = re.findall(r'class="(?:button )?way-back" href="([^"]+)"', page)
    return links == ["http://localhost:8000/demo"]


@pytest.fixture
def northwind_person(app, outbox) -> Browser:
    """A person who signed in through the northwind app client and came back to Gatehouse."""
    browser = Browser(app, outbox)
    signed_in_callback(browser, "northwind")
    return browser


def test_account_pages_after_signing_in_through_northwind_keep_its_brand(northwind_person):
    for path in ("/account", "/account/email", "/account/password"):
        page = northwind_person.open(path).get_data(as_text=True)
        assert northwind_person.page.status_code == 200, path
        assert northwind(page), path
        assert FOOTER_BACK in page and offers_way_back(page), path


def test_the_email_change_pages_keep_the_brand(northwind_person):
    northwind_person.open("/account/email")
    response = northwind_person.submit("/account/email", email="new-address@example.com")
    while response.status_code == 303:
        response = northwind_person.get(response.location)
    page = northwind_person.text()
    assert northwind(page) and offers_way_back(page)


@pytest.mark.parametrize(
    ("request_it", "status"),
    [
        (lambda b: b.get("/no-such-page"), 404),
        (lambda b: b.http.post("/account/signout", data={}), 400),  # no CSRF token
        (lambda b: b.http.post("/login", data={"email": "a" * (300 * 1024)}), 413),
    ],
)
def test_error_pages_keep_the_brand_and_lead_back_to_the_app(northwind_person, request_it, status):
    response = request_it(northwind_person)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert northwind(page) and BACK in page and offers_way_back(page)
    assert "Back to the start" not in page


def test_the_429_page_keeps_the_brand(make_app, outbox):
    browser = Browser(make_app(rate_limit_ip="2 per minute"), outbox)
    browser.get(authorize_url("northwind", "v" * 64))
    for _ in range(2):
        browser.sign_in("someone@example.com", "x")
    response = browser.sign_in("someone@example.com", "x")
    assert response.status_code == 429
    assert northwind(browser.text()) and BACK in browser.text()


def test_the_503_keeps_the_brand_while_the_store_cannot_be_read(app, northwind_person):
    store = app.extensions["gatehouse.store"]

    def fail(*_args, **_kwargs):
        raise StoreUnavailable("injected")

    for name in ("put", "get", "take", "add", "delete", "keys", "ping"):
        setattr(store, name, fail)
    response = northwind_person.get("/account")
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert northwind(northwind_person.text()) and offers_way_back(northwind_person.text())


def test_the_magic_link_continue_page_in_another_browser_wears_the_apps_brand(app, outbox):
    asking = Browser(app, outbox)
    email = asking.account()
    asking.get(authorize_url("northwind", "v" * 64))
    asking.open("/magic-link")
    asking.submit("/magic-link", email=email)
    sent = asking.open("/magic-link/sent").get_data(as_text=True)
    assert northwind(sent) and offers_way_back(sent)  # "check your email"
    link = re.search(r"http://localhost:8000(/magic/\S+)", outbox.messages(email)[-1].text)
    other = Browser(app, outbox)  # a new browser: no pending request, no session
    page = other.open(link.group(1)).get_data(as_text=True)
    assert "Finish signing in" in page and northwind(page) and offers_way_back(page)


def test_an_emailed_reset_link_keeps_the_brand_after_a_wrong_code(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    fresh = Browser(app, outbox)  # the link opened in another browser
    page = fresh.open(f"/confirmForgotPassword?email={email}&code=000000&client_id=northwind")
    assert northwind(page.get_data(as_text=True))
    # The form posts without the query: the brand is remembered, not read from the link again.
    refused = fresh.submit("/confirmForgotPassword", email=email, code="000000", password="x")
    assert refused.status_code in (200, 400) and northwind(fresh.text())
    assert offers_way_back(fresh.text())


def test_the_signed_out_pages_keep_the_brand(app, outbox):
    browser = Browser(app, outbox)
    signed_in_callback(browser, "northwind")
    browser.open("/account")
    response = browser.submit("/account/signout-everywhere")
    assert response.status_code == 303
    signed_out = browser.open(response.location).get_data(as_text=True)
    assert northwind(signed_out) and offers_way_back(signed_out)


def test_a_client_id_in_the_link_never_outranks_the_pending_request(browser):
    browser.get(authorize_url("northwind", "v" * 64))
    page = browser.open("/login?client_id=demo").get_data(as_text=True)
    assert northwind(page)


@pytest.mark.parametrize("client_id", ["nosuchclient", "gatehouse", "default", "<script>"])
def test_an_unknown_or_unbranded_client_in_the_link_gets_the_default_brand(browser, client_id):
    response = browser.open(f"/login?client_id={client_id}")
    page = response.get_data(as_text=True)
    assert DEFAULT in page and "way-back" not in page
    assert "brand=" not in response.headers.get("Set-Cookie", "")


def test_a_brand_folder_for_an_app_client_the_pool_does_not_have_is_not_worn(make_app, outbox):
    brands = Path(__file__).resolve().parents[2] / "branding"
    folder = Path(make_app().extensions["gatehouse.settings"].data_dir).parent / "branding"
    shutil.copytree(brands, folder)
    shutil.copytree(folder / "northwind", folder / "lookalike")
    browser = Browser(make_app(branding_dir=folder), outbox)
    page = browser.open("/login?client_id=lookalike").get_data(as_text=True)
    assert DEFAULT in page and "/brand/lookalike/" not in page


def test_a_forged_brand_cookie_is_ignored(app, outbox):
    browser = Browser(app, outbox)
    browser.http.set_cookie("brand", "northwind", domain="localhost")
    assert DEFAULT in browser.open("/login").get_data(as_text=True)


def test_an_anonymous_visitors_brand_costs_no_store_write(app, outbox):
    store = app.extensions["gatehouse.store"]
    writes = []
    original = store.put

    def counting(key, value, ttl):
        writes.append(key)
        return original(key, value, ttl)

    store.put = counting
    browser = Browser(app, outbox)
    page = browser.open("/login?client_id=northwind").get_data(as_text=True)
    assert northwind(page) and northwind(browser.open("/signup").get_data(as_text=True))
    assert not [key for key in writes if key.startswith("session:")]


def test_gatehouses_own_pages_keep_gatehouses_brand(northwind_person):
    assert DEFAULT in northwind_person.open("/").get_data(as_text=True)
    assert DEFAULT in northwind_person.open("/demo").get_data(as_text=True)


def test_the_signed_out_page_of_an_rp_initiated_sign_out_wears_the_apps_brand(app, outbox):
    tokens = tokens_for(Browser(app, outbox), "northwind")
    other = Browser(app, outbox)  # the app's own sign-out link, in a browser with no brand yet
    page = other.open(f"/logout?id_token_hint={tokens['id_token']}").get_data(as_text=True)
    assert other.page.status_code == 200 and "Signed out" in page
    assert northwind(page) and offers_way_back(page)


def test_authorize_remembers_the_brand_even_when_no_page_follows(browser):
    # With single sign-on the request may be answered at once: the brand is kept right there.
    response = browser.get(authorize_url("northwind", "v" * 64))
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("brand=") and "HttpOnly" in c and "SameSite=Lax" in c for c in cookies)


def test_an_app_without_a_brand_folder_is_remembered_for_its_way_back(make_app, outbox):
    """The link's client_id names no brand folder here, so only the validated request can
    choose the app: its default-branded pages still lead back to it, at its registered URL."""
    folder = Path(make_app().extensions["gatehouse.settings"].data_dir).parent / "branding"
    shutil.copytree(Path(__file__).resolve().parents[2] / "branding", folder)
    shutil.rmtree(folder / "northwind")
    browser = Browser(make_app(branding_dir=folder), outbox)
    response = browser.get(authorize_url("northwind", "v" * 64))
    assert any(c.startswith("brand=") for c in response.headers.getlist("Set-Cookie"))
    page = browser.open(response.location).get_data(as_text=True)
    assert DEFAULT in page and offers_way_back(page) and "Back to the app" in page


def test_the_way_back_is_never_a_url_from_the_request(northwind_person):
    """Whatever URL a link carries, under whatever name, the page leads back only to the URL
    registered for the app client."""
    evil = "https://evil.example/"
    names = ("redirect_uri", "logout_uri", "post_logout_redirect_uri", "back", "next", "url")
    query = "&".join(f"{name}={evil}" for name in names)
    for path in ("/login", "/account", "/no-such-page"):
        page = northwind_person.get(f"{path}?client_id=northwind&{query}").get_data(as_text=True)
        assert offers_way_back(page) and "evil.example" not in page, path
