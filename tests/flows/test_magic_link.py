"""Magic links through the pages, against the local pool running the project's own triggers."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from app.messages import text

from .conftest import Browser, without_tokens

CALLBACK = "http://localhost:8000/demo/callback"


def ask(browser: Browser, email: str):
    """Ask for a link from the sign-in page's offer."""
    browser.open("/magic-link")
    return browser.submit("/magic-link", email=email)


def link_of(outbox, email: str) -> str:
    """The newest magic link sent to an address, as a path."""
    mail = outbox.messages(email)[-1]
    return re.search(r"http://localhost:8000(/magic/\S+)", mail.text).group(1)


def code_of(outbox, email: str) -> str:
    return re.search(
        r"code in the browser where you asked for the link: (\d{6})",
        outbox.messages(email)[-1].text,
    ).group(1)


def test_offered_on_brands_that_enable_it(app):
    demo = app.test_client().get("/login?client_id=demo").get_data(as_text=True)
    assert "/magic-link" in demo
    # A fresh browser: the first would remember the demo brand (Gatehouse's own id changes nothing).
    own = app.test_client().get("/login?client_id=gatehouse").get_data(as_text=True)
    assert "/magic-link" not in own


def test_link_opened_twice_then_posted_in_a_fresh_browser_signs_in_once(app, outbox):
    asking = Browser(app, outbox)
    email = asking.account()
    assert ask(asking, email).location == "/magic-link/sent"
    link = link_of(outbox, email)
    other = Browser(app, outbox)  # another device: fresh cookies
    for _ in range(2):  # scanners and previews open links: nothing is consumed
        page = other.open(link).get_data(as_text=True)
        assert "Continue as" in page and f"{email[0]}•••@example.com" in page
    response = other.submit(link)
    assert response.status_code == 303 and response.location == "/account"
    assert email in other.open("/account").get_data(as_text=True)
    third = Browser(app, outbox)
    third.open(link)
    assert third.page.status_code == 200
    refused = third.submit(link)
    assert refused.status_code == 400 and "no longer works" in refused.get_data(as_text=True)


def test_exactly_one_email_per_sign_in(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    before = len(outbox.messages(email))
    ask(browser, email)
    link = link_of(outbox, email)
    browser.open(link)
    browser.submit(link)
    assert len(outbox.messages(email)) == before + 1


def test_typed_code_in_the_asking_browser(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    ask(browser, email)
    browser.open("/magic-link/sent")
    response = browser.submit("/magic-link/sent", code=code_of(outbox, email))
    assert response.location == "/account"


def test_three_wrong_codes_fail_the_attempt(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    ask(browser, email)
    right = code_of(outbox, email)
    wrong = "000000" if right != "000000" else "111111"
    browser.open("/magic-link/sent")
    for _ in range(3):
        browser.submit("/magic-link/sent", code=wrong)
        assert text("magic_code_wrong").replace("'", "&#39;") in browser.text()
    browser.submit("/magic-link/sent", code=right)
    assert browser.page.status_code == 200 and "/account" not in (browser.page.location or "")
    assert text("magic_code_wrong").replace("'", "&#39;") in browser.text()
    # Three wrong codes spend the link as well as the code (the README's promise).
    link = link_of(outbox, email)
    other = Browser(app, outbox)
    other.open(link)
    refused = other.submit(link)
    assert refused.status_code == 400 and "no longer works" in refused.get_data(as_text=True)
    assert other.get("/account").status_code != 200


def test_unknown_and_known_addresses_get_identical_pages_and_only_one_email(app, outbox):
    email = Browser(app, outbox).account()
    pages = []
    for address in (email, "nobody@example.com"):
        browser = Browser(app, outbox)
        response = ask(browser, address)
        followed = browser.open(response.location)
        pages.append(
            (
                response.status_code,
                response.location,
                without_tokens(followed.get_data(as_text=True)),
            )
        )
    assert pages[0] == pages[1]
    assert outbox.messages("nobody@example.com") == []
    before = len(outbox.messages(email))
    ask(Browser(app, outbox), email)  # within 60 seconds: no second email
    assert len(outbox.messages(email)) == before


def test_a_new_link_supersedes_the_old_one(app, outbox, clock):
    browser = Browser(app, outbox)
    email = browser.account()
    ask(browser, email)
    old = link_of(outbox, email)
    clock.advance(61)
    ask(browser, email)
    new = link_of(outbox, email)
    assert new != old
    other = Browser(app, outbox)
    other.open(old)
    assert other.submit(old).status_code == 400
    other.open(new)
    assert other.submit(new).location == "/account"


def test_expired_and_tampered_links_get_the_one_clear_page(app, outbox, clock):
    browser = Browser(app, outbox)
    email = browser.account()
    ask(browser, email)
    link = link_of(outbox, email)
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    for path in (tampered, "/magic/not-a-token"):
        response = Browser(app, outbox).get(path)
        assert response.status_code == 400 and "Send me a new link" in response.get_data(
            as_text=True
        )
    clock.advance(15 * 60 + 1)
    response = Browser(app, outbox).get(link)
    assert response.status_code == 400 and "Send me a new link" in response.get_data(as_text=True)


def test_the_pending_oauth2_request_continues_in_the_other_browser(app, outbox):
    asking = Browser(app, outbox)
    email = asking.account()
    verifier = generate_token(64)
    asking.get(
        "/oauth2/authorize?"
        + urlencode(
            {
                "response_type": "code",
                "client_id": "northwind",
                "redirect_uri": CALLBACK,
                "state": "st8",
                "code_challenge": create_s256_code_challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
    )
    ask(asking, email)
    link = link_of(outbox, email)
    other = Browser(app, outbox)
    other.open(link)
    response = other.submit(link)
    assert response.status_code == 303 and response.location.startswith(CALLBACK + "?code=")
    assert "state=st8" in response.location
    code = re.search(r"code=([^&]+)", response.location).group(1)
    token = other.http.post(
        "/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "client_id": "northwind",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },
    )
    assert token.status_code == 200 and token.json["id_token"]
    from joserfc import jwt
    from joserfc.jwk import KeySet

    keys = KeySet.import_key_set(app.extensions["gatehouse.localpool"].signer.jwks())
    assert jwt.decode(token.json["id_token"], keys).claims["aud"] == "northwind"


def test_requests_are_rate_limited_per_email(make_app, outbox):
    app = make_app(rate_limit_account="2 per minute")
    browser = Browser(app, outbox)
    ask(browser, "limited@example.com")
    ask(browser, "limited@example.com")
    assert ask(browser, "limited@example.com").status_code == 429


def test_asking_for_an_unknown_address_takes_as_long(app, outbox, clock):
    import time

    email = Browser(app, outbox).account()
    timings = {email: [], "nobody@example.com": []}
    for _ in range(5):
        for address in timings:
            clock.advance(61)  # past the 60-second gap, so the known address gets a link each time
            browser = Browser(app, outbox)
            browser.open("/magic-link")
            started = time.perf_counter()
            browser.submit("/magic-link", email=address)
            timings[address].append(time.perf_counter() - started)
    known, unknown = sorted(timings[email])[2], sorted(timings["nobody@example.com"])[2]
    floor = app.extensions["gatehouse.settings"].min_response_ms / 1000
    assert min(known, unknown) >= floor  # both paths are padded to the floor
    assert 0.75 < known / unknown < 1.33


@pytest.mark.parametrize("way", ["link", "code"])
def test_an_account_with_an_authenticator_app_is_not_signed_in_by_a_link(app, outbox, way):
    """A link is one factor and Cognito asks none after custom auth: an account with an
    authenticator app must sign in with password and code, and the link's tokens are revoked."""
    from .test_mfa_guessing import with_totp

    email, totp = with_totp(app, Browser(app, outbox))
    before = _live_refresh_tokens(app, email)
    browser = Browser(app, outbox)
    ask(browser, email)
    if way == "link":
        link = link_of(outbox, email)
        browser.open(link)
        response = browser.submit(link)
    else:
        browser.open("/magic-link/sent")
        response = browser.submit("/magic-link/sent", code=code_of(outbox, email))
    assert response.status_code == 303 and response.location.startswith("/login")
    assert browser.get("/account").location.startswith("/login")  # not signed in
    browser.open(response.location)
    assert "authenticator app" in browser.text()
    assert _live_refresh_tokens(app, email) == before  # the link's own was revoked
    assert totp  # the account's second factor stays the way in


def _live_refresh_tokens(app, email: str) -> int:
    """How many unrevoked refresh tokens the local pool holds for an account."""
    with app.extensions["gatehouse.localpool"].db.reading() as conn:
        return conn.execute(
            "SELECT COUNT(*) FROM refresh_tokens WHERE revoked = 0"
            " AND sub = (SELECT sub FROM users WHERE email = ?)",
            (email,),
        ).fetchone()[0]
