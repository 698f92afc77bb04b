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
def serve(make_app):
    """Serve an app (keyword arguments: its test config) on a loopback port, that port its
    base URL; returns (base URL, pool)."""
    from tests.live.conftest import free_port

    servers = []

    def start(**config):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = make_server("127.0.0.1", port, make_app(base_url=base, **config), threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return base, server.app.extensions["gatehouse.localpool"]

    yield start
    for server, thread in servers:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def domain(serve):
    """The app with the default seed, served; (base URL, pool)."""
    return serve()


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


def test_a_secret_with_characters_outside_ascii_is_invalid_client_not_a_fault(domain):
    base, _ = domain
    posted = requests.post(
        _token_url(base),
        data={"grant_type": "client_credentials", "client_id": "m2m", "client_secret": "s\u00e9"},
        timeout=5,
    )
    basic = requests.post(
        _token_url(base),
        data={"grant_type": "client_credentials"},
        auth=(b"m2m", "s\u00e9cret".encode()),
        timeout=5,
    )
    for response in (posted, basic):
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


def _admin(pool):
    """A boto3 cognito-idp client of the served app's local pool (admin calls are signed)."""
    import boto3

    return boto3.client(
        "cognito-idp",
        region_name="us-east-1",
        endpoint_url=pool.issuer.rsplit("/", 1)[0],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def test_a_scope_of_a_deleted_resource_server_is_invalid_scope(domain):
    base, pool = domain
    _admin(pool).delete_resource_server(UserPoolId=pool.id, Identifier="demo-api")
    for scope in ("demo-api/read", None):
        session = OAuth2Session("m2m", M2M_SECRET, scope=scope)
        with pytest.raises(OAuthError) as exc:
            session.fetch_token(_token_url(base), grant_type="client_credentials")
        assert exc.value.error == "invalid_scope"


def test_a_scope_removed_from_its_resource_server_is_no_longer_granted(domain):
    base, pool = domain
    _admin(pool).update_resource_server(
        UserPoolId=pool.id,
        Identifier="demo-api",
        Name="Demo API",
        Scopes=[{"ScopeName": "read", "ScopeDescription": "Read"}],
    )
    token = OAuth2Session("m2m", M2M_SECRET).fetch_token(
        _token_url(base), grant_type="client_credentials"
    )
    assert jwt.decode(token["access_token"], _keys(base, pool)).claims["scope"] == "demo-api/read"
    with pytest.raises(OAuthError) as exc:
        OAuth2Session("m2m", M2M_SECRET, scope="demo-api/write").fetch_token(
            _token_url(base), grant_type="client_credentials"
        )
    assert exc.value.error == "invalid_scope"


def test_a_client_made_through_the_api_gets_m2m_tokens_at_once(domain):
    base, pool = domain
    idp = _admin(pool)
    idp.create_resource_server(
        UserPoolId=pool.id,
        Identifier="https://orders.example.com",
        Name="Orders",
        Scopes=[{"ScopeName": "orders.read", "ScopeDescription": "Read orders"}],
    )
    made = idp.create_user_pool_client(
        UserPoolId=pool.id,
        ClientName="orders-worker",
        GenerateSecret=True,
        AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthScopes=["https://orders.example.com/orders.read"],
    )["UserPoolClient"]
    session = OAuth2Session(made["ClientId"], made["ClientSecret"])
    token = session.fetch_token(_token_url(base), grant_type="client_credentials")
    claims = jwt.decode(token["access_token"], _keys(base, pool)).claims
    assert claims["client_id"] == made["ClientId"]
    assert claims["scope"] == "https://orders.example.com/orders.read"


def _v3(calls, answer):
    """A V3_0 PreTokenGeneration handler that records its events and answers ``answer``."""

    def handler(event, context):
        calls.append(event)
        event["response"]["claimsAndScopeOverrideDetails"] = answer
        return event

    return {"PreTokenGenerationConfig": {"LambdaVersion": "V3_0", "LambdaArn": handler}}


def test_pre_token_generation_v3_shapes_the_m2m_token(serve):
    calls = []
    answer = {
        "accessTokenGeneration": {
            "claimsToAddOrOverride": {"tenant": "acme", "sub": "forged", "limits": {"rps": 5}},
            "claimsToSuppress": ["auth_time", "client_id"],
            "scopesToAdd": ["demo-api/admin"],
            "scopesToSuppress": ["demo-api/write"],
        }
    }
    base, pool = serve(localpool={"lambda_config": _v3(calls, answer)})
    session = OAuth2Session("m2m", M2M_SECRET)
    token = session.fetch_token(
        _token_url(base),
        grant_type="client_credentials",
        aws_client_metadata='{"caller": "billing"}',
    )
    claims = jwt.decode(token["access_token"], _keys(base, pool)).claims
    assert claims["tenant"] == "acme" and claims["limits"] == {"rps": 5}
    # Cognito keeps the claims that make the token what it is: none is changed or suppressed.
    assert claims["sub"] == claims["client_id"] == "m2m" and "auth_time" in claims
    assert claims["scope"] == "demo-api/read demo-api/admin"
    (event,) = calls
    assert event["version"] == "3"
    assert event["triggerSource"] == "TokenGeneration_ClientCredentials"
    assert event["callerContext"]["clientId"] == "m2m"
    assert event["userPoolId"] == pool.id
    assert event["request"]["scopes"] == ["demo-api/read", "demo-api/write"]
    assert event["request"]["userAttributes"] == {}
    assert event["request"]["clientMetadata"] == {"caller": "billing"}


def test_a_v2_trigger_is_not_run_for_m2m_tokens(serve):
    calls = []
    config = _v3(calls, {"accessTokenGeneration": {"claimsToAddOrOverride": {"tenant": "x"}}})
    config["PreTokenGenerationConfig"]["LambdaVersion"] = "V2_0"
    base, pool = serve(localpool={"lambda_config": config})
    token = OAuth2Session("m2m", M2M_SECRET).fetch_token(
        _token_url(base), grant_type="client_credentials"
    )
    assert "tenant" not in jwt.decode(token["access_token"], _keys(base, pool)).claims
    assert calls == []


def test_a_failing_v3_trigger_gives_no_token(serve):
    def failing(event, context):
        raise RuntimeError("tenant unknown")

    config = {"PreTokenGenerationConfig": {"LambdaVersion": "V3_0", "LambdaArn": failing}}
    base, _ = serve(localpool={"lambda_config": config})
    response = requests.post(
        _token_url(base),
        data={"grant_type": "client_credentials"},
        auth=("m2m", M2M_SECRET),
        timeout=5,
    )
    assert response.status_code == 400 and "access_token" not in response.json()
    assert "tenant unknown" in response.json()["error_description"]


def test_malformed_client_metadata_is_invalid_request(domain):
    base, _ = domain
    response = requests.post(
        _token_url(base),
        data={"grant_type": "client_credentials", "aws_client_metadata": "[1, 2]"},
        auth=("m2m", M2M_SECRET),
        timeout=5,
    )
    assert response.status_code == 400 and response.json() == {"error": "invalid_request"}
