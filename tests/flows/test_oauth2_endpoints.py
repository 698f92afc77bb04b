"""The token, userInfo and revoke endpoints' error answers, and client authentication."""

from __future__ import annotations

import base64

import pytest


def test_token_endpoint_needs_a_grant_type(client):
    response = client.post("/oauth2/token", data={"client_id": "demo"})
    assert response.status_code == 400 and response.json["error"] == "unsupported_grant_type"


def test_unknown_code_is_invalid_grant(client):
    response = client.post(
        "/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "client_id": "demo",
            "code": "nope",
            "redirect_uri": "http://localhost:8000/demo/callback",
            "code_verifier": "x" * 43,
        },
    )
    assert response.status_code == 400 and response.json["error"] == "invalid_grant"


def test_confidential_client_must_authenticate(client, app):
    secret = app.extensions["gatehouse.localpool"].clients["gatehouse"].secret
    data = {"grant_type": "refresh_token", "refresh_token": "r"}
    assert client.post("/oauth2/token", data={**data, "client_id": "gatehouse"}).status_code == 401
    wrong = base64.b64encode(b"gatehouse:wrong").decode()
    response = client.post("/oauth2/token", data=data, headers={"Authorization": f"Basic {wrong}"})
    assert response.status_code == 401 and response.json["error"] == "invalid_client"
    right = base64.b64encode(f"gatehouse:{secret}".encode()).decode()
    response = client.post("/oauth2/token", data=data, headers={"Authorization": f"Basic {right}"})
    assert response.status_code == 400 and response.json["error"] == "invalid_grant"


def test_unknown_client_is_invalid_client(client):
    response = client.post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "client_id": "nosuch", "refresh_token": "r"},
    )
    # RFC 6749 §5.2: 401 when the client tried an Authorization header, else 400 is allowed.
    assert response.status_code in (400, 401) and response.json["error"] == "invalid_client"


@pytest.mark.parametrize("header", [None, "Basic abc", "Bearer not-a-token"])
def test_userinfo_refuses_without_a_valid_token(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/oauth2/userInfo", headers=headers)
    assert response.status_code == 401 and "Bearer" in response.headers["WWW-Authenticate"]


def test_revoke_needs_client_authentication_and_a_token(client):
    assert client.post("/oauth2/revoke", data={"token": "x"}).status_code == 401
    assert client.post("/oauth2/revoke", data={"client_id": "demo"}).status_code == 400
    assert (
        client.post("/oauth2/revoke", data={"client_id": "demo", "token": "unknown"}).status_code
        == 200
    )
