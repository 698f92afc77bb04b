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
