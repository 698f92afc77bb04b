"""The local pool's OAuth2 domain userInfo, as Cognito documents ``/oauth2/userInfo``: an access
token holding ``openid`` is needed (the user API's tokens, admin scope only, are refused); the
answer is what the token's app client may read, narrowed by ``profile``, ``email`` and
``phone`` when the token has them."""

from __future__ import annotations

import pytest

from app.mail.outbox import Outbox

from .conftest import PASSWORD, Target, check_response_shapes
from .test_client_attributes import _user_with_names

ADMIN_SCOPE = "aws.cognito.signin.user.admin"
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


@pytest.fixture
def granted():
    """The scopes the test's PreTokenGeneration trigger gives the next access token."""
    return []


@pytest.fixture
def target(make_app, granted) -> Target:
    """A local pool whose PreTokenGeneration (V2) sets the access token's scopes to
    ``granted`` (as Gatehouse's trigger sets those of the app's request), with a custom
    attribute in its schema, and a user with a profile, an email, a phone and a team."""

    def scopes(event, context):
        if granted:
            current = event["request"]["scopes"]
            event["response"]["claimsAndScopeOverrideDetails"] = {
                "accessTokenGeneration": {
                    "scopesToAdd": [s for s in granted if s not in current],
                    "scopesToSuppress": [s for s in current if s not in granted],
                }
            }
        return event

    app = make_app(
        aws_max_attempts=1,
        localpool={
            "custom_attributes": [{"name": "team", "max_length": 8}],
            "lambda_config": {
                "PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": scopes}
            },
        },
    )
    pool = app.extensions["gatehouse.localpool"]
    idp = app.extensions["gatehouse.userpool"].client
    check_response_shapes(idp)
    return Target(idp, pool.id, "demo", Outbox(pool.mail.outbox.directory), pool, app.test_client())


def _person(target: Target) -> str:
    """A confirmed user with names, a phone number and a team; returns the email."""
    email = _user_with_names(target)
    target.idp.admin_update_user_attributes(
        UserPoolId=target.pool_id,
        Username=email,
        UserAttributes=[
            {"Name": "phone_number", "Value": "+15555550100"},
            {"Name": "custom:team", "Value": "blue"},
        ],
    )
    return email


def _user_info(target: Target, email: str, client_id: str = "demo") -> tuple[int, dict]:
    """Sign in through ``client_id`` and ask userInfo with the access token."""
    access = target.idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["AccessToken"]
    answer = target.http.get(
        "/_localpool/oauth2/userInfo", headers={"Authorization": f"Bearer {access}"}
    )
    return answer.status_code, answer.json


def test_a_token_without_openid_is_refused(target, granted):
    email = _person(target)
    status, body = _user_info(target, email)  # the user API's token: the admin scope only
    assert (status, body) == (401, {"error": "invalid_token"})
    granted[:] = ["email", "profile"]
    assert _user_info(target, email)[0] == 401


def test_openid_alone_answers_every_readable_attribute(target, granted):
    email = _person(target)
    granted[:] = ["openid", ADMIN_SCOPE]  # the admin scope changes nothing here
    status, seen = _user_info(target, email)
    assert status == 200
    assert seen["email"] == email and seen["email_verified"] == "true"
    assert seen["name"] == "Ada Lovelace" and seen["phone_number"] == "+15555550100"
    assert seen["family_name"] == "Lovelace"
    assert seen["custom:team"] == "blue" and seen["sub"] and seen["username"]


@pytest.mark.parametrize(
    ("scopes", "expected"),
    [
        (["openid", "email"], {"email", "email_verified"}),
        (["openid", "phone"], {"phone_number"}),
        (["openid", "profile"], {"name", "family_name", "custom:team"}),
        (
            ["openid", "email", "profile"],
            {"email", "email_verified", "name", "family_name", "custom:team"},
        ),
    ],
)
def test_profile_email_and_phone_narrow_the_answer(target, granted, scopes, expected):
    email = _person(target)
    granted[:] = scopes
    status, seen = _user_info(target, email)
    assert status == 200
    assert set(seen) == expected | {"sub", "username"}


def test_the_answer_is_what_the_client_may_read(target, granted, made):
    email = _person(target)
    narrow = made(ClientName="narrow", ExplicitAuthFlows=FLOWS, ReadAttributes=["email", "name"])
    granted[:] = ["openid"]
    status, seen = _user_info(target, email, narrow["ClientId"])
    assert status == 200
    assert set(seen) == {"sub", "username", "email", "name"}
    assert seen["email"] == email and seen["name"] == "Ada Lovelace" and seen["sub"]
    granted[:] = ["openid", "profile"]
    assert set(_user_info(target, email, narrow["ClientId"])[1]) == {"sub", "username", "name"}
