"""Which language a page speaks, and that the choice carries through a whole flow."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from app import i18n

from .conftest import PASSWORD, Browser

HTML = re.compile(r"<html lang=\"([^\"]+)\" dir=\"(ltr|rtl)\">")
SCRIPTS = {
    "ja": re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]"),
    "ko": re.compile(r"[\uac00-\ud7af]"),
}


def _said(code: str, message_id: str) -> str:
    """A message in a shipped language, from its catalogue; it must really be translated."""
    said = i18n.translations_for(code).gettext(message_id)
    assert said != message_id or code == i18n.SOURCE, f"{code} does not translate {message_id!r}"
    return said


def _html(page: str) -> tuple[str, str]:
    """The page's ``lang`` and ``dir``."""
    return HTML.search(page).groups()


def test_lang_in_the_query_speaks_that_language_and_is_remembered(browser: Browser):
    page = browser.open("/login?lang=ja").get_data(as_text=True)
    assert _html(page) == ("ja", "ltr")
    assert _said("ja", "Forgot your password?") in page
    # The next page, without the parameter, still speaks it (the cookie), whatever the browser
    # prefers.
    page = browser.http.get("/signup", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert _html(page) == ("ja", "ltr")


def test_accept_language_is_followed_when_nothing_was_chosen(browser: Browser):
    page = browser.http.get("/login", headers={"Accept-Language": "de-CH, de;q=0.9, en;q=0.5"})
    assert _html(page.get_data(as_text=True)) == ("de", "ltr")
    assert _said("de", "Forgot your password?") in page.get_data(as_text=True)
    assert not [c for c in page.headers.getlist("Set-Cookie") if c.startswith("lang=")]


def test_the_first_shipped_language_of_accept_language_wins(browser: Browser):
    page = browser.http.get("/login", headers={"Accept-Language": "gd, pt-PT;q=0.8, fr;q=0.7"})
    assert _html(page.get_data(as_text=True)) == ("pt-BR", "ltr")


def test_ui_locales_on_authorize_chooses_arabic_right_to_left_for_the_whole_flow(browser: Browser):
    response = browser.get(
        "/oauth2/authorize?response_type=code&client_id=demo&redirect_uri="
        "http%3A%2F%2Flocalhost%3A8000%2Fdemo%2Fcallback&scope=openid+email&state=s1"
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGjSstw-cM&code_challenge_method=S256"
        "&ui_locales=xx-YY%20ar%20fr"
    )
    assert response.status_code in (302, 303)
    page = browser.open(response.location).get_data(as_text=True)
    assert _html(page) == ("ar", "rtl")
    assert _said("ar", "Forgot your password?") in page


def test_lang_outranks_ui_locales_and_the_cookie(browser: Browser):
    browser.open("/login?lang=fr")
    page = browser.open("/login?lang=he&ui_locales=ko").get_data(as_text=True)
    assert _html(page) == ("he", "rtl")


@pytest.mark.parametrize(
    "value", ["xx", "../../etc/passwd", "a" * 500, "de\r\nSet-Cookie: x=1", ""]
)
def test_a_language_nobody_ships_falls_back_and_is_not_remembered(browser: Browser, value):
    response = browser.http.get("/login", query_string={"lang": value})
    assert response.status_code == 200
    assert _html(response.get_data(as_text=True)) == ("en", "ltr")
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("lang=")]


def test_the_switcher_leads_to_every_language_and_back_to_the_same_page(browser: Browser):
    page = browser.open("/confirm?email=a%40example.com&next=https://evil.example/").get_data(
        as_text=True
    )
    switcher = re.search(r'<a class="languages" href="([^"]+)">', page).group(1)
    languages = browser.open(switcher.replace("&amp;", "&")).get_data(as_text=True)
    links = re.findall(r'<a href="([^"]+)" lang="([^"]+)" hreflang="[^"]+">([^<]+)</a>', languages)
    assert {tag for _url, tag, _name in links} == {
        i18n.bcp47(c) for c in i18n.supported() if c != i18n.SOURCE
    }
    assert "Français" in {name for _url, _tag, name in links}
    assert "evil.example" not in languages
    french = next(url for url, tag, _name in links if tag == "fr").replace("&amp;", "&")
    assert french == "/confirm?email=a%40example.com&lang=fr"
    page = browser.open(french).get_data(as_text=True)
    assert _html(page) == ("fr", "ltr")
    assert 'value="a@example.com"' in page


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "login",
    ],
)
def test_the_language_page_leads_back_to_this_site_only(browser: Browser, next_url):
    page = browser.open("/language?" + urlencode({"next": next_url})).get_data(as_text=True)
    assert "evil.example" not in page and "javascript" not in page
    assert re.search(r'<a href="/\?lang=de" lang="de"', page)


def test_sign_up_in_japanese_mails_in_japanese_and_keeps_it_as_the_user_s_locale(
    browser: Browser, outbox, app
):
    email = "hanako@example.com"
    browser.open("/signup?lang=ja")
    browser.submit("/signup", email=email, password=PASSWORD)
    mail = outbox.messages(email)[-1]
    assert SCRIPTS["ja"].search(mail.subject), mail.subject
    assert SCRIPTS["ja"].search(mail.html)
    idp = app.extensions["gatehouse.userpool"].client
    attributes = idp.admin_get_user(UserPoolId="us-east-1_gatehouse", Username=email)[
        "UserAttributes"
    ]
    assert {"Name": "locale", "Value": "ja"} in attributes
    page = browser.open("/confirm").get_data(as_text=True)
    assert _html(page) == ("ja", "ltr")
    response = browser.submit("/confirm", email=email, code=browser.last_code(email))
    page = browser.open(response.location).get_data(as_text=True)
    assert _html(page) == ("ja", "ltr")
    response = browser.submit("/login", email=email, password=PASSWORD)
    assert response.status_code in (302, 303)
    page = browser.open(response.location).get_data(as_text=True)
    assert _html(page) == ("ja", "ltr") and email in page


def test_a_reset_asked_for_in_korean_is_mailed_in_korean(browser: Browser, outbox):
    email = browser.account()
    browser.open("/forgotPassword?lang=ko")
    browser.submit("/forgotPassword", email=email)
    mail = outbox.messages(email)[-1]
    assert SCRIPTS["ko"].search(mail.subject), mail.subject


@pytest.mark.parametrize("next_url", ["//[::1", "http://[::1", "//0]C"])
def test_a_next_that_is_not_even_a_url_leads_back_to_the_start(browser: Browser, next_url):
    response = browser.http.get("/language", query_string={"next": next_url})
    assert response.status_code == 200
    assert '<a href="/?lang=de" lang="de"' in response.get_data(as_text=True)


def test_an_app_client_that_may_not_write_locale_still_signs_people_up(browser: Browser, app):
    """An app client whose WriteAttributes leave out ``locale``: Cognito would refuse the whole
    SignUp if Gatehouse sent it, so the account is made without it."""
    import time

    pool = app.extensions["gatehouse.userpool"]
    described = dict(pool.app_client("gatehouse"), WriteAttributes=["email", "name"])
    pool._clients["gatehouse"] = (time.monotonic(), described)
    browser.open("/signup?lang=fr")
    browser.submit("/signup", email="no-locale@example.com", password=PASSWORD)
    attributes = pool.client.admin_get_user(
        UserPoolId="us-east-1_gatehouse", Username="no-locale@example.com"
    )["UserAttributes"]
    assert "locale" not in {a["Name"] for a in attributes}
    assert browser.page.status_code == 303
