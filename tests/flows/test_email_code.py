"""Signing in with an emailed one-time code (USER_AUTH's EMAIL_OTP), as a person without
JavaScript does it."""

from __future__ import annotations

import re
import statistics
import time
from contextlib import contextmanager

import pytest

from tests.conftest import code_in

from .conftest import Browser, without_tokens
from .oauth2_app import CALLBACK, authorize_url, code_of, exchange
from .test_passkeys import turn_on_totp

DEMO = "/login/email-code?client_id=demo"  # the demo brand offers email codes


def ask(browser: Browser, email: str, page: str = DEMO):
    """Ask for a code; returns the "check your email" page."""
    browser.open(page)
    response = browser.submit("/login/email-code", email=email)
    assert response.status_code == 303 and response.location.endswith("/login/email-code/sent")
    return browser.open(response.location)


def newest_code(browser: Browser, email: str) -> str:
    """The code in the newest email to the address."""
    return code_in(browser.outbox.messages(email)[-1].html)


def test_an_emailed_code_signs_in_to_an_app(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    verifier = "v" * 64
    assert browser.get(authorize_url("demo", verifier)).status_code == 303
    ask(browser, email, "/login/email-code")
    mail = outbox.messages(email)[-1]
    assert "sign-in code" in mail.subject and "Demo app" in mail.subject
    response = browser.submit("/login/email-code/sent", code=newest_code(browser, email))
    assert response.status_code == 303 and response.location.startswith(CALLBACK)
    assert exchange(browser.http, code_of(response.location), verifier).status_code == 200


def test_a_code_pasted_with_spaces_signs_in_here(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    ask(browser, email)
    code = newest_code(browser, email)
    response = browser.submit("/login/email-code/sent", code=f" {code[:3]} {code[3:]} ")
    assert browser.open(response.location).request.path == "/account"


def test_the_code_email_is_branded_and_in_the_chosen_language(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    ask(browser, email, DEMO + "&lang=fr")
    mail = outbox.messages(email)[-1]
    assert 'lang="fr"' in mail.html and "Demo app" in mail.html
    # A code only: no link that would sign in whoever opens it.
    assert "/login/email-code" not in mail.html and "/magic/" not in mail.html


def test_a_known_and_an_unknown_address_get_the_same_pages(app, outbox):
    Browser(app, outbox).account("known@example.com")
    seen = []
    for email in ("known@example.com", "unknown@example.com"):
        browser = Browser(app, outbox)
        sent = ask(browser, email)
        pages = [without_tokens(sent.get_data(as_text=True))]
        for _ in range(3):  # three wrong codes spend it, for both alike
            answer = browser.submit("/login/email-code/sent", code="000000")
            followed = browser.open(answer.location) if answer.status_code == 303 else answer
            pages.append((answer.status_code, without_tokens(followed.get_data(as_text=True))))
        seen.append([str(page).replace(email, "EMAIL") for page in pages])
    assert seen[0] == seen[1]
    assert "isn&#39;t right" in seen[0][1] and "be used any more" in seen[0][3]


def test_a_wrong_code_keeps_the_page_and_the_right_one_then_works(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    ask(browser, email)
    code = newest_code(browser, email)
    wrong = "000000" if code != "000000" else "111111"
    page = browser.submit("/login/email-code/sent", code=wrong)
    assert page.status_code == 200 and "isn&#39;t right" in page.get_data(as_text=True)
    response = browser.submit("/login/email-code/sent", code=code)
    assert browser.open(response.location).request.path == "/account"


@pytest.mark.parametrize("typed", ["12345", "abcdef", "1234567", ""])
def test_a_malformed_code_says_what_a_code_looks_like(app, outbox, typed):
    browser = Browser(app, outbox)
    ask(browser, "someone@example.com")
    page = browser.submit("/login/email-code/sent", code=typed)
    assert page.status_code == 200 and 'aria-invalid="true"' in page.get_data(as_text=True)


def test_an_expired_code_starts_again(app, outbox, clock):
    browser = Browser(app, outbox)
    email = browser.account()
    ask(browser, email)
    code = newest_code(browser, email)
    clock.advance(4 * 60)
    response = browser.submit("/login/email-code/sent", code=code)
    assert response.location.endswith("/login/email-code")
    assert "be used any more" in browser.open(response.location).get_data(as_text=True)


def test_an_account_with_an_authenticator_app_is_not_signed_in_by_a_code(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    turn_on_totp(app, email)
    ask(browser, email)
    response = browser.submit("/login/email-code/sent", code=newest_code(browser, email))
    assert "/login" in response.location
    assert "emailed code isn" in browser.open(response.location).get_data(as_text=True)
    assert browser.open("/account").request.path == "/login"


def test_a_brand_that_does_not_offer_codes_sends_none(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    browser.open("/login/email-code?client_id=northwind")
    count = len(outbox.messages(email))
    response = browser.submit("/login/email-code", email=email)
    assert response.location.endswith("/login") and len(outbox.messages(email)) == count


def test_the_code_form_needs_the_csrf_token(app, outbox):
    browser = Browser(app, outbox)
    browser.open(DEMO)
    assert (
        browser.http.post("/login/email-code", data={"email": "a@example.com"}).status_code == 400
    )


# ---- as Cognito passes ClientMetadata; every kind of address; the floor ---------------------

SENT = "/login/email-code/sent"


def test_the_language_and_brand_reach_the_email_as_cognito_passes_client_metadata(
    app, outbox, monkeypatch
):
    """Cognito gives the CustomMessage trigger no ClientMetadata of an InitiateAuth (botocore's
    documentation of InitiateAuth's ClientMetadata), a RespondToAuthChallenge's it does: the
    code is chosen in the SELECT_CHALLENGE answer, so the page's language and brand arrive."""
    gateway = app.extensions["gatehouse.userpool"]
    real = gateway.call

    def as_cognito(operation, **params):
        if operation == "InitiateAuth":
            params.pop("ClientMetadata", None)
        return real(operation, **params)

    browser = Browser(app, outbox)
    email = browser.account()
    monkeypatch.setattr(gateway, "call", as_cognito)
    ask(browser, email, DEMO + "&lang=ja")
    mail = outbox.messages(email)[-1]
    assert '<html lang="ja"' in mail.html and "Demo app" in mail.subject


def _headers(response) -> list[tuple[str, str]]:
    """A response's headers, with what differs in every response (cookie values and expiry
    times, nonces, the request id) blanked."""
    kept = []
    for name, value in response.headers.items():
        if name == "X-Request-Id":
            value = ""
        if name == "Set-Cookie":
            value = re.sub(r"^([^=]+)=[^;]*", r"\1=", value)
            value = re.sub(r"Expires=[^;]*", "Expires=", value)
        kept.append((name, re.sub(r"nonce-[^' ]+", "nonce-", value)))
    return sorted(kept)


def _told(response) -> tuple:
    """Everything a response tells: status, location, headers, page."""
    return (
        response.status_code,
        response.location,
        _headers(response),
        without_tokens(response.get_data(as_text=True)),
    )


def _walk(app, outbox, email: str) -> list[tuple]:
    """Ask for a code, see the page, type wrong codes until they are spent, see the ask page."""
    browser = Browser(app, outbox)
    browser.open(DEMO)
    told = [_told(browser.submit("/login/email-code", email=email)), _told(browser.get(SENT))]
    for _ in range(3):
        told.append(_told(browser.submit(SENT, code="000000")))
    told.append(_told(browser.get("/login/email-code")))
    return told


@pytest.fixture
def addresses(app, outbox) -> dict[str, str]:
    """A confirmed, an unconfirmed and a disabled account, and an unknown address; all begin
    with the same letter at the same domain (and are as long), so a page can name each alike."""
    Browser(app, outbox).account("kim@example.com")
    waiting = Browser(app, outbox)
    waiting.open("/signup")
    waiting.submit("/signup", email="kit@example.com", password="Corr3ct-horse")
    Browser(app, outbox).account("kay@example.com")
    app.extensions["gatehouse.userpool"].client.admin_disable_user(
        UserPoolId=app.extensions["gatehouse.localpool"].id, Username="kay@example.com"
    )
    return {
        "known": "kim@example.com",
        "unconfirmed": "kit@example.com",
        "disabled": "kay@example.com",
        "unknown": "kai@example.com",
    }


def _same_letters(told: list[tuple], email: str) -> list[tuple]:
    """The walk with the typed address (shown in full on the code page) named EMAIL."""
    return [(*answer[:3], answer[3].replace(email, "EMAIL")) for answer in told]


def test_every_kind_of_address_gets_identical_responses(make_app, outbox, addresses):
    app = make_app(rate_limit_account="60 per minute")  # many codes from one browser's IP
    walks = {kind: _walk(app, outbox, email) for kind, email in addresses.items()}
    known = _same_letters(walks["known"], addresses["known"])
    assert known[0][:2] == (303, SENT) and known[2][0] == 200 and known[4][0] == 303
    for kind, walk in walks.items():
        assert _same_letters(walk, addresses[kind]) == known, kind
    assert outbox.messages("kai@example.com") == []  # the walks differ where nobody sees
    assert "sign-in code" in outbox.messages("kim@example.com")[-1].subject


def test_when_no_code_can_be_sent_a_known_address_still_answers_like_an_unknown_one(
    make_app, outbox, monkeypatch
):
    """The pool's CodeDeliveryFailureException comes only for an address with an account: it
    must not change the answer, nor be a 5xx."""
    from app.mail import outbox as outbox_module
    from app.mail.outbox import MailUnavailable

    app = make_app(rate_limit_account="60 per minute")
    Browser(app, outbox).account("kim@example.com")

    def refuse(*_args, **_kwargs):
        raise MailUnavailable("the mail service refuses for now")

    monkeypatch.setattr(outbox_module.Outbox, "send", refuse)
    walks = [
        _same_letters(_walk(app, outbox, email), email)
        for email in ("kim@example.com", "kai@example.com")
    ]
    assert walks[0] == walks[1] and walks[0][0][:2] == (303, SENT)


@contextmanager
def _watched(app, monkeypatch):
    """Each user-pool call and whether it ran inside the flow's ``padded()``; how long each
    padded block lasted."""
    from app.flows import email_code

    watch = {"calls": [], "blocks": [], "inside": False}
    real_padded = email_code.padded

    @contextmanager
    def padded():
        started = time.monotonic()
        with real_padded():
            watch["inside"] = True
            try:
                yield
            finally:
                watch["inside"] = False
        watch["blocks"].append(time.monotonic() - started)

    gateway = app.extensions["gatehouse.userpool"]
    real_call = gateway.call

    def call(operation, **params):
        watch["calls"].append((operation, watch["inside"]))
        return real_call(operation, **params)

    with monkeypatch.context() as patch:
        patch.setattr(email_code, "padded", padded)
        patch.setattr(gateway, "call", call)
        yield watch


def test_what_differs_between_addresses_happens_inside_the_floor(
    app, outbox, addresses, monkeypatch
):
    """Equal timing shown structurally, as tests/flows/test_enumeration.py does: every pool call
    of asking and of a wrong code runs in a padded block that lasts at least the floor."""
    floor = app.extensions["gatehouse.settings"].min_response_ms / 1000
    for kind, email in addresses.items():
        browser = Browser(app, outbox)
        browser.open(DEMO)
        with _watched(app, monkeypatch) as watch:
            browser.submit("/login/email-code", email=email)
            browser.open(SENT)
            browser.submit(SENT, code="000000")
        assert len(watch["blocks"]) == 2 and min(watch["blocks"]) >= floor - 0.001, kind
        assert watch["calls"] and all(inside for _, inside in watch["calls"]), (kind, watch)


def test_asking_and_a_wrong_code_take_as_long_for_an_unknown_address(make_app, outbox, clock):
    """The figures are printed. The floor is well above the real work even on a loaded 2-core
    machine, and both paths are padded to it, so the ratio is near 1."""
    app = make_app(min_response_ms=400, rate_limit_account="60 per minute")
    Browser(app, outbox).account("kim@example.com")
    timings = {"kim@example.com": [], "kai@example.com": []}
    for _ in range(5):
        for email, seen in timings.items():
            clock.advance(61)
            browser = Browser(app, outbox)
            browser.open(DEMO)
            started = time.perf_counter()
            browser.submit("/login/email-code", email=email)
            browser.open(SENT)
            browser.submit(SENT, code="000000")
            seen.append(time.perf_counter() - started)
    known = statistics.median(timings["kim@example.com"])
    unknown = statistics.median(timings["kai@example.com"])
    print(f"email code, ask + wrong code (medians): known {known:.3f} s, unknown {unknown:.3f} s")
    assert min(known, unknown) >= 2 * 0.4  # two padded POSTs
    assert 0.75 < known / unknown < 1.33


# ---- the sign-in page, an unconfirmed account, CSRF, the pool's faults ---------------------


def test_the_sign_in_pages_button_asks_for_a_code(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    assert 'formaction="/login/email-code"' in browser.open("/login?client_id=demo").get_data(
        as_text=True
    )
    # The sign-in form's fields as they are posted (no password typed).
    response = browser.submit("/login/email-code", email=email, password="", webauthn="")
    assert response.location.endswith(SENT) and newest_code(browser, email)


def test_an_unconfirmed_account_is_not_signed_in_by_its_right_code(app, outbox):
    browser = Browser(app, outbox)
    browser.open("/signup")
    browser.submit("/signup", email="waiting@example.com", password="Corr3ct-horse")
    ask(browser, "waiting@example.com")
    response = browser.submit(SENT, code=newest_code(browser, "waiting@example.com"))
    assert response.status_code == 303 and browser.get("/account").status_code != 200


def test_the_code_needs_its_csrf_token_too(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    ask(browser, email)
    code = newest_code(browser, email)
    assert browser.http.post(SENT, data={"code": code}).status_code == 400
    assert browser.http.post(SENT, data={"code": code, "csrf_token": "x"}).status_code == 400
    assert browser.get("/account").status_code != 200
    browser.open(SENT)
    assert browser.submit(SENT, code=code).location == "/account"  # the code was not spent


def test_a_throttling_pool_gives_the_busy_page(make_app, outbox):
    app = make_app(aws_max_attempts=1)
    browser = Browser(app, outbox)
    browser.open(DEMO)
    pool = app.extensions["gatehouse.localpool"]
    pool.throttle["UserAuthentication"] = 0.001
    pool.admit("UserAuthentication")
    response = browser.submit("/login/email-code", email="someone@example.com")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
