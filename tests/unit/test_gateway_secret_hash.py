"""The gateway adds SECRET_HASH (or the client secret) for app clients that have a secret."""

from __future__ import annotations

import base64
import hashlib
import hmac

import boto3
import pytest
from botocore.stub import ANY, Stubber

from app.userpool import UserPool, secret_hash

SECRET = "s3cret-value-of-enough-length"


def expected(username: str, client_id: str = "own") -> str:
    """SECRET_HASH computed independently of the gateway."""
    digest = hmac.new(SECRET.encode(), f"{username}{client_id}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@pytest.fixture
def stubbed():
    client = boto3.client(
        "cognito-idp", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    with Stubber(client) as stubber:
        yield (
            UserPool(client, pool_id="us-east-1_p", client_id="own", client_secret=SECRET),
            stubber,
        )


def test_secret_hash_matches_cognito_definition():
    assert secret_hash("own", SECRET, "a@example.com") == expected("a@example.com")


def test_top_level_secret_hash(stubbed):
    pool, stubber = stubbed
    stubber.add_response(
        "forgot_password",
        {},
        {"ClientId": "own", "Username": "a@example.com", "SecretHash": expected("a@example.com")},
    )
    pool.call("ForgotPassword", Username="a@example.com")


def test_auth_parameters_secret_hash(stubbed):
    pool, stubber = stubbed
    stubber.add_response(
        "initiate_auth",
        {},
        {
            "ClientId": "own",
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {
                "USERNAME": "a@example.com",
                "PASSWORD": "p",
                "SECRET_HASH": expected("a@example.com"),
            },
        },
    )
    pool.call(
        "InitiateAuth",
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "a@example.com", "PASSWORD": "p"},
    )


def test_refresh_uses_the_named_user(stubbed):
    pool, stubber = stubbed
    stubber.add_response(
        "initiate_auth",
        {},
        {
            "ClientId": "own",
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "AuthParameters": {"REFRESH_TOKEN": "r", "SECRET_HASH": expected("the-sub")},
        },
    )
    pool.call(
        "InitiateAuth",
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": "r"},
        secret_username="the-sub",
    )


def test_revoke_token_sends_the_client_secret(stubbed):
    pool, stubber = stubbed
    stubber.add_response(
        "revoke_token", {}, {"ClientId": "own", "Token": "r", "ClientSecret": SECRET}
    )
    pool.call("RevokeToken", Token="r")


def test_another_clients_secret_comes_from_the_pool(stubbed):
    pool, stubber = stubbed
    stubber.add_response(
        "describe_user_pool_client",
        {"UserPoolClient": {"ClientId": "app", "ClientSecret": SECRET}},
        {"UserPoolId": "us-east-1_p", "ClientId": "app"},
    )
    stubber.add_response(
        "sign_up",
        {"UserConfirmed": False, "UserSub": "s"},
        {
            "ClientId": "app",
            "Username": "a@example.com",
            "Password": "p",
            "SecretHash": expected("a@example.com", "app"),
        },
    )
    stubber.add_response(
        "sign_up",
        {"UserConfirmed": False, "UserSub": "s"},
        {"ClientId": "app", "Username": "b@example.com", "Password": "p", "SecretHash": ANY},
    )
    pool.call("SignUp", ClientId="app", Username="a@example.com", Password="p")
    pool.call(
        "SignUp", ClientId="app", Username="b@example.com", Password="p"
    )  # cached: no second describe


def test_public_client_gets_no_secret_hash():
    client = boto3.client(
        "cognito-idp", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    with Stubber(client) as stubber:
        pool = UserPool(client, pool_id="us-east-1_p", client_id="own")
        stubber.add_response(
            "forgot_password", {}, {"ClientId": "own", "Username": "a@example.com"}
        )
        pool.call("ForgotPassword", Username="a@example.com")
