"""CORS on the OAuth2/OIDC JSON endpoints: the app clients' own origins only, pages never."""

from __future__ import annotations

import pytest

from app.localpool.seed import AppClient

APP = "https://app.example.com"
SIGN_OUT_SITE = "http://signout.example.net:8081"
# What Amplify JS v6 sends to the user pool's endpoint (seen from Chromium, real-client suite).
AMPLIFY_HEADERS = (
    "x-amz-user-agent, x-amz-target, content-type, cache-control, amz-sdk-request, "
    "amz-sdk-invocation-id"
)
POOL_ID = "us-east-1_gatehouse"


@pytest.fixture
def app(make_app):
    """An app whose ``demo`` client has a callback on another origin, and a second client whose
    sign-out URL is on a third."""
    app = make_app()
    pool = app.extensions["gatehouse.localpool"]
    pool.clients["demo"].callback_urls.append(f"{APP}/auth/callback")
    pool.clients["spa"] = AppClient(
        id="spa", callback_urls=["myapp://callback"], logout_urls=[f"{SIGN_OUT_SITE}/bye"]
    )
    return app


def preflight(client, path: str, origin: str, method: str = "POST", headers: str = ""):
    """A browser's preflight request."""
    request_headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        request_headers["Access-Control-Request-Headers"] = headers
    return client.options(path, headers=request_headers)


JSON_ROUTES = [
    ("POST", "/oauth2/token"),
    ("POST", "/oauth2/revoke"),
    ("GET", "/oauth2/userInfo"),
    ("GET", "/.well-known/openid-configuration"),
    ("GET", f"/_localpool/{POOL_ID}/.well-known/openid-configuration"),
    ("GET", f"/_localpool/{POOL_ID}/.well-known/jwks.json"),
    ("POST", "/_localpool"),
]


@pytest.mark.parametrize(("method", "path"), JSON_ROUTES)
@pytest.mark.parametrize("origin", [APP, SIGN_OUT_SITE, APP.upper()])
def test_a_preflight_from_an_app_clients_origin_is_answered(client, method, path, origin):
    response = preflight(client, path, origin, method, AMPLIFY_HEADERS + ", authorization")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == origin
    allowed = {h.strip() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert allowed == {
        "amz-sdk-invocation-id",
        "amz-sdk-request",
        "authorization",
        "cache-control",
        "content-type",
        "x-amz-target",
        "x-amz-user-agent",
    }
    assert method in response.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "Origin" in response.vary


@pytest.mark.parametrize(("method", "path"), JSON_ROUTES)
@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example.com",
        "null",
        "http://app.example.com",
        "https://app.example.com:8443",
        "https://app.example.com.evil.example",
        "https://xapp.example.com",
        "myapp://callback",
        "*",
    ],
)
def test_other_origins_get_no_cors(client, method, path, origin):
    response = preflight(client, path, origin, method, "content-type")
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" in response.vary
    actual = client.open(path, method=method, headers={"Origin": origin})
    assert "Access-Control-Allow-Origin" not in actual.headers


def test_answers_and_errors_carry_the_origin(client):
    discovery = client.get("/.well-known/openid-configuration", headers={"Origin": APP})
    assert discovery.headers["Access-Control-Allow-Origin"] == APP
    refused = client.post(
        "/oauth2/token", data={"grant_type": "refresh_token"}, headers={"Origin": APP}
    )
    assert refused.status_code in (400, 401) and refused.json["error"]
    assert refused.headers["Access-Control-Allow-Origin"] == APP
    assert "Retry-After" in refused.headers["Access-Control-Expose-Headers"]
    api = client.post(
        "/_localpool",
        data=b"{}",
        headers={
            "Origin": APP,
            "X-Amz-Target": "AWSCognitoIdentityProviderService.GetUser",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    assert api.status_code == 400 and api.headers["Access-Control-Allow-Origin"] == APP


@pytest.mark.parametrize(
    "path", ["/login", "/signup", "/oauth2/authorize?client_id=demo", "/logout", "/account", "/"]
)
def test_pages_get_no_cors_headers(client, path):
    for response in (
        client.get(path, headers={"Origin": APP}),
        preflight(client, path, APP, "GET"),
    ):
        assert not [h for h in response.headers.keys() if h.lower().startswith("access-control")]
        assert "Origin" not in response.vary


def test_a_new_app_clients_origin_is_allowed_after_a_minute(app, client, monkeypatch):
    other = "https://later.example.org"
    assert "Access-Control-Allow-Origin" in preflight(client, "/oauth2/token", APP).headers
    app.extensions["gatehouse.localpool"].clients["later"] = AppClient(
        id="later", callback_urls=[f"{other}/cb"]
    )
    assert "Access-Control-Allow-Origin" not in preflight(client, "/oauth2/token", other).headers
    import app.oauth.cors as cors

    later = cors.time.monotonic() + cors.CACHE_SECONDS + 1
    monkeypatch.setattr(cors.time, "monotonic", lambda: later)
    response = preflight(client, "/oauth2/token", other)
    assert response.headers["Access-Control-Allow-Origin"] == other


def test_a_pool_that_cannot_list_clients_keeps_the_endpoints_answering(make_app):
    app = make_app(aws_max_attempts=1)
    pool = app.extensions["gatehouse.localpool"]
    for category in ("UserResourceRead", "UserAuthentication", "UserToken"):
        pool.throttle[category] = 0.001
        pool.admit(category)
    response = app.test_client().post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "client_id": "demo", "refresh_token": "r"},
        headers={"Origin": APP},
    )
    assert response.status_code == 503 and response.json["error"] == "temporarily_unavailable"
