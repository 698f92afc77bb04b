"""Email one-time codes as a first factor (USER_AUTH's EMAIL_OTP) through the pages, against the
local pool running the project's own CustomMessage trigger."""

from __future__ import annotations

import re
import statistics
import time
from contextlib import contextmanager

import pytest
from authlib.common.security import generate_token
from joserfc import jwt
from joserfc.jwk import KeySet

from app.flows import email_code
from app.messages import text
from tests.conftest import code_in

from .conftest import Browser, without_tokens
from .oauth2_app import CALLBACK, authorize_url, code_of, exchange

SENT = "/login/email-code/sent"


@pytest.fixture
def app(make_app):
    """The app, with room for the codes these tests type from one address (a form without an
    email is limited per IP)."""
    return make_app(rate_limit_account="60 per minute", rate_limit_ip="120 per minute")


def ask(browser: Browser, email: str, lang: str = "en"):
    """Ask for a code on the demo brand's page (the demo brand offers email codes)."""
    browser.open(f"/login?client_id=demo&lang={lang}")
    browser.open("/login/email-code")
    return browser.submit("/login/email-code", email=email)


def code_for(outbox, email: str) -> str:
    """The code in the newest email to an address."""
    return code_in(outbox.messages(email)[-1].text)


def wrong_code(right: str) -> str:
    """A well-formed code that is not ``right``."""
    return "000000" if right != "000000" else "111111"


def shown(key: str) -> str:
    """A catalogue message as a page's HTML shows it."""
    return text(key).replace("'", "&#39;")


def test_sign_in_with_a_code_from_the_email(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    response = ask(browser, email)
    assert response.status_code == 303 and response.location == SENT
    page = browser.open(SENT).get_data(as_text=True)
    assert f"{email[0]}•••@example.com" in page and 'autocomplete="one-time-code"' in page
    code = code_for(outbox, email)
    done = browser.submit(SENT, code=f" {code[:3]} {code[3:]} ")  # as grouped in an app or email
    assert done.status_code == 303 and done.location == "/account"
    assert email in browser.open("/account").get_data(as_text=True)
    with browser.http.session_transaction() as session:
        assert session["user"]["methods"] == ["otp"] and email_code.KEY not in session


def test_the_sign_in_pages_button_asks_for_a_code(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    page = browser.open("/login?client_id=demo").get_data(as_text=True)
    assert 'formaction="/login/email-code"' in page
    # The sign-in form's fields as they are posted (no password typed).
    response = browser.submit("/login/email-code", email=email, password="", webauthn="")
    assert response.location == SENT and code_for(outbox, email)


def test_a_code_finishes_the_app_request_waiting_in_the_browser(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    verifier = generate_token(64)
    assert browser.get(authorize_url("demo", verifier)).status_code == 303
    browser.open("/login/email-code")
    browser.submit("/login/email-code", email=email)
    browser.open(SENT)
    done = browser.submit(SENT, code=code_for(outbox, email))
    assert done.status_code == 303 and done.location.startswith(CALLBACK + "?code=")
    assert "state=app-state" in done.location
    tokens = exchange(browser.http, code_of(done.location), verifier)
    assert tokens.status_code == 200
    keys = KeySet.import_key_set(app.extensions["gatehouse.localpool"].signer.jwks())
    claims = jwt.decode(tokens.json["id_token"], keys).claims
    assert claims["aud"] == "demo" and claims["email"] == email


def test_not_offered_where_the_brand_does_not_list_it(app, outbox):
    for start in ("/login?client_id=northwind", "/login"):
        browser = Browser(app, outbox)
        assert 'formaction="/login/email-code"' not in browser.open(start).get_data(as_text=True)
        response = browser.submit("/login/email-code", email="a@example.com")
        assert response.status_code == 303 and response.location == "/login"
        assert browser.get("/login/email-code").location == "/login"
    assert outbox.messages("a@example.com") == []


# ---- the email ----------------------------------------------------------------------------


def test_the_email_is_branded_and_in_the_pages_language(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    ask(browser, email, lang="de")
    mail = outbox.messages(email)[-1]
    # The pool's own default says "Your sign-in code"; the trigger's names the brand.
    assert mail.subject == "Your sign-in code for Gatehouse"
    assert '<html lang="de" dir="ltr">' in mail.html and '<div lang="de"' in mail.html
    assert "font-size:32px" in mail.html and "localhost:8000" in mail.text
    assert "Never give this code to anyone" in mail.text
    assert "http" not in mail.text.split("Gatehouse", 1)[1].split("Never", 1)[0]  # no link


def test_the_language_reaches_the_email_as_cognito_passes_client_metadata(app, outbox, monkeypatch):
    """Cognito gives the CustomMessage trigger no ClientMetadata of an InitiateAuth (botocore's
    documentation of InitiateAuth), a RespondToAuthChallenge's it does: the code is asked for
    in the SELECT_CHALLENGE answer, so the language still arrives."""
    gateway = app.extensions["gatehouse.userpool"]
    real = gateway.call

    def as_cognito(operation, **params):
        if operation == "InitiateAuth":
            params.pop("ClientMetadata", None)
        return real(operation, **params)

    browser = Browser(app, outbox)
    email = browser.account()
    monkeypatch.setattr(gateway, "call", as_cognito)
    ask(browser, email, lang="ja")
    assert '<html lang="ja"' in outbox.messages(email)[-1].html


# ---- wrong, expired, malformed ------------------------------------------------------------


def test_a_wrong_code_says_so_and_keeps_the_page_until_the_tries_run_out(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    ask(browser, email)
    right = code_for(outbox, email)
    browser.open(SENT)
    for _ in range(email_code.TRIES - 1):
        response = browser.submit(SENT, code=wrong_code(right))
        assert response.status_code == 200 and shown("email_code_wrong") in browser.text()
        assert 'name="code"' in browser.text()
    response = browser.submit(SENT, code=wrong_code(right))
    assert response.status_code == 303 and response.location == "/login/email-code"
    assert shown("email_code_tried_out") in browser.open(response.location).get_data(as_text=True)
    assert browser.get(SENT).location == "/login/email-code"  # that code's sign-in is over
    assert browser.get("/account").status_code != 200


def test_a_code_can_follow_a_wrong_one(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    ask(browser, email)
    right = code_for(outbox, email)
    browser.open(SENT)
    browser.submit(SENT, code=wrong_code(right))
    assert browser.submit(SENT, code=right).location == "/account"


def test_an_expired_code_starts_again_with_a_clear_message(app, outbox, clock):
    browser = Browser(app, outbox)
    email = browser.account()
    ask(browser, email)
    browser.open(SENT)
    clock.advance(60 * 60)
    response = browser.submit(SENT, code=code_for(outbox, email))
    assert response.status_code == 303 and response.location == "/login/email-code"
    assert shown("email_code_expired") in browser.open(response.location).get_data(as_text=True)
    assert browser.get("/account").status_code != 200


def test_a_spent_code_signs_in_nobody_else(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    ask(browser, email)
    code = code_for(outbox, email)
    browser.open(SENT)
    assert browser.submit(SENT, code=code).location == "/account"
    other = Browser(app, outbox)  # asked for the same address, typing the first code
    ask(other, email)
    other.open(SENT)
    assert other.submit(SENT, code=code).status_code == 200
    assert shown("email_code_wrong") in other.text()


@pytest.mark.parametrize("typed", ["12345", "1234567", "abcdef", "١٢٣٤٥٦", "12 34 5", ""])
def test_a_malformed_code_is_refused_by_the_form_and_costs_no_try(app, outbox, typed):
    browser = Browser(app, outbox)
    email = browser.account()
    ask(browser, email)
    browser.open(SENT)
    for _ in range(email_code.TRIES):
        response = browser.submit(SENT, code=typed)
        assert response.status_code == 200 and 'aria-invalid="true"' in browser.text()
    assert browser.submit(SENT, code=code_for(outbox, email)).location == "/account"


def test_an_account_with_an_authenticator_app_is_not_signed_in_by_a_code(app, outbox):
    from .test_magic_link import _live_refresh_tokens
    from .test_mfa_guessing import with_totp

    email, totp = with_totp(app, Browser(app, outbox))
    before = _live_refresh_tokens(app, email)
    browser = Browser(app, outbox)
    ask(browser, email)
    browser.open(SENT)
    response = browser.submit(SENT, code=code_for(outbox, email))
    assert response.status_code == 303 and response.location.startswith("/login?login_hint=")
    assert browser.get("/account").location.startswith("/login")  # not signed in
    assert shown("email_code_needs_mfa") in browser.open(response.location).get_data(as_text=True)
    assert _live_refresh_tokens(app, email) == before  # the code's own was revoked
    assert totp


def test_an_unconfirmed_account_is_sent_to_confirm_after_its_right_code(app, outbox):
    browser = Browser(app, outbox)
    browser.open("/signup")
    browser.submit("/signup", email="waiting@example.com", password="Corr3ct-horse")
    ask(browser, "waiting@example.com")
    browser.open(SENT)
    response = browser.submit(SENT, code=code_for(outbox, "waiting@example.com"))
    assert response.location.startswith("/confirm")
    assert browser.get("/account").status_code != 200


# ---- CSRF, the pool's faults ----------------------------------------------------------------


def test_both_forms_need_their_csrf_token(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    browser.open("/login?client_id=demo")
    before = len(outbox.messages(email))
    refused = browser.http.post("/login/email-code", data={"email": email})
    assert refused.status_code == 400 and len(outbox.messages(email)) == before
    ask(browser, email)
    refused = browser.http.post(SENT, data={"code": code_for(outbox, email)})
    assert refused.status_code == 400
    forged = browser.http.post(SENT, data={"code": code_for(outbox, email), "csrf_token": "x"})
    assert forged.status_code == 400 and browser.get("/account").status_code != 200


def test_a_throttling_pool_gives_the_busy_page(make_app, outbox):
    app = make_app(aws_max_attempts=1)
    browser = Browser(app, outbox)
    browser.open("/login?client_id=demo")
    browser.open("/login/email-code")
    pool = app.extensions["gatehouse.localpool"]
    pool.throttle["UserAuthentication"] = 0.001
    pool.admit("UserAuthentication")
    response = browser.submit("/login/email-code", email="someone@example.com")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"


# ---- no account enumeration ---------------------------------------------------------------


def _headers(response) -> list[tuple[str, str]]:
    """A response's headers, with what differs in every response (cookie values and expiry
    times, nonces) blanked."""
    kept = []
    for name, value in response.headers.items():
        if name == "Set-Cookie":
            value = re.sub(r"Expires=[^;]*", "Expires=", re.sub(r"^([^=]+)=[^;]*", r"\1=", value))
        kept.append((name, re.sub(r"nonce-[^' ]+", "nonce-", value)))
    return sorted(kept)


def _answer(response) -> tuple:
    """Everything a response tells: status, location, headers, page."""
    body = without_tokens(response.get_data(as_text=True))
    return response.status_code, response.location, _headers(response), body


def _walk(app, outbox, email: str) -> list[tuple]:
    """Ask for a code, see the page, type a wrong one, then the last wrong one."""
    browser = Browser(app, outbox)
    answers = [_answer(ask(browser, email)), _answer(browser.get(SENT))]
    for _ in range(email_code.TRIES):
        answers.append(_answer(browser.submit(SENT, code="000000")))
    answers.append(_answer(browser.get("/login/email-code")))
    return answers


@pytest.fixture
def addresses(app, outbox) -> dict[str, str]:
    """A confirmed, an unconfirmed and a disabled account, and an unknown address; all begin
    with the same letter at the same domain, so the masked address is the same."""
    known = Browser(app, outbox).account("kim@example.com")
    waiting = Browser(app, outbox)
    waiting.open("/signup")
    waiting.submit("/signup", email="kit@example.com", password="Corr3ct-horse")
    Browser(app, outbox).account("kay@example.com")
    idp = app.extensions["gatehouse.userpool"].client
    pool_id = app.extensions["gatehouse.localpool"].id
    idp.admin_disable_user(UserPoolId=pool_id, Username="kay@example.com")
    return {
        "known": known,
        "unconfirmed": "kit@example.com",
        "disabled": "kay@example.com",
        "unknown": "kai@example.com",
    }


def test_every_kind_of_address_gets_identical_pages(app, outbox, addresses):
    walks = {kind: _walk(app, outbox, address) for kind, address in addresses.items()}
    first = walks["known"]
    assert first[0][:2] == (303, SENT) and "k•••@example.com" in first[1][3]
    assert shown("email_code_wrong") in first[2][3]
    assert first[-2][:2] == (303, "/login/email-code")
    for kind, walk in walks.items():
        assert walk == first, kind
    assert outbox.messages("kai@example.com") == []  # the walks differ where nobody sees
    assert code_for(outbox, "kim@example.com")


def test_when_no_code_can_be_sent_a_known_address_still_answers_like_an_unknown_one(
    app, outbox, addresses, monkeypatch
):
    from app.mail import outbox as outbox_module
    from app.mail.outbox import MailUnavailable

    def refuse(*_args, **_kwargs):
        raise MailUnavailable("the mail service refuses for now")

    monkeypatch.setattr(outbox_module.Outbox, "send", refuse)
    walks = {kind: _walk(app, outbox, addresses[kind]) for kind in ("known", "unknown")}
    assert walks["known"] == walks["unknown"]


class _Watch:
    """Each user-pool call of a request, and whether it ran inside ``padded()``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []
        self.blocks: list[float] = []
        self.inside = False


@contextmanager
def _watched(app, monkeypatch):
    """Instrument the flow's ``padded()`` and the gateway's calls."""
    watch = _Watch()
    real_padded = email_code.padded

    @contextmanager
    def padded():
        started = time.monotonic()
        with real_padded():
            watch.inside = True
            try:
                yield
            finally:
                watch.inside = False
        watch.blocks.append(time.monotonic() - started)

    gateway = app.extensions["gatehouse.userpool"]
    real_call = gateway.call

    def call(operation, **params):
        watch.calls.append((operation, watch.inside))
        return real_call(operation, **params)

    monkeypatch.setattr(email_code, "padded", padded)
    monkeypatch.setattr(gateway, "call", call)
    yield watch


def test_what_differs_between_addresses_happens_inside_the_floor(
    app, outbox, addresses, monkeypatch
):
    """Equal timing shown structurally (tests/flows/test_enumeration.py): every pool call of
    both POSTs runs in one padded block that lasts at least the floor, for every address."""
    floor = app.extensions["gatehouse.settings"].min_response_ms / 1000
    for kind, address in addresses.items():
        browser = Browser(app, outbox)
        browser.open("/login?client_id=demo")
        browser.open("/login/email-code")
        with _watched(app, monkeypatch) as watch:
            browser.submit("/login/email-code", email=address)
            browser.open(SENT)
            browser.submit(SENT, code="000000")
        assert len(watch.blocks) == 2 and min(watch.blocks) >= floor - 0.001, kind
        assert watch.calls and all(inside for _, inside in watch.calls), (kind, watch.calls)
        monkeypatch.undo()


def test_asking_and_a_wrong_code_take_as_long_for_an_unknown_address(make_app, outbox, clock):
    """The figures are printed; the assertion leaves room for a loaded machine (the floor is
    well above the real work, and both paths are padded to it)."""
    app = make_app(min_response_ms=400)
    Browser(app, outbox).account("kim@example.com")
    timings = {"kim@example.com": [], "kai@example.com": []}
    for _ in range(5):
        for address in timings:
            clock.advance(61)
            browser = Browser(app, outbox)
            browser.open("/login?client_id=demo")
            browser.open("/login/email-code")
            started = time.perf_counter()
            browser.submit("/login/email-code", email=address)
            browser.open(SENT)
            browser.submit(SENT, code="000000")
            timings[address].append(time.perf_counter() - started)
    known = statistics.median(timings["kim@example.com"])
    unknown = statistics.median(timings["kai@example.com"])
    print(f"email code, ask + wrong code: known {known:.3f} s, unknown {unknown:.3f} s")
    assert min(known, unknown) >= 2 * 0.4  # two padded POSTs
    assert 0.75 < known / unknown < 1.33
