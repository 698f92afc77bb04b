"""Redirects leave only to URLs registered for the app client, matched exactly."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge

CALLBACK = "http://localhost:8000/demo/callback"
SIGN_OUT = "http://localhost:8000/"

HOSTILE_CALLBACKS = [
    "https://evil.example.com/demo/callback",
    "http://evil.example.com/demo/callback",
    "http://localhost:8000.evil.example.com/demo/callback",
    "http://localhost:8000@evil.example.com/demo/callback",
    "http://evil.example.com@localhost:8000/demo/callback",
    "http://localhost:8000/demo/callback/../../evil",
    "http://localhost:8000/demo/%2e%2e/evil",
    "http://localhost:8000/demo/callback%2f..%2fevil",
    "http://localhost:8000/demo/callback/extra",
    "http://localhost:8000/demo/callback?next=https://evil.example.com",
    "http://localhost:8000/demo/callback#frag",
    "http://LOCALHOST:8000/demo/callback",
    "http://localhost:8000/DEMO/callback",
    "https://localhost:8000/demo/callback",
    "http://localhost:8001/demo/callback",
    "http://localhost/demo/callback",
    "http://127.0.0.1:8000/demo/callback",
    "//evil.example.com/demo/callback",
    "/demo/callback",
    "javascript:alert(1)//localhost:8000/demo/callback",
    "data:text/html,<script>alert(1)</script>",
    "http://localhost:8000\\@evil.example.com/demo/callback",
    "http://localhost:8000/demo/callback ",
    " http://localhost:8000/demo/callback",
    "http://localhost:8000/demo/callback%00",
    "http://localhost%2e:8000/demo/callback",
    "http://localhost:8000/demo/callback/",
    "",
]
HOSTILE_SIGN_OUTS = [
    u.replace("/demo/callback", "/") for u in HOSTILE_CALLBACKS if "/demo/callback" in u
] + [
    "http://localhost:8000",
    "http://localhost:8000/?next=https://evil.example.com",
    "https://evil.example.com/",
]


def _authorize(client, redirect_uri: str, **extra):
    verifier = generate_token(64)
    params = {
        "response_type": "code",
        "client_id": "demo",
        "redirect_uri": redirect_uri,
        "state": "xyz",
        "scope": "openid email",
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
        **extra,
    }
    return client.get("/oauth2/authorize?" + urlencode(params))


def test_the_table_is_long_enough():
    assert len(HOSTILE_CALLBACKS) >= 25 and len(HOSTILE_SIGN_OUTS) >= 25


def test_the_registered_callback_is_accepted(client):
    response = _authorize(client, CALLBACK)
    assert response.status_code == 303 and response.location.startswith("/login")


@pytest.mark.parametrize("redirect_uri", HOSTILE_CALLBACKS)
def test_hostile_redirect_uri_never_redirects(client, redirect_uri):
    response = _authorize(client, redirect_uri)
    assert response.status_code == 400
    assert "Location" not in response.headers


@pytest.mark.parametrize("redirect_uri", HOSTILE_CALLBACKS[:10])
def test_hostile_redirect_uri_with_another_error_never_redirects(client, redirect_uri):
    response = _authorize(client, redirect_uri, scope="openid admin:everything")
    assert response.status_code == 400 and "Location" not in response.headers


@pytest.mark.parametrize("client_id", ["", "nosuchclient", "demo ", "DEMO", "demo%00"])
def test_unknown_client_never_redirects(client, client_id):
    response = client.get(
        "/oauth2/authorize?"
        + urlencode(
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": CALLBACK,
                "state": "s",
            }
        )
    )
    assert response.status_code == 400 and "Location" not in response.headers


@pytest.mark.parametrize("logout_uri", HOSTILE_SIGN_OUTS)
def test_hostile_logout_uri_never_redirects(client, logout_uri):
    response = client.get("/logout?" + urlencode({"client_id": "demo", "logout_uri": logout_uri}))
    assert response.status_code == 400 and "Location" not in response.headers


def test_registered_logout_uri_signs_out_and_redirects(browser):
    browser.sign_in(browser.account())
    assert browser.open("/account").status_code == 200
    response = browser.get("/logout?" + urlencode({"client_id": "demo", "logout_uri": SIGN_OUT}))
    assert response.status_code == 302 and response.location == SIGN_OUT
    assert browser.get("/account").status_code == 303


def test_logout_with_redirect_uri_starts_a_new_sign_in(client):
    response = client.get(
        "/logout?"
        + urlencode({"client_id": "demo", "redirect_uri": CALLBACK, "response_type": "code"})
    )
    assert response.status_code == 302 and response.location.startswith("/oauth2/authorize?")


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"scope": "openid admin:everything"}, "invalid_scope"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "", "code_challenge_method": ""}, "invalid_request"),
        ({"response_type": "code id_token"}, "unsupported_response_type"),
        ({"identity_provider": "Twitter"}, "invalid_request"),
    ],
)
def test_other_errors_go_back_to_the_registered_callback(client, extra, error):
    response = _authorize(client, CALLBACK, **extra)
    assert response.status_code == 302
    assert response.location.startswith(CALLBACK + "?")
    assert f"error={error}" in response.location and "state=xyz" in response.location
