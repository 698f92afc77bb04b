"""Requests are checked against botocore's model before an operation runs, as Cognito does."""

from __future__ import annotations

import json

import pytest

from app.localpool.errors import PoolError
from app.localpool.validation import MAX_BODY, parse_request

SIGN_UP = {"ClientId": "demo", "Username": "a@example.com", "Password": "Corr3ct-horse"}
PASSWORD_AUTH = {"ClientId": "demo", "AuthFlow": "USER_PASSWORD_AUTH"}
SET_PASSWORD = {"UserPoolId": "us-east-1_x", "Username": "u", "Password": "p"}


def refused(operation: str, body: bytes) -> PoolError:
    """The error parse_request raises for this body."""
    with pytest.raises(PoolError) as exc:
        parse_request(operation, body)
    return exc.value


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe{}",  # not UTF-8
        "{}".encode("utf-16"),
        b"[]",
        b"[1, 2]",
        b"42",
        b'"a string"',
        b"null",
        b"true",
        b"[" * 100_000 + b"]" * 100_000,  # RecursionError in the parser
        b'{"ClientId": NaN}',
        b'{"Limit": 1' + b"0" * 5000 + b"}",  # past Python's int digit limit
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_serialization_exception(body):
    assert refused("ListUsers", body).code == "SerializationException"


@pytest.mark.parametrize(
    "operation, params",
    [
        ("SignUp", {**SIGN_UP, "Username": 123}),
        ("SignUp", {**SIGN_UP, "UserAttributes": [1]}),
        ("SignUp", {**SIGN_UP, "UserAttributes": {"Name": "x"}}),
        ("SignUp", {**SIGN_UP, "UserAttributes": [{"Name": ["x"]}]}),
        ("InitiateAuth", {**PASSWORD_AUTH, "AuthParameters": "x"}),
        ("InitiateAuth", {**PASSWORD_AUTH, "AuthParameters": {"USERNAME": 1}}),
        ("ListUsers", {"UserPoolId": "us-east-1_x", "Limit": "10"}),
        ("ListUsers", {"UserPoolId": "us-east-1_x", "Limit": 1.5}),
        ("ListUsers", {"UserPoolId": "us-east-1_x", "Limit": True}),
        ("AdminSetUserPassword", {**SET_PASSWORD, "Permanent": "true"}),
        ("SignUp", {**SIGN_UP, "Username": "a\ud800@example.com"}),
        ("SignUp", {**SIGN_UP, "ClientMetadata": {"k": "\udfff"}}),
        ("SignUp", {**SIGN_UP, "ClientMetadata": {"\ud800": "v"}}),
        ("SignUp", {**SIGN_UP, "UserAttributes": [{"Name": "name", "Value": "x\udc00"}]}),
    ],
)
def test_a_member_of_the_wrong_type_or_a_lone_surrogate_is_a_serialization_exception(
    operation, params
):
    assert refused(operation, json.dumps(params).encode()).code == "SerializationException"


def test_a_missing_required_member_is_named_as_cognito_names_it():
    error = refused("SignUp", json.dumps({"Username": "a@example.com"}).encode())
    assert error.code == "InvalidParameterException"
    assert error.message == (
        "1 validation error detected: Value null at 'clientId' failed to satisfy constraint: "
        "Member must not be null"
    )


@pytest.mark.parametrize(
    "operation, params, problem",
    [
        ("ListUsers", {"UserPoolId": "no pool"}, "Member must satisfy regular expression pattern"),
        ("ListUsers", {"UserPoolId": "us-east-1_x", "Limit": 61}, "less than or equal to 60"),
        ("ListUsers", {"UserPoolId": "us-east-1_x", "Limit": -1}, "greater than or equal to 0"),
        ("ListUsers", {"UserPoolId": "us-east-1_" + "x" * 60}, "length less than or equal to 55"),
        ("InitiateAuth", {"ClientId": "demo", "AuthFlow": "MAGIC"}, "enum value set"),
        ("RevokeToken", {"ClientId": "demo", "Token": "a b"}, "regular expression pattern"),
        ("SignUp", {**SIGN_UP, "UserAttributes": [{"Name": "x" * 40}]}, "userAttributes.1.member"),
    ],
)
def test_a_value_outside_the_models_constraints_is_an_invalid_parameter(operation, params, problem):
    error = refused(operation, json.dumps(params).encode())
    assert error.code == "InvalidParameterException"
    assert error.message.startswith("1 validation error detected: ")
    assert problem in error.message


def test_every_problem_is_listed_and_a_sensitive_value_is_not_repeated():
    params = {"ClientId": "bad client", "Username": "a b", "Password": "has space"}
    error = refused("SignUp", json.dumps(params).encode())
    assert error.message.startswith("3 validation errors detected: ")
    assert "Value at 'password'" in error.message and "has space" not in error.message
    assert "Value at 'username'" in error.message and "'a b'" not in error.message


def test_java_meaning_of_character_classes():
    # \w in the model is ASCII-only; \p{L} is every letter; [\S] allows a no-break space.
    revoke = {"ClientId": "dé", "Token": "t"}
    assert refused("RevokeToken", json.dumps(revoke).encode()).code == "InvalidParameterException"
    forgot = {"ClientId": "demo", "Username": "é@x.fr"}
    assert parse_request("ForgotPassword", json.dumps(forgot).encode()) == forgot
    params = {"ClientId": "demo", "Username": "a@x.fr", "Password": "no\u00a0break1A"}
    assert parse_request("SignUp", json.dumps(params).encode())["Password"] == "no\u00a0break1A"


def test_unknown_members_are_dropped_and_nulls_are_absent():
    params = {**SIGN_UP, "Surprise": {"deep": [1, 2]}, "SecretHash": None}
    assert parse_request("SignUp", json.dumps(params).encode()) == SIGN_UP


def test_an_empty_body_is_an_empty_request():
    assert parse_request("AssociateSoftwareToken", b"") == {}
    assert refused("GetUser", b"").code == "InvalidParameterException"


def test_a_body_over_the_limit_is_refused_with_413():
    error = refused("SignUp", b" " * (MAX_BODY + 1))
    assert error.status == 413 and error.code == "InvalidParameterException"


def test_every_registered_operation_is_checked_against_the_model():
    from app.localpool.operations import OPERATIONS
    from app.localpool.validation import input_shape

    assert all(input_shape(name) is not None for name in OPERATIONS), [
        name for name in OPERATIONS if input_shape(name) is None
    ]
