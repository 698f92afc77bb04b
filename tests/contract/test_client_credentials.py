"""The local pool's OAuth2 domain answers client_credentials as Cognito's domain does (M2M).

Driven over real HTTP by Authlib's requests client, as a back-end service would call it.
"""

from __future__ import annotations

import threading

import pytest
import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet
from werkzeug.serving import make_server

M2M_SECRET = "localonlym2mclientsecretnotforproduction"
ALL_SCOPES = "demo-api/read demo-api/write"


@pytest.fixture
def domain(make_app):
    """The app served on a loopback port, that port its base URL; yields (base URL, pool)."""
    from tests.live.conftest import free_port

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = make_server("127.0.0.1", port, make_app(base_url=base), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base, server.app.extensions["gatehouse.localpool"]
    server.shutdown()
    thread.join(timeout=5)


def _token_url(base: str) -> str:
    return f"{base}/_localpool/oauth2/token"


def _keys(base: str, pool) -> KeySet:
    """The pool's JWKS, fetched where Cognito publishes it."""
    url = f"{pool.issuer}/.well-known/jwks.json"
    return KeySet.import_key_set(requests.get(url, timeout=5).json())


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_client_credentials_gives_an_m2m_access_token(domain, auth_method):
    base, pool = domain
    session = OAuth2Session("m2m", M2M_SECRET, token_endpoint_auth_method=auth_method)
    token = session.fetch_token(_token_url(base), grant_type="client_credentials")
    assert set(token) - {"expires_at"} == {"access_token", "expires_in", "token_type"}
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
    decoded = jwt.decode(token["access_token"], _keys(base, pool), algorithms=["RS256"])
    claims = decoded.claims
    assert decoded.header["alg"] == "RS256" and decoded.header["kid"] == pool.signer.kid
    assert set(claims) == {
        "sub", "client_id", "token_use", "scope", "auth_time", "iss", "exp", "iat", "version",
        "jti",
    }  # fmt: skip
    assert claims["sub"] == claims["client_id"] == "m2m"
    assert claims["token_use"] == "access" and claims["version"] == 2
    assert claims["scope"] == ALL_SCOPES
    assert claims["iss"] == pool.issuer
    assert claims["exp"] - claims["iat"] == 3600 and claims["auth_time"] == claims["iat"]


def test_a_requested_scope_narrows_the_token(domain):
    base, pool = domain
    session = OAuth2Session("m2m", M2M_SECRET, scope="demo-api/read")
    token = session.fetch_token(_token_url(base), grant_type="client_credentials")
    claims = jwt.decode(token["access_token"], _keys(base, pool)).claims
    assert claims["scope"] == "demo-api/read"


@pytest.mark.parametrize("scope", ["demo-api/delete", "openid", "demo-api/read other-api/read"])
def test_an_unknown_or_unallowed_scope_is_invalid_scope(domain, scope):
    base, _ = domain
    session = OAuth2Session("m2m", M2M_SECRET, scope=scope)
    with pytest.raises(OAuthError) as exc:
        session.fetch_token(_token_url(base), grant_type="client_credentials")
    assert exc.value.error == "invalid_scope"


def test_a_wrong_or_missing_secret_is_invalid_client(domain):
    base, _ = domain
    for secret in ("wrong", ""):
        response = requests.post(
            _token_url(base),
            data={"grant_type": "client_credentials", "client_id": "m2m", "client_secret": secret},
            timeout=5,
        )
        assert response.status_code == 401 and response.json() == {"error": "invalid_client"}


def test_a_public_client_cannot_use_client_credentials(domain):
    base, _ = domain
    response = requests.post(
        _token_url(base), data={"grant_type": "client_credentials", "client_id": "demo"}, timeout=5
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_a_client_not_allowed_the_flow_is_unauthorized_client(domain):
    base, pool = domain
    secret = pool.clients["gatehouse"].secret
    session = OAuth2Session("gatehouse", secret)
    with pytest.raises(OAuthError) as exc:
        session.fetch_token(_token_url(base), grant_type="client_credentials")
    assert exc.value.error == "unauthorized_client"


def test_an_m2m_token_is_no_user_token(domain):
    base, _ = domain
    session = OAuth2Session("m2m", M2M_SECRET)
    token = session.fetch_token(_token_url(base), grant_type="client_credentials")
    response = requests.get(
        f"{base}/_localpool/oauth2/userInfo",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=5,
    )
    assert response.status_code == 401
