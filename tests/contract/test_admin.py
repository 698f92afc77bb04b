"""Administrator operations, ListUsers filters, and the pool and client descriptions."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import error_code


def test_admin_get_user_by_email_any_case(target):
    email = target.signed_up()
    user = target.idp.admin_get_user(UserPoolId=target.pool_id, Username=email.upper())
    assert user["UserStatus"] == "CONFIRMED" and user["Enabled"] is True


@pytest.mark.parametrize("op", ["admin_get_user", "admin_delete_user"])
def test_unknown_user_is_user_not_found(target, op):
    with pytest.raises(ClientError) as exc:
        getattr(target.idp, op)(UserPoolId=target.pool_id, Username=target.email())
    assert error_code(exc) == "UserNotFoundException"


def test_wrong_pool_is_resource_not_found(target):
    with pytest.raises(ClientError) as exc:
        target.idp.admin_get_user(UserPoolId="us-east-1_nosuchpool", Username=target.email())
    assert error_code(exc) == "ResourceNotFoundException"


def test_admin_create_user_twice_is_username_exists(target):
    email = target.email()
    target.idp.admin_create_user(
        UserPoolId=target.pool_id, Username=email, MessageAction="SUPPRESS"
    )
    assert target.mails(email) == []
    with pytest.raises(ClientError) as exc:
        target.idp.admin_create_user(
            UserPoolId=target.pool_id, Username=email, MessageAction="SUPPRESS"
        )
    assert error_code(exc) == "UsernameExistsException"
    user = target.idp.admin_get_user(UserPoolId=target.pool_id, Username=email)
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"


def test_admin_delete_user(target):
    email = target.signed_up()
    target.idp.admin_delete_user(UserPoolId=target.pool_id, Username=email)
    with pytest.raises(ClientError) as exc:
        target.idp.admin_get_user(UserPoolId=target.pool_id, Username=email)
    assert error_code(exc) == "UserNotFoundException"


def test_admin_update_user_attributes(target):
    email = target.signed_up()
    new = target.email()
    target.idp.admin_update_user_attributes(
        UserPoolId=target.pool_id,
        Username=email,
        UserAttributes=[
            {"Name": "name", "Value": "Ada"},
            {"Name": "email", "Value": new},
            {"Name": "email_verified", "Value": "true"},
        ],
    )
    user = target.idp.admin_get_user(UserPoolId=target.pool_id, Username=new)
    attrs = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attrs["name"] == "Ada" and attrs["email"] == new
    with pytest.raises(ClientError) as exc:
        target.idp.admin_update_user_attributes(
            UserPoolId=target.pool_id,
            Username=target.email(),
            UserAttributes=[{"Name": "name", "Value": "x"}],
        )
    assert error_code(exc) == "UserNotFoundException"


def test_admin_link_provider_for_user(target):
    pool = target.need_local()
    email = target.signed_up()
    source = {
        "ProviderName": "Google",
        "ProviderAttributeName": "Cognito_Subject",
        "ProviderAttributeValue": "1234",
    }
    target.idp.admin_link_provider_for_user(
        UserPoolId=target.pool_id,
        DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": email},
        SourceUser=source,
    )
    tokens = target.sign_in(email)
    from joserfc import jwt
    from joserfc.jwk import KeySet

    claims = jwt.decode(tokens["IdToken"], KeySet.import_key_set(pool.signer.jwks())).claims
    assert claims["identities"][0]["providerName"] == "Google"
    assert claims["identities"][0]["userId"] == "1234"
    with pytest.raises(ClientError) as exc:  # the same identity cannot be linked twice
        target.idp.admin_link_provider_for_user(
            UserPoolId=target.pool_id,
            DestinationUser={
                "ProviderName": "Cognito",
                "ProviderAttributeValue": target.signed_up(),
            },
            SourceUser=source,
        )
    assert error_code(exc) == "AliasExistsException"
    with pytest.raises(ClientError) as exc:
        target.idp.admin_link_provider_for_user(
            UserPoolId=target.pool_id,
            DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": target.email()},
            SourceUser={**source, "ProviderAttributeValue": "5678"},
        )
    assert error_code(exc) == "UserNotFoundException"


def test_list_users_filters_by_email_exactly_and_by_prefix(target):
    a = target.signed_up()
    b = target.signed_up()
    exact = target.idp.list_users(UserPoolId=target.pool_id, Filter=f'email = "{a.upper()}"')[
        "Users"
    ]
    assert [u["Username"] for u in exact] == [
        target.idp.admin_get_user(UserPoolId=target.pool_id, Username=a)["Username"]
    ]
    prefix = target.idp.list_users(UserPoolId=target.pool_id, Filter='email ^= "contract-"')[
        "Users"
    ]
    emails = {next(x["Value"] for x in u["Attributes"] if x["Name"] == "email") for u in prefix}
    assert {a, b} <= emails
    none = target.idp.list_users(UserPoolId=target.pool_id, Filter='email = "nobody@example.com"')
    assert none["Users"] == []


def test_list_users_pages(target):
    target.need_local()
    made = {target.signed_up() for _ in range(3)}
    seen, token = set(), None
    while True:
        kwargs = {"PaginationToken": token} if token else {}
        page = target.idp.list_users(UserPoolId=target.pool_id, Limit=2, **kwargs)
        assert len(page["Users"]) <= 2
        seen |= {
            next(x["Value"] for x in u["Attributes"] if x["Name"] == "email") for u in page["Users"]
        }
        token = page.get("PaginationToken")
        if not token:
            break
    assert made <= seen


def test_list_users_bad_filter_is_invalid_parameter(target):
    with pytest.raises(ClientError) as exc:
        target.idp.list_users(UserPoolId=target.pool_id, Filter="email == nobody")
    assert error_code(exc) == "InvalidParameterException"


def test_describe_user_pool(target):
    pool = target.idp.describe_user_pool(UserPoolId=target.pool_id)["UserPool"]
    assert pool["Id"] == target.pool_id
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] >= 8
    assert pool["UsernameAttributes"] == ["email"]


def test_describe_user_pool_client(target):
    client = target.idp.describe_user_pool_client(
        UserPoolId=target.pool_id, ClientId=target.client_id
    )
    assert client["UserPoolClient"]["ClientId"] == target.client_id
    assert "ALLOW_USER_PASSWORD_AUTH" in client["UserPoolClient"]["ExplicitAuthFlows"]
    with pytest.raises(ClientError) as exc:
        target.idp.describe_user_pool_client(UserPoolId=target.pool_id, ClientId="nosuchclient")
    assert error_code(exc) == "ResourceNotFoundException"


def test_seeded_clients(target):
    target.need_local()
    demo = target.idp.describe_user_pool_client(UserPoolId=target.pool_id, ClientId="demo")[
        "UserPoolClient"
    ]
    assert demo["CallbackURLs"] == [
        "http://localhost:8000/demo/callback",
        "http://localhost:8000/oauth2/idpresponse",
    ]
    assert demo["LogoutURLs"] == ["http://localhost:8000/"]
    assert "ClientSecret" not in demo
    own = target.idp.describe_user_pool_client(UserPoolId=target.pool_id, ClientId="gatehouse")[
        "UserPoolClient"
    ]
    assert own["ClientSecret"]


def test_describe_another_pool_is_resource_not_found(target):
    with pytest.raises(ClientError) as exc:
        target.idp.describe_user_pool(UserPoolId="us-east-1_nosuchpool")
    assert error_code(exc) == "ResourceNotFoundException"


def test_admin_user_global_sign_out(target):
    email = target.signed_up()
    tokens = target.sign_in(email)
    target.idp.admin_user_global_sign_out(UserPoolId=target.pool_id, Username=email)
    with pytest.raises(ClientError) as exc:
        target.idp.get_user(AccessToken=tokens["AccessToken"])
    assert error_code(exc) == "NotAuthorizedException"
    with pytest.raises(ClientError) as exc:
        target.idp.admin_user_global_sign_out(UserPoolId=target.pool_id, Username=target.email())
    assert error_code(exc) == "UserNotFoundException"
