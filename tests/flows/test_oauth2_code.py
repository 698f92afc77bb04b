"""The authorization code at the token endpoint: single use, and not spent by a wrong request."""

from __future__ import annotations

import threading

from authlib.common.security import generate_token

from .conftest import Browser
from .oauth2_app import code_of, exchange, signed_in_callback


def test_a_wrong_verifier_does_not_spend_the_code(browser: Browser):
    callback, verifier = signed_in_callback(browser)
    code = code_of(callback)
    wrong = exchange(browser.http, code, generate_token(64))
    assert wrong.status_code == 400 and wrong.json["error"] == "invalid_grant"
    right = exchange(browser.http, code, verifier)
    assert right.status_code == 200 and right.json["id_token"]


def test_a_wrong_redirect_uri_or_client_does_not_spend_the_code(browser: Browser):
    callback, verifier = signed_in_callback(browser)
    code = code_of(callback)
    wrong = exchange(browser.http, code, verifier, redirect_uri="http://localhost:8000/other")
    assert wrong.status_code == 400 and wrong.json["error"] == "invalid_grant"
    other = exchange(browser.http, code, verifier, client_id="northwind")
    assert other.status_code == 400 and other.json["error"] == "invalid_grant"
    assert exchange(browser.http, code, verifier).status_code == 200


def test_the_code_works_once(browser: Browser):
    callback, verifier = signed_in_callback(browser)
    code = code_of(callback)
    assert exchange(browser.http, code, verifier).status_code == 200
    again = exchange(browser.http, code, verifier)
    assert again.status_code == 400 and again.json["error"] == "invalid_grant"


def test_two_concurrent_exchanges_get_one_set_of_tokens(app, browser: Browser):
    callback, verifier = signed_in_callback(browser)
    code = code_of(callback)
    barrier = threading.Barrier(4)
    statuses = []

    def race() -> None:
        http = app.test_client()
        barrier.wait(timeout=10)
        statuses.append(exchange(http, code, verifier).status_code)

    threads = [threading.Thread(target=race) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [200, 400, 400, 400]
