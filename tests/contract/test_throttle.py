"""The local pool can be told to throttle a quota category, as Cognito does under load."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import error_code
from .test_triggers import local

RPS = 3


def test_calls_above_the_configured_rate_are_too_many_requests(make_app):
    target = local(make_app)
    pool = target.local
    pool.throttle["UserAuthentication"] = RPS
    # The fake clock stands still: every call falls in the same second.
    outcomes = []
    for _ in range(RPS + 2):
        try:
            target.idp.initiate_auth(
                ClientId="demo",
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": "x@example.com", "PASSWORD": "y"},
            )
        except ClientError as exc:
            outcomes.append(exc.response["Error"]["Code"])
    assert outcomes == ["NotAuthorizedException"] * RPS + ["TooManyRequestsException"] * 2
    # Other categories are not throttled.
    target.idp.describe_user_pool(UserPoolId=target.pool_id)
    pool.clock.advance(1.01)
    with pytest.raises(ClientError) as exc:
        target.idp.initiate_auth(
            ClientId="demo",
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "x@example.com", "PASSWORD": "y"},
        )
    assert error_code(exc) == "NotAuthorizedException"


def test_throttle_from_the_seed(make_app):
    app = make_app(aws_max_attempts=1, localpool={"throttle": {"UserCreation": 1}})
    idp = app.extensions["gatehouse.userpool"].client
    idp.sign_up(ClientId="demo", Username="one@example.com", Password="Corr3ct-horse")
    with pytest.raises(ClientError) as exc:
        idp.sign_up(ClientId="demo", Username="two@example.com", Password="Corr3ct-horse")
    assert error_code(exc) == "TooManyRequestsException"


def test_list_user_pool_clients_counts_as_user_pool_client_read(make_app):
    app = make_app(aws_max_attempts=1, localpool={"throttle": {"UserPoolClientRead": 1}})
    idp = app.extensions["gatehouse.userpool"].client
    pool_id = app.extensions["gatehouse.localpool"].id
    idp.list_user_pool_clients(UserPoolId=pool_id)
    with pytest.raises(ClientError) as exc:
        idp.list_user_pool_clients(UserPoolId=pool_id)
    assert error_code(exc) == "TooManyRequestsException"
    idp.describe_user_pool(UserPoolId=pool_id)  # another category
