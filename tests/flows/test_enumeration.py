"""A known and an unknown email get identical responses (DESIGN.md §5)."""

from __future__ import annotations

import time

import pytest

from .conftest import Browser, without_tokens


def _respond(app, outbox, path: str, form_page: str, email: str, **fields):
    """One fresh browser's answer to a form POST: status, location, page without tokens."""
    browser = Browser(app, outbox)
    browser.open(form_page)
    started = time.perf_counter()
    response = browser.submit(path, email=email, **fields)
    elapsed = time.perf_counter() - started
    if response.status_code in (302, 303):
        followed = browser.open(response.location)
        body = without_tokens(followed.get_data(as_text=True))
    else:
        body = without_tokens(response.get_data(as_text=True))
    return (response.status_code, response.location, body.replace(email, "EMAIL")), elapsed


@pytest.mark.parametrize(
    ("path", "form_page", "fields"),
    [
        ("/login", "/login", {"password": "Wr0ng-password"}),
        ("/forgotPassword", "/forgotPassword", {}),
        ("/confirm/resend", "/confirm", {}),
    ],
)
def test_known_and_unknown_addresses_get_the_same_answer(app, outbox, path, form_page, fields):
    known = Browser(app, outbox).account("known@example.com")
    sent_before = len(outbox.messages())
    a, _ = _respond(app, outbox, path, form_page, known, **fields)
    b, _ = _respond(app, outbox, path, form_page, "unknown@example.com", **fields)
    assert a == b
    assert outbox.messages("unknown@example.com") == []
    assert len(outbox.messages()) - sent_before <= 1


def test_sign_in_failure_takes_as_long_for_an_unknown_address(app, outbox):
    Browser(app, outbox).account("timed@example.com")
    known, unknown = [], []
    for _ in range(5):
        known.append(
            _respond(
                app, outbox, "/login", "/login", "timed@example.com", password="Wr0ng-passw0rd"
            )[1]
        )
        unknown.append(
            _respond(
                app, outbox, "/login", "/login", "nobody@example.com", password="Wr0ng-passw0rd"
            )[1]
        )
    known.sort()
    unknown.sort()
    # Medians within a factor of two: both paths verify an Argon2id hash.
    assert 0.5 < known[2] / unknown[2] < 2.0


@pytest.mark.parametrize(
    ("path", "form_page"),
    [
        ("/forgotPassword", "/forgotPassword"),
        ("/confirm/resend", "/confirm"),
        ("/signup", "/signup"),
    ],
)
def test_emailing_endpoints_take_as_long_for_an_unknown_address(
    app, outbox, clock, path, form_page
):
    # An unconfirmed account: resend and forgot-password both send it email.
    known = "pending@example.com"
    browser = Browser(app, outbox)
    browser.open("/signup")
    browser.submit("/signup", email=known, password="Corr3ct-horse")
    fields = {"password": "Corr3ct-horse"} if path == "/signup" else {}
    timings = {known: [], "absent": []}
    for round_ in range(5):
        clock.advance(3600)  # past the pool's hourly code limit
        for address in timings:
            target = known if address == known else f"absent-{round_}@example.com"
            timings[address].append(_respond(app, outbox, path, form_page, target, **fields)[1])
    floor = app.extensions["gatehouse.settings"].min_response_ms / 1000
    medians = [sorted(values)[2] for values in timings.values()]
    assert min(medians) >= floor  # both paths are padded to the floor
    assert 0.75 < medians[0] / medians[1] < 1.33


def test_a_wrong_confirmation_code_answers_alike_for_every_kind_of_address(app, outbox):
    confirmed = Browser(app, outbox).account("confirmed@example.com")
    pending = Browser(app, outbox)
    pending.open("/signup")
    pending.submit("/signup", email="pending@example.com", password="Corr3ct-horse")
    # Past the pool's attempt limit too: a known address must not start answering differently.
    locked = Browser(app, outbox)
    locked.open("/signup")
    locked.submit("/signup", email="locked@example.com", password="Corr3ct-horse")
    wrong = {
        address: "000000" if Browser(app, outbox).last_code(address) != "000000" else "111111"
        for address in ("pending@example.com", "locked@example.com")
    }
    for _ in range(6):
        _respond(
            app,
            outbox,
            "/confirm",
            "/confirm",
            "locked@example.com",
            code=wrong["locked@example.com"],
        )
    answers = {
        address: _respond(app, outbox, "/confirm", "/confirm", address, code=code)[0]
        for address, code in (
            (confirmed, "123456"),
            ("pending@example.com", wrong["pending@example.com"]),
            ("locked@example.com", wrong["locked@example.com"]),
            ("unknown@example.com", "123456"),
        )
    }
    assert len(set(answers.values())) == 1, answers
    status, location, _ = answers[confirmed]
    assert (status, location) == (200, None)


def test_confirm_is_rate_limited_per_typed_address(make_app, outbox):
    app = make_app(rate_limit_account="3 per minute")
    browser = Browser(app, outbox)
    browser.open("/confirm")
    for _ in range(3):
        assert (
            browser.submit("/confirm", email="target@example.com", code="123456").status_code == 200
        )
        browser.open("/confirm")
    assert browser.submit("/confirm", email="target@example.com", code="123456").status_code == 429


def test_confirm_is_rate_limited_per_ip(make_app, outbox):
    app = make_app(rate_limit_ip="2 per minute")
    browser = Browser(app, outbox)
    for n in range(2):
        browser.open("/confirm")
        assert (
            browser.submit("/confirm", email=f"a{n}@example.com", code="123456").status_code == 200
        )
    browser.open("/confirm")
    assert browser.submit("/confirm", email="a9@example.com", code="123456").status_code == 429
