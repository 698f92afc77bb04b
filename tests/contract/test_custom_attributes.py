"""Attributes checked against the pool's schema (standard attributes and the seed's
``[[pool.custom_attributes]]``), with Cognito's refusals; and AdminDeleteUserAttributes."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import PASSWORD, Target, error_code
from .test_group_claims import _payload
from .test_user_auth import local_target

SCHEMA = [
    {"name": "team", "max_length": 8},
    {"name": "employee_id", "type": "Number", "mutable": False, "min_value": 1},
]


@pytest.fixture
def schema_target(make_app) -> Target:
    """A local pool whose schema has two custom attributes (see SCHEMA)."""
    return local_target(make_app, custom_attributes=SCHEMA)


def _message(excinfo) -> str:
    """The Cognito error message of a raised ClientError."""
    return excinfo.value.response["Error"]["Message"]


def _attributes(target, email: str) -> dict[str, str]:
    """A user's attributes, by AdminGetUser."""
    user = target.idp.admin_get_user(UserPoolId=target.pool_id, Username=email)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def test_declared_custom_attributes_are_kept_and_reach_the_id_token(schema_target):
    t = schema_target
    email = t.email()
    t.idp.sign_up(
        ClientId="demo",
        Username=email,
        Password=PASSWORD,
        UserAttributes=[
            {"Name": "custom:team", "Value": "blue"},
            {"Name": "custom:employee_id", "Value": "42"},
        ],
    )
    t.idp.confirm_sign_up(ClientId="demo", Username=email, ConfirmationCode=t.last_code(email))
    assert _attributes(t, email)["custom:team"] == "blue"
    claims = _payload(t.sign_in(email)["IdToken"])
    assert claims["custom:team"] == "blue" and claims["custom:employee_id"] == "42"
    described = t.idp.describe_user_pool(UserPoolId=t.pool_id)["UserPool"]["SchemaAttributes"]
    team = next(a for a in described if a["Name"] == "custom:team")
    assert team["StringAttributeConstraints"]["MaxLength"] == "8" and team["Mutable"] is True


@pytest.mark.parametrize("name", ["custom:nope", "Username"])
def test_sign_up_and_admin_create_user_refuse_an_attribute_the_schema_lacks(schema_target, name):
    t = schema_target
    with pytest.raises(ClientError) as exc:
        t.idp.sign_up(
            ClientId="demo",
            Username=t.email(),
            Password=PASSWORD,
            UserAttributes=[{"Name": name, "Value": "x"}],
        )
    assert error_code(exc) == "InvalidParameterException"
    assert _message(exc) == (
        f"Attributes did not conform to the schema: {name}: Attribute does not exist in the "
        "schema.\n"
    )
    with pytest.raises(ClientError) as exc:
        t.idp.admin_create_user(
            UserPoolId=t.pool_id,
            Username=t.email(),
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": name, "Value": "x"}],
        )
    assert error_code(exc) == "InvalidParameterException"
    assert "Attribute does not exist in the schema." in _message(exc)


def test_updates_refuse_unknown_immutable_and_ill_fitting_attributes(schema_target):
    t = schema_target
    email = t.signed_up()
    access = t.sign_in(email)["AccessToken"]
    with pytest.raises(ClientError) as exc:
        t.idp.update_user_attributes(
            AccessToken=access, UserAttributes=[{"Name": "custom:nope", "Value": "x"}]
        )
    assert _message(exc) == "user.custom:nope: Attribute does not exist in the schema.\n"
    refusals = {
        "custom:employee_id": ("7", "user.custom:employee_id: Attribute cannot be updated.\n"),
        "custom:team": ("much-too-long", "must be no longer than 8 characters"),
    }
    for name, (value, words) in refusals.items():
        with pytest.raises(ClientError) as exc:
            t.idp.admin_update_user_attributes(
                UserPoolId=t.pool_id,
                Username=email,
                UserAttributes=[{"Name": name, "Value": value}],
            )
        assert error_code(exc) == "InvalidParameterException" and words in _message(exc)
    assert "custom:team" not in _attributes(t, email)
    t.idp.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "custom:team", "Value": "red"}]
    )
    assert _attributes(t, email)["custom:team"] == "red"


def test_a_number_attribute_takes_integers_in_its_range(schema_target):
    t = schema_target
    # Only ASCII digits make an integer, not what Python's int() also reads ("4_2", " 42",
    # Arabic-Indic digits).
    for value in ("twelve", "0", "4_2", " 42", "\u0664\u0662"):
        with pytest.raises(ClientError) as exc:
            t.idp.admin_create_user(
                UserPoolId=t.pool_id,
                Username=t.email(),
                MessageAction="SUPPRESS",
                UserAttributes=[{"Name": "custom:employee_id", "Value": value}],
            )
        assert error_code(exc) == "InvalidParameterException"
        assert "custom:employee_id: Number must" in _message(exc)


def test_admin_delete_user_attributes(target):
    email = target.signed_up()
    target.idp.admin_update_user_attributes(
        UserPoolId=target.pool_id,
        Username=email,
        UserAttributes=[{"Name": "name", "Value": "Ada"}, {"Name": "nickname", "Value": "ada"}],
    )
    target.idp.admin_delete_user_attributes(
        UserPoolId=target.pool_id, Username=email, UserAttributeNames=["name", "website"]
    )
    attributes = _attributes(target, email)
    assert "name" not in attributes and attributes["nickname"] == "ada"
    assert attributes["email"] == email
    assert "name" not in _payload(target.sign_in(email)["IdToken"])


@pytest.mark.parametrize("name", ["email", "sub", "custom:nope"])
def test_admin_delete_user_attributes_refuses_what_must_stay_or_does_not_exist(target, name):
    email = target.signed_up()
    with pytest.raises(ClientError) as exc:
        target.idp.admin_delete_user_attributes(
            UserPoolId=target.pool_id, Username=email, UserAttributeNames=[name]
        )
    assert error_code(exc) == "InvalidParameterException"
    assert _attributes(target, email)["email"] == email


def test_admin_delete_user_attributes_refuses_an_immutable_custom_attribute(schema_target):
    t = schema_target
    email = t.email()
    t.idp.admin_create_user(
        UserPoolId=t.pool_id,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "custom:employee_id", "Value": "9"}],
    )
    with pytest.raises(ClientError) as exc:
        t.idp.admin_delete_user_attributes(
            UserPoolId=t.pool_id, Username=email, UserAttributeNames=["custom:employee_id"]
        )
    assert _message(exc) == "user.custom:employee_id: Attribute cannot be updated.\n"
    assert _attributes(t, email)["custom:employee_id"] == "9"


@pytest.mark.parametrize(
    ("pool", "error"),
    [("us-east-1_nosuchpool", "ResourceNotFoundException"), (None, "UserNotFoundException")],
)
def test_admin_delete_user_attributes_of_nobody(target, pool, error):
    with pytest.raises(ClientError) as exc:
        target.idp.admin_delete_user_attributes(
            UserPoolId=pool or target.pool_id, Username=target.email(), UserAttributeNames=["name"]
        )
    assert error_code(exc) == error
