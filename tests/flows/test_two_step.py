"""Two-step verification set up and turned off through the account pages (issue 13, item 1).

The codes come from pyotp with the secret as the set-up page shows it, read from the HTML, as a
person would type it into an authenticator app.
"""

from __future__ import annotations

import html
import re

import pyotp
import pytest
import zxingcpp

from app.messages import text
from tests.faults import answer_lost, unreachable
from tests.unit.test_emails import mark, marked  # noqa: F401 - the fixture

from .conftest import Browser

ON_SUBJECT = "Two-step verification is on"
OFF_SUBJECT = "Two-step verification is off"
MALFORMED = "Enter the 6-digit code your authenticator app shows."


def _said(browser: Browser, key: str) -> bool:
    """True when the current page shows a catalogue message."""
    return text(key).replace("'", "&#39;") in browser.text()


def _start_set_up(browser: Browser):
    """Press "Set up an authenticator app"; the set-up page."""
    browser.open("/account/two-step")
    response = browser.submit("/account/two-step")
    assert response.status_code == 303 and response.location == "/account/two-step/app"
    return browser.open("/account/two-step/app")


def _secret(browser: Browser) -> str:
    """The key the set-up page shows for typing, without its spaces."""
    shown = re.search(r'class="secret"[^>]*>([A-Z2-7 ]+)<', browser.text()).group(1)
    return shown.replace(" ", "")


def _uri(browser: Browser) -> str:
    """The set-up page's ``otpauth://`` link."""
    return html.unescape(re.search(r'href="(otpauth://[^"]+)"', browser.text()).group(1))


def _wrong(totp: pyotp.TOTP, now: float) -> str:
    """A well-formed code the app does not show now (nor in the window either side)."""
    shown = {totp.at(now + step) for step in (-30, 0, 30)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in shown)


def _sign_out(browser: Browser) -> None:
    """Press "Sign out" on the account page."""
    browser.open("/account")
    assert browser.submit("/account/signout").location == "/login"


def _set_up(browser: Browser, clock) -> pyotp.TOTP:
    """Set up an authenticator app through the pages; its TOTP."""
    _start_set_up(browser)
    totp = pyotp.TOTP(_secret(browser))
    response = browser.submit("/account/two-step/app", code=totp.at(clock.now))
    assert response.status_code == 303 and response.location == "/account"
    return totp


def _drawn(svg: str) -> memoryview:
    """The QR code as the page draws it: segno's path of dark runs (``M x y``, ``h n``, ``m dx
    dy``, one module per unit, a row at ``y + .5``), as an 8-bit grey image, 4 pixels a module."""
    size = int(re.search(r'<path fill="#fff" d="M0 0h(\d+)v', svg).group(1))
    path = re.search(r'class="qrline"[^>]*\sd="([^"]+)"', svg).group(1)
    scale = 4
    width = size * scale
    pixels = bytearray([255]) * (width * width)
    x = y = 0.0
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            for column in range(int(x), int(x) + int(a)):
                for dy in range(scale):
                    row = (int(y) * scale + dy) * width
                    pixels[row + column * scale : row + (column + 1) * scale] = b"\0" * scale
            x += int(a)
    return memoryview(bytes(pixels)).cast("B", (width, width))


def test_set_up_then_sign_in_with_the_app_then_turn_it_off(app, signed_in, outbox, clock):
    browser, email = signed_in
    browser.open("/account")
    assert 'href="/account/two-step"' in browser.text()
    page = _start_set_up(browser)
    assert page.status_code == 200
    secret = _secret(browser)
    assert len(secret) >= 16
    totp = pyotp.TOTP(secret)

    # A wrong code and a malformed one speak of the authenticator app, and keep the person here.
    wrong = browser.submit("/account/two-step/app", code=_wrong(totp, clock.now))
    assert wrong.status_code == 200 and _said(browser, "two_step_code_wrong")
    assert "email" not in text("two_step_code_wrong") and _secret(browser) == secret
    malformed = browser.submit("/account/two-step/app", code="12ab56")
    assert malformed.status_code == 200 and MALFORMED in browser.text()
    assert "email" not in browser.text().split("<main", 1)[-1].lower().split("</main>")[0]
    assert _secret(browser) == secret
    assert outbox.messages(email)[-1].subject != ON_SUBJECT  # nothing changed yet

    done = browser.submit("/account/two-step/app", code=totp.at(clock.now))
    assert done.status_code == 303 and done.location == "/account"
    browser.open("/account")
    assert _said(browser, "two_step_on")
    assert [m.subject for m in outbox.messages(email)].count(ON_SUBJECT) == 1
    on = outbox.messages(email)[-1]
    assert "authenticator app" in on.text and "If it wasn't you" in on.text
    assert " UTC." in on.text  # when it changed
    assert "/forgotPassword" in on.text

    # The next sign-in asks for the app's code, and the code signs in.
    _sign_out(browser)
    clock.advance(30)  # a new code: the pool takes each code once
    assert browser.sign_in(email).location == "/login/challenge"
    browser.open("/login/challenge")
    assert "authenticator app you set up" in browser.text().replace("&#39;", "'")
    assert browser.submit("/login/challenge", code=totp.at(clock.now)).location == "/account"

    # Turned off again (the sign-in just now is recent), the next sign-in asks no code.
    browser.open("/account/two-step")
    assert 'href="/account/two-step/off"' in browser.text()
    browser.open("/account/two-step/off")
    assert browser.submit("/account/two-step/off").location == "/account"
    browser.open("/account")
    assert _said(browser, "two_step_off")
    assert [m.subject for m in outbox.messages(email)].count(OFF_SUBJECT) == 1
    _sign_out(browser)
    assert browser.sign_in(email).location == "/account"


def test_the_qr_code_reads_as_the_otpauth_link_with_the_key_shown(signed_in):
    browser, email = signed_in
    _start_set_up(browser)
    uri = _uri(browser)
    assert uri == (
        f"otpauth://totp/Gatehouse:{email.replace('@', '%40')}"
        f"?secret={_secret(browser)}&issuer=Gatehouse"
    )
    svg = re.search(r"<svg.*?</svg>", browser.text(), re.S).group(0)
    assert [code.text for code in zxingcpp.read_barcodes(_drawn(svg))] == [uri]
    # Drawn as inline SVG: no script, no data: URI, nothing the CSP would refuse.
    assert "<script" not in svg and "data:" not in svg and "style=" not in svg


def test_the_secret_stays_on_the_server(signed_in):
    browser, _email = signed_in
    _start_set_up(browser)
    secret = _secret(browser)
    assert browser.page.headers.get("Location") is None
    fields = re.findall(r"<input[^>]*>", browser.text())
    assert fields and not any(secret in field for field in fields)
    assert "secret=" not in re.sub(r'href="otpauth://[^"]+"', "", browser.text())
    # The session cookie is only the session's id: the set-up lives in the store.
    cookie = browser.http.get_cookie(browser.app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None and secret not in cookie.value


def test_a_set_up_left_too_long_starts_again(signed_in, clock):
    browser, _email = signed_in
    _start_set_up(browser)
    totp = pyotp.TOTP(_secret(browser))
    clock.advance(11 * 60)
    response = browser.submit("/account/two-step/app", code=totp.at(clock.now))
    assert response.status_code == 303 and response.location == "/account/two-step"
    assert browser.open("/account/confirm?next=two_step.start").status_code == 200
    # The message is shown wherever the person lands next (here, "confirm it's you").
    assert _said(browser, "two_step_setup_expired")
    assert "authenticator app" in text("two_step_setup_expired")
    assert "email" not in text("two_step_setup_expired")
    assert browser.get("/account/two-step/app").location == "/account/two-step"


def test_a_set_up_replaced_in_another_browser(app, outbox, clock):
    first, second = Browser(app, outbox), Browser(app, outbox)
    email = first.account()
    first.sign_in(email)
    second.sign_in(email)
    _start_set_up(first)
    stale = pyotp.TOTP(_secret(first))
    _start_set_up(second)  # the pool now waits for the second browser's key
    refused = first.submit("/account/two-step/app", code=stale.at(clock.now))
    assert refused.status_code == 200 and _said(first, "two_step_code_wrong")
    fresh = pyotp.TOTP(_secret(second))
    assert second.submit("/account/two-step/app", code=fresh.at(clock.now)).status_code == 303
    # The pool has no key waiting any more: the first browser's set-up is over.
    clock.advance(30)
    ended = first.submit("/account/two-step/app", code=stale.at(clock.now))
    assert ended.status_code == 303 and ended.location == "/account/two-step"
    first.open("/account/two-step")
    assert _said(first, "two_step_setup_expired")
    assert 'href="/account/two-step/off"' in first.text()  # it shows the second one's set-up


@pytest.mark.parametrize("path", ["/account/two-step", "/account/two-step/off"])
def test_set_up_and_turning_off_need_a_recent_sign_in(app, signed_in, clock, path):
    browser, email = signed_in
    if path.endswith("/off"):
        _set_up(browser, clock)
    browser.open(path)  # the page and its button, while the sign-in is recent
    clock.advance(6 * 60)
    endpoint = "two_step.start" if path == "/account/two-step" else "two_step.turn_off"
    assert browser.submit(path).location == f"/account/confirm?next={endpoint}"
    assert browser.get(path).location == f"/account/confirm?next={endpoint}"
    assert browser.get("/account/two-step/app").location == "/account/two-step"
    assert ("SOFTWARE_TOKEN_MFA" in _mfa(app, email)) == path.endswith("/off")


def test_every_post_needs_its_csrf_token(app, signed_in, clock):
    browser, email = signed_in
    assert browser.http.post("/account/two-step").status_code == 400
    assert browser.get("/account/two-step/app").location == "/account/two-step"
    _start_set_up(browser)
    totp = pyotp.TOTP(_secret(browser))
    forged = browser.http.post("/account/two-step/app", data={"code": totp.at(clock.now)})
    assert forged.status_code == 400
    assert "SOFTWARE_TOKEN_MFA" not in _mfa(app, email)
    browser.open("/account/two-step/app")
    assert browser.submit("/account/two-step/app", code=totp.at(clock.now)).status_code == 303
    assert browser.http.post("/account/two-step/off").status_code == 400
    assert "SOFTWARE_TOKEN_MFA" in _mfa(app, email)


def _mfa(app, email: str) -> list[str]:
    """The pool's list of the user's MFA methods."""
    user = app.extensions["gatehouse.userpool"].call("AdminGetUser", Username=email)
    return user.get("UserMFASettingList", [])


def test_a_session_whose_token_is_refused_signs_in_again(app, signed_in):
    browser, email = signed_in
    app.extensions["gatehouse.userpool"].call("AdminUserGlobalSignOut", Username=email)
    browser.open("/account")  # the refusal happens on the account page too; start from there
    response = browser.get("/account/two-step")
    assert response.status_code == 303 and response.location.startswith("/login")


def test_the_notices_are_in_the_language_the_person_chose(marked, make_app, outbox, clock):  # noqa: F811
    app = make_app()
    browser = Browser(app, outbox)
    email = browser.account()
    browser.open("/login?lang=ja")
    browser.submit("/login", email=email, password="Corr3ct-horse")
    _set_up(browser, clock)
    on = outbox.messages(email)[-1]
    assert on.subject == mark("ja", ON_SUBJECT) and '<html lang="ja"' in on.html
    browser.open("/account/two-step/off")
    browser.submit("/account/two-step/off")
    off = outbox.messages(email)[-1]
    assert off.subject == mark("ja", OFF_SUBJECT) and '<html lang="ja"' in off.html


def test_a_pool_that_cannot_be_reached_gets_the_busy_page(app, signed_in):
    browser, _email = signed_in
    browser.open("/account/two-step")
    with unreachable(app, "AssociateSoftwareToken"):
        response = browser.submit("/account/two-step")
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    assert "Traceback" not in response.get_data(as_text=True)
    assert browser.get("/account/two-step/app").location == "/account/two-step"


def test_turning_it_on_whose_answer_was_lost(app, signed_in, outbox, clock):
    browser, email = signed_in
    with answer_lost(app, "AssociateSoftwareToken") as left:
        _start_set_up(browser)  # a new key replaces the lost one: asked again at once
        assert left["n"] == 0
    totp = pyotp.TOTP(_secret(browser))
    with answer_lost(app, "SetUserMFAPreference") as left:
        done = browser.submit("/account/two-step/app", code=totp.at(clock.now))
        assert left["n"] == 0
    assert done.status_code == 303 and done.location == "/account"
    browser.open("/account")
    assert _said(browser, "two_step_on")
    assert [m.subject for m in outbox.messages(email)].count(ON_SUBJECT) == 1
    assert "SOFTWARE_TOKEN_MFA" in _mfa(app, email)


def test_turning_it_off_whose_answer_was_lost(app, signed_in, outbox, clock):
    browser, email = signed_in
    _set_up(browser, clock)
    browser.open("/account/two-step/off")
    with answer_lost(app, "SetUserMFAPreference") as left:
        assert browser.submit("/account/two-step/off").location == "/account"
        assert left["n"] == 0
    assert [m.subject for m in outbox.messages(email)].count(OFF_SUBJECT) == 1
    assert "SOFTWARE_TOKEN_MFA" not in _mfa(app, email)
