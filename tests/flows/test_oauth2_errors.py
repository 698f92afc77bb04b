"""Every failure of the OAuth2 JSON endpoints is RFC 6749 §5.2 JSON, never an HTML page."""

from __future__ import annotations

import base64

import pytest

from app.localpool.seed import THROTTLE_CATEGORIES
from app.store import StoreUnavailable

from .conftest import Browser
from .oauth2_app import code_of, exchange, refresh, signed_in_callback, tokens_for

JSON_ENDPOINTS = [
    (
        "post",
        "/oauth2/token",
        {"grant_type": "refresh_token", "client_id": "demo", "refresh_token": "r"},
    ),
    ("post", "/oauth2/revoke", {"client_id": "demo", "token": "r"}),
    ("get", "/oauth2/userInfo", None),
]


def assert_oauth_error(response, status: int, error: str) -> None:
    """The §5.2 shape: JSON with error and error_description, never cached."""
    assert response.status_code == status, response.get_data(as_text=True)[:200]
    assert response.mimetype == "application/json"
    assert response.json["error"] == error and response.json["error_description"]
    assert response.headers["Cache-Control"] == "no-store"


def throttle_everything(app) -> None:
    """Make the local pool refuse every further call with TooManyRequestsException."""
    pool = app.extensions["gatehouse.localpool"]
    for category in THROTTLE_CATEGORIES:
        pool.throttle[category] = 0.001
        pool.admit(category)


def call(client, method: str, path: str, data):
    """One request to a JSON endpoint (userInfo with a Bearer token)."""
    if method == "get":
        return client.get(path, headers={"Authorization": "Bearer abc.def.ghi"})
    return client.post(path, data=data)


@pytest.mark.parametrize("raw", [b"\xff\xfe:\xff", b"demo:\xff\xfe", b"\x80"])
@pytest.mark.parametrize("path", ["/oauth2/token", "/oauth2/revoke"])
def test_non_utf8_basic_credentials_are_invalid_client(client, path, raw):
    header = "Basic " + base64.b64encode(raw).decode()
    response = client.post(
        path,
        data={"grant_type": "refresh_token", "refresh_token": "r", "token": "r"},
        headers={"Authorization": header},
    )
    # The pool's domain answers client_credentials (Gatehouse passes its answer on), as
    # Cognito's does: the error alone.
    assert response.status_code == 401 and response.json["error"] == "invalid_client"


@pytest.mark.parametrize("header", ["Basic ", "Basic  ", "Basic %%%", "Basic Og=="])
@pytest.mark.parametrize("path", ["/oauth2/token", "/oauth2/revoke"])
def test_malformed_basic_credentials_are_invalid_client(client, path, header):
    response = client.post(
        path,
        data={"grant_type": "refresh_token", "refresh_token": "r", "token": "r"},
        headers={"Authorization": header},
    )
    # The pool's domain answers client_credentials (Gatehouse passes its answer on), as
    # Cognito's does: the error alone.
    assert response.status_code == 401 and response.json["error"] == "invalid_client"


@pytest.mark.parametrize(("method", "path", "data"), JSON_ENDPOINTS)
def test_a_throttling_pool_is_503_json_with_retry_after(make_app, method, path, data):
    app = make_app(aws_max_attempts=1)
    throttle_everything(app)
    response = call(app.test_client(), method, path, data)
    assert_oauth_error(response, 503, "temporarily_unavailable")
    assert int(response.headers["Retry-After"]) > 0


def test_an_unreachable_pool_is_503_json(app, monkeypatch):
    from app.userpool import errors

    def unreachable(*args, **kwargs):
        raise errors.Unavailable("EndpointConnectionError", "DescribeUserPoolClient")

    monkeypatch.setattr(app.extensions["gatehouse.userpool"], "call", unreachable)
    response = app.test_client().post("/oauth2/token", data=JSON_ENDPOINTS[0][2])
    assert_oauth_error(response, 503, "temporarily_unavailable")
    assert int(response.headers["Retry-After"]) > 0


def test_a_failing_store_is_503_json(app, browser: Browser, monkeypatch):
    callback, verifier = signed_in_callback(browser)

    def broken(*args, **kwargs):
        raise StoreUnavailable("OperationalError: disk I/O error")

    store = app.extensions["gatehouse.store"]
    monkeypatch.setattr(store, "get", broken)
    monkeypatch.setattr(store, "take", broken)
    response = exchange(app.test_client(), code_of(callback), verifier)
    assert_oauth_error(response, 503, "temporarily_unavailable")


def test_revoke_answers_json_as_cognito_does(browser: Browser):
    tokens = tokens_for(browser)
    response = browser.http.post(
        "/oauth2/revoke", data={"client_id": "demo", "token": tokens["refresh_token"]}
    )
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_data() == b""
    missing = browser.http.post("/oauth2/revoke", data={"client_id": "demo"})
    assert_oauth_error(missing, 400, "invalid_request")
    access = browser.http.post(
        "/oauth2/revoke", data={"client_id": "demo", "token": tokens["access_token"]}
    )
    assert_oauth_error(access, 400, "unsupported_token_type")
    unknown = browser.http.post("/oauth2/revoke", data={"client_id": "nosuch", "token": "x"})
    assert unknown.status_code in (400, 401) and unknown.json["error"] == "invalid_client"


def test_revoking_another_clients_token_is_200_and_revokes_nothing(browser: Browser):
    tokens = tokens_for(browser)
    response = browser.http.post(
        "/oauth2/revoke", data={"client_id": "northwind", "token": tokens["refresh_token"]}
    )
    assert response.status_code == 200 and response.mimetype == "application/json"
    refreshed = refresh(browser.http, tokens["refresh_token"])
    assert refreshed.status_code == 200 and refreshed.json["access_token"]


@pytest.mark.parametrize("path", ["/oauth2/token", "/oauth2/revoke"])
def test_a_hostile_form_body_is_json(client, path):
    response = client.post(
        path, data=b"\xff\xfe=\xff&grant_type=%ff", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code < 500 and response.mimetype == "application/json"
    assert response.json["error"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/oauth2/token"),
        ("PUT", "/oauth2/revoke"),
        ("DELETE", "/oauth2/userInfo"),
        ("POST", "/.well-known/openid-configuration"),
    ],
)
def test_a_wrong_method_is_json(client, method, path):
    response = client.open(path, method=method)
    assert_oauth_error(response, 405, "invalid_request")
    assert response.headers["Allow"]


def test_a_wrong_method_on_a_page_is_not_json(client):
    response = client.open("/login", method="DELETE")
    assert response.status_code == 405 and response.mimetype == "text/html"


@pytest.mark.parametrize("secret", ["é", "secret-ü-ß", "\u0661\u0662"])
def test_a_client_secret_outside_ascii_is_invalid_client(client, secret):
    """Compared in constant time as bytes: a str comparison would refuse it with a fault."""
    response = client.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": "m2m", "client_secret": secret},
    )
    # The pool's domain answers client_credentials (Gatehouse passes its answer on), as
    # Cognito's does: the error alone.
    assert response.status_code == 401 and response.json["error"] == "invalid_client"


@pytest.mark.parametrize("secret", ["é", "\u0661\u0662"])
def test_gatehouses_own_token_endpoint_refuses_a_secret_outside_ascii(client, secret):
    """An app client with a secret, at the grants Gatehouse answers itself."""
    response = client.post(
        "/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": "gatehouse",
            "client_secret": secret,
            "refresh_token": "r",
        },
    )
    assert_oauth_error(response, 401, "invalid_client")
