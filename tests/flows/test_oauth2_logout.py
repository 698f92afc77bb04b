"""OpenID Connect RP-Initiated Logout 1.0 at /logout, beside Cognito's own forms."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from app.messages import text

from .conftest import Browser
from .oauth2_app import tokens_for
from .test_redirects import HOSTILE_SIGN_OUTS, SIGN_OUT


def id_token_for(browser: Browser, client_id: str = "demo") -> str:
    """Sign in to an app client through the code flow; returns its ID token."""
    return tokens_for(browser, client_id)["id_token"]


def logout(browser: Browser, **params: str):
    """GET /logout with these parameters."""
    return browser.get("/logout?" + urlencode(params))


def signed_in(browser: Browser) -> bool:
    """Gatehouse's session is still there."""
    return browser.get("/account").status_code == 200


def forged(claims: dict, kid: str) -> str:
    """A token with the pool's claims and key id, signed by a key that is not the pool's."""
    key = RSAKey.generate_key(2048, parameters={"kid": kid})
    return jwt.encode({"alg": "RS256", "kid": kid}, claims, key)


def claims_of(token: str) -> tuple[dict, dict]:
    """A token's header and claims, unverified (to build variants of it)."""
    from joserfc.jws import extract_compact

    compact = extract_compact(token.encode())
    return compact.protected, json.loads(compact.payload)


def test_hint_post_logout_redirect_uri_and_state(browser: Browser):
    hint = id_token_for(browser)
    assert signed_in(browser)
    response = logout(browser, id_token_hint=hint, post_logout_redirect_uri=SIGN_OUT, state="s 1&x")
    assert response.status_code == 302 and response.location == SIGN_OUT + "?state=s+1%26x"
    assert not signed_in(browser)


def test_client_id_instead_of_a_hint(browser: Browser):
    id_token_for(browser)
    response = logout(browser, client_id="demo", post_logout_redirect_uri=SIGN_OUT)
    assert response.status_code == 302 and response.location == SIGN_OUT
    assert not signed_in(browser)


def test_a_hint_alone_signs_out_and_shows_a_page(browser: Browser):
    hint = id_token_for(browser)
    response = logout(browser, id_token_hint=hint)
    assert response.status_code == 200 and "Location" not in response.headers
    assert text("signed_out").replace("'", "&#39;") in response.get_data(as_text=True)
    assert not signed_in(browser)


def test_an_expired_hint_is_still_a_hint(browser: Browser, clock):
    clock.advance(-3 * 3600)  # the pool mints a token that expired two hours ago
    hint = id_token_for(browser)
    clock.advance(3 * 3600)
    assert claims_of(hint)[1]["exp"] < clock()
    response = logout(browser, id_token_hint=hint, post_logout_redirect_uri=SIGN_OUT)
    assert response.status_code == 302 and response.location == SIGN_OUT


def refused(browser: Browser, **params: str) -> None:
    """The error page, no redirect, and the session untouched."""
    response = logout(browser, **params)
    assert response.status_code == 400 and "Location" not in response.headers
    assert text("bad_logout_request").replace("'", "&#39;") in response.get_data(as_text=True)
    assert signed_in(browser)


@pytest.mark.parametrize("target", HOSTILE_SIGN_OUTS)
def test_an_unregistered_post_logout_redirect_uri_is_refused(browser: Browser, target):
    refused(browser, id_token_hint=id_token_for(browser), post_logout_redirect_uri=target)


def test_client_id_must_agree_with_the_hint(browser: Browser):
    hint = id_token_for(browser, "demo")
    refused(browser, id_token_hint=hint, client_id="northwind", post_logout_redirect_uri=SIGN_OUT)


def test_the_sign_out_url_must_be_the_hinted_clients(browser: Browser):
    # northwind's only sign-out URL is /demo; demo's is / — a hint for northwind cannot use /.
    hint = id_token_for(browser, "northwind")
    refused(browser, id_token_hint=hint, post_logout_redirect_uri=SIGN_OUT)


def test_a_hint_not_signed_by_the_pool_is_refused(browser: Browser):
    header, claims = claims_of(id_token_for(browser))
    refused(browser, id_token_hint=forged(claims, header["kid"]), post_logout_redirect_uri=SIGN_OUT)


@pytest.mark.parametrize(
    "hint", ["", "garbage", "a.b.c", "eyJhbGciOiJub25lIn0.eyJhdWQiOiJkZW1vIn0.", "\u00ff" * 20]
)
def test_a_malformed_hint_is_refused(browser: Browser, hint):
    id_token_for(browser)
    refused(browser, id_token_hint=hint, post_logout_redirect_uri=SIGN_OUT)


def test_an_access_token_is_not_a_hint(browser: Browser):
    access = tokens_for(browser)["access_token"]
    refused(browser, id_token_hint=access, post_logout_redirect_uri=SIGN_OUT)


def test_no_hint_and_no_client_id_is_refused(browser: Browser):
    id_token_for(browser)
    refused(browser, post_logout_redirect_uri=SIGN_OUT)


def test_discovery_advertises_the_end_session_endpoint(client):
    config = client.get("/.well-known/openid-configuration").json
    assert config["end_session_endpoint"].endswith("/logout")


@pytest.mark.parametrize(
    "extra",
    [{"_method": "DELETE"}, {"_scheme": "https"}, {"_external": "1"}, {"_anchor": "x"}],
    ids=["method", "scheme", "external", "anchor"],
)
def test_sign_out_and_sign_in_again_passes_the_query_on_as_it_is(client, extra):
    """Cognito's logout with redirect_uri and response_type sends the same query on to
    /oauth2/authorize: a parameter named like one of Flask's url_for options must stay a
    parameter (not a 500, nor an absolute URL built from the request's Host)."""
    query = {
        "client_id": "demo",
        "redirect_uri": "http://localhost:8000/demo/callback",
        "response_type": "code",
        **extra,
    }
    response = client.get("/logout?" + urlencode(query))
    assert response.status_code == 302
    assert response.location == "/oauth2/authorize?" + urlencode(query)
