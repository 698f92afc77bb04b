"""The token response's scope, the implicit grant, and client_credentials passed to the domain."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import Browser
from .oauth2_app import CALLBACK, authorize_url, code_of, exchange, signed_in_callback


@pytest.fixture
def implicit_app(app):
    """The app with the seeded ``demo`` client also allowed the implicit grant."""
    client = app.extensions["gatehouse.localpool"].clients["demo"]
    if "implicit" not in client.allowed_oauth_flows:
        client.allowed_oauth_flows.append("implicit")
    return app


def test_the_token_response_carries_the_granted_scope(browser: Browser):
    callback, verifier = signed_in_callback(browser, scope="openid email")
    tokens = exchange(browser.http, code_of(callback), verifier).json
    assert tokens["scope"] == "openid email"
    refreshed = browser.http.post(
        "/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": "demo",
            "refresh_token": tokens["refresh_token"],
        },
    ).json
    assert refreshed["scope"] == "openid email" and "refresh_token" not in refreshed


def test_implicit_grant_puts_the_tokens_in_the_fragment(implicit_app, outbox):
    browser = Browser(implicit_app, outbox)
    email = browser.account()
    response = browser.get(authorize_url("demo", response_type="token", scope="openid email"))
    assert response.status_code == 303 and response.location.startswith("/login")
    response = browser.sign_in(email)
    assert response.status_code == 303
    url = urlsplit(response.location)
    assert f"{url.scheme}://{url.netloc}{url.path}" == CALLBACK and not url.query
    fragment = {k: v[0] for k, v in parse_qs(url.fragment).items()}
    assert fragment.keys() == {"access_token", "id_token", "token_type", "expires_in", "state"}
    assert fragment["token_type"] == "Bearer" and fragment["state"] == "app-state"
    assert int(fragment["expires_in"]) > 0
    info = browser.http.get(
        "/oauth2/userInfo", headers={"Authorization": f"Bearer {fragment['access_token']}"}
    )
    assert info.status_code == 200 and info.json["email"] == email


def test_implicit_grant_without_openid_has_no_id_token(implicit_app, outbox):
    browser = Browser(implicit_app, outbox)
    email = browser.account()
    browser.get(authorize_url("demo", response_type="token", scope="email"))
    fragment = parse_qs(urlsplit(browser.sign_in(email).location).fragment)
    assert "access_token" in fragment and "id_token" not in fragment


def test_implicit_grant_is_refused_for_a_client_without_it(client):
    response = client.get(authorize_url("northwind", response_type="token"))
    assert response.status_code == 302 and response.location.startswith(CALLBACK + "?")
    query = parse_qs(urlsplit(response.location).query)
    assert query["error"] == ["unsupported_response_type"] and query["state"] == ["app-state"]


def test_implicit_errors_go_back_in_the_fragment(implicit_app):
    response = implicit_app.test_client().get(
        authorize_url("demo", response_type="token", scope="openid admin:everything")
    )
    assert response.status_code == 302 and response.location.startswith(CALLBACK + "#")
    assert "error=invalid_scope" in response.location


def test_discovery_lists_the_grants_and_response_types(client):
    config = client.get("/.well-known/openid-configuration").json
    assert config["response_types_supported"] == ["code", "token"]
    assert set(config["grant_types_supported"]) == {
        "authorization_code",
        "implicit",
        "refresh_token",
        "client_credentials",
    }


def test_client_credentials_answer_is_the_domains(app, client):
    secret = app.extensions["gatehouse.localpool"].clients["gatehouse"].secret
    form = {"grant_type": "client_credentials", "scope": "nothing/here"}
    ours = client.post("/oauth2/token", data=form, auth=("gatehouse", secret))
    domains = client.post("/_localpool/oauth2/token", data=form, auth=("gatehouse", secret))
    assert (ours.status_code, ours.json) == (domains.status_code, domains.json)
    wrong = client.post("/oauth2/token", data=form, auth=("gatehouse", "wrong"))
    assert wrong.status_code == 401 and wrong.json["error"] == "invalid_client"
