"""The token response's scope, the implicit grant, and client_credentials passed to the domain."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

from .conftest import Browser
from .oauth2_app import CALLBACK, authorize_url, refresh, tokens_for


def test_the_token_response_carries_the_granted_scope(browser: Browser):
    tokens = tokens_for(browser, scope="openid email")
    assert tokens["scope"] == "openid email"
    refreshed = refresh(browser.http, tokens["refresh_token"]).json
    assert refreshed["scope"] == "openid email" and "refresh_token" not in refreshed


def test_implicit_grant_puts_the_tokens_in_the_fragment(app, outbox):
    browser = Browser(app, outbox)
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


def test_implicit_grant_without_openid_has_no_id_token(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    browser.get(authorize_url("demo", response_type="token", scope="email"))
    fragment = parse_qs(urlsplit(browser.sign_in(email).location).fragment)
    assert "access_token" in fragment and "id_token" not in fragment


def test_implicit_grant_is_refused_for_a_client_without_it(client):
    response = client.get(authorize_url("northwind", response_type="token"))
    assert response.status_code == 302 and response.location.startswith(CALLBACK + "?")
    query = parse_qs(urlsplit(response.location).query)
    assert query["error"] == ["unsupported_response_type"] and query["state"] == ["app-state"]


def test_implicit_errors_go_back_in_the_fragment(app):
    response = app.test_client().get(
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


def test_client_credentials_are_answered_by_the_pools_domain(app, client):
    secret = app.extensions["gatehouse.localpool"].clients["m2m"].secret
    form = {"grant_type": "client_credentials", "scope": "demo-api/read"}
    response = client.post("/oauth2/token", data=form, auth=("m2m", secret))
    assert response.status_code == 200, response.json
    assert response.json.keys() == {"access_token", "expires_in", "token_type"}
    payload = response.json["access_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["client_id"] == "m2m" and claims["scope"] == "demo-api/read"
    # The client's own authentication goes with it, in the form too.
    in_form = {**form, "client_id": "m2m", "client_secret": secret}
    assert client.post("/oauth2/token", data=in_form).status_code == 200


def test_client_credentials_errors_are_the_domains(app, client):
    secret = app.extensions["gatehouse.localpool"].clients["m2m"].secret
    for auth, form in [
        (("m2m", "wrong"), {"grant_type": "client_credentials"}),
        (("m2m", secret), {"grant_type": "client_credentials", "scope": "demo-api/delete"}),
        (("demo", ""), {"grant_type": "client_credentials"}),
    ]:
        ours = client.post("/oauth2/token", data=form, auth=auth)
        domains = client.post("/_localpool/oauth2/token", data=form, auth=auth)
        assert ours.status_code >= 400
        assert (ours.status_code, ours.json) == (domains.status_code, domains.json)
