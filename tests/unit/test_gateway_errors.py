"""Every error code of every operation the gateway calls maps to a domain error and a message.

The (operation, code) pairs come from botocore's service model, so a code added by a future
botocore fails here until it is put in the table.
"""

from __future__ import annotations

import boto3
import botocore.session
import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber

from app.messages import MESSAGES
from app.userpool import errors
from app.userpool.gateway import OPERATIONS, READ_ONLY, UserPool

MODEL = botocore.session.get_session().get_service_model("cognito-idp")
PAIRS = [(op, shape.name) for op in OPERATIONS for shape in MODEL.operation_model(op).error_shapes]


def sample(shape, depth: int = 0):
    """A minimal valid value for a botocore shape (so the client's validation passes)."""
    if shape.type_name == "structure":
        return {name: sample(shape.members[name], depth + 1) for name in shape.required_members}
    if shape.type_name == "list":
        return [sample(shape.member, depth + 1)] if shape.metadata.get("min") else []
    if shape.type_name == "map":
        return {}
    if shape.type_name in ("integer", "long"):
        return max(1, shape.metadata.get("min", 1))
    if shape.type_name == "boolean":
        return True
    if shape.type_name == "blob":
        return b"x"
    return "x" * max(8, shape.metadata.get("min", 1))


def params_for(op: str) -> dict:
    """Valid request parameters for an operation, built from its input shape.

    ClientId is the gateway's own (public) client, so no DescribeUserPoolClient call is made.
    """
    params = sample(MODEL.operation_model(op).input_shape)
    if "ClientId" in params:
        params["ClientId"] = "app"
    return params


@pytest.fixture
def gateway():
    """A gateway over a stubbed client (no network; requests validated against the model)."""
    client = boto3.client(
        "cognito-idp", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    with Stubber(client) as stubber:
        yield UserPool(client, pool_id="us-east-1_test", client_id="app", max_attempts=1), stubber


def test_the_model_lists_error_codes_for_every_operation():
    assert len(OPERATIONS) == 39
    assert len(PAIRS) > 200


@pytest.mark.parametrize("code", sorted({code for _, code in PAIRS}))
def test_every_code_is_in_the_table(code):
    assert code in errors.ERRORS, f"{code} is not mapped in app/userpool/errors.py"


@pytest.mark.parametrize(("operation", "code"), PAIRS)
def test_every_pair_raises_its_domain_error(gateway, operation, code):
    pool, stubber = gateway
    stubber.add_client_error(
        _method(operation),
        service_error_code=code,
        service_message="raw Cognito text",
        http_status_code=400,
    )
    with pytest.raises(errors.UserPoolError) as exc:
        pool.call(operation, **params_for(operation))
    expected = errors.error_for(operation, code)
    if expected is errors.Unavailable and operation not in READ_ONLY:
        # The pool's own fault on a call that changes data: it may have been processed.
        expected = errors.Ambiguous
    assert type(exc.value) is expected
    assert type(exc.value) is not errors.UserPoolError
    assert exc.value.key in MESSAGES
    assert "raw Cognito text" not in str(MESSAGES[exc.value.key][0])


def _method(operation: str) -> str:
    from botocore import xform_name

    return xform_name(operation)


@pytest.mark.parametrize(
    ("operation", "code", "expected"),
    [
        ("InitiateAuth", "NotAuthorizedException", errors.InvalidCredentials),
        ("InitiateAuth", "UserNotFoundException", errors.InvalidCredentials),
        ("GetUser", "NotAuthorizedException", errors.SessionExpired),
        ("ConfirmSignUp", "NotAuthorizedException", errors.AlreadyConfirmed),
        ("AdminGetUser", "UserNotFoundException", errors.NotFound),
        ("SignUp", "UsernameExistsException", errors.AlreadyExists),
        ("SignUp", "TooManyRequestsException", errors.Throttled),
        ("ConfirmSignUp", "TooManyFailedAttemptsException", errors.TooManyAttempts),
        ("ConfirmSignUp", "ExpiredCodeException", errors.CodeExpired),
        ("SignUp", "InternalErrorException", errors.Unavailable),
    ],
)
def test_meaning_per_operation(operation, code, expected):
    assert errors.error_for(operation, code) is expected


def test_every_domain_error_has_a_message():
    domain = {
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.UserPoolError)
    }
    assert {cls.key for cls in domain} <= set(MESSAGES)


@pytest.mark.parametrize(
    "exc",
    [
        EndpointConnectionError(endpoint_url="https://cognito-idp.us-east-1.amazonaws.com/"),
        ReadTimeoutError(endpoint_url="https://cognito-idp.us-east-1.amazonaws.com/"),
    ],
)
def test_network_failures_are_unavailable(exc):
    class Broken:
        meta = boto3.client("cognito-idp", region_name="us-east-1").meta

        def get_user(self, **_):
            raise exc

    pool = UserPool(Broken(), pool_id="p", client_id="c")
    with pytest.raises(errors.Unavailable):
        pool.call("GetUser", AccessToken="x")


def test_invalid_parameters_are_invalid_input():
    # botocore validates parameters before anything is sent, so no endpoint is reached.
    client = boto3.client("cognito-idp", region_name="us-east-1")
    pool = UserPool(client, pool_id="us-east-1_test", client_id="app")
    with pytest.raises(errors.InvalidInput):
        pool.call("SignUp", Username="", Password="x")


def test_an_operation_outside_the_list_is_refused(gateway):
    pool, _ = gateway
    with pytest.raises(ValueError):
        pool.call("AdminRemoveUserFromGroup", Username="x", GroupName="g")
