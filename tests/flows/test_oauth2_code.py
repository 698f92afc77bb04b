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


def _ends_at_the_app_with_its_own_tokens_only(browser: Browser, response, verifier: str) -> None:
    """The sign-in came back to the app (its pending request finished with a session proof)
    with tokens minted for that app client, never Gatehouse's own."""
    from app.signin import id_claims

    from .oauth2_app import CALLBACK

    assert response.location.startswith(CALLBACK), response.location
    tokens = exchange(browser.http, code_of(response.location), verifier)
    assert tokens.status_code == 200, tokens.json
    assert id_claims(tokens.json["id_token"])["aud"] == "demo"


def test_a_password_change_never_hands_gatehouses_own_tokens_to_a_pending_app(browser: Browser):
    from .conftest import PASSWORD
    from .oauth2_app import CALLBACK, authorize_url

    email = browser.account()
    browser.sign_in(email)
    verifier = generate_token(64)
    # An app's request, left at the sign-in page (prompt=login: no single sign-on).
    browser.get(authorize_url("demo", verifier, prompt="login"))
    browser.open("/account/password")
    response = browser.submit(
        "/account/password", current=PASSWORD, password="An0ther-horse", sign_out_others="y"
    )
    # The fresh sign-in is Gatehouse's own; the app's request is finished with tokens minted
    # for the app itself (a session proof), never with Gatehouse's.
    assert response.location.startswith(CALLBACK)
    _ends_at_the_app_with_its_own_tokens_only(browser, response, verifier)


def test_a_magic_link_for_one_app_client_never_finishes_another_ones_request(app, outbox):
    from .oauth2_app import authorize_url
    from .test_magic_link import ask, link_of

    asking = Browser(app, outbox)
    email = asking.account()
    ask(asking, email)  # no app's request here: the link signs in to Gatehouse's own client
    opening = Browser(app, outbox)
    verifier = generate_token(64)
    opening.get(authorize_url("demo", verifier))  # this browser waits for the demo app
    link = link_of(outbox, email)
    opening.open(link)  # another device: it signs in here ("Sign in on this device instead")
    _ends_at_the_app_with_its_own_tokens_only(opening, opening.submit(link, here="yes"), verifier)
