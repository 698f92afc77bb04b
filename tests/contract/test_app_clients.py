"""App-client management: CreateUserPoolClient, UpdateUserPoolClient, DeleteUserPoolClient; a
client made is usable at once for sign-in, by every process serving the pool."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from botocore.exceptions import ClientError

from .conftest import error_code

PASSWORD_FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def _hash(client: dict, username: str) -> str:
    """SECRET_HASH for a client with a secret."""
    digest = hmac.new(
        client["ClientSecret"].encode(), (username + client["ClientId"]).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def _sign_in(idp, client: dict, email: str, password: str) -> dict:
    """USER_PASSWORD_AUTH through a given app client."""
    parameters = {"USERNAME": email, "PASSWORD": password}
    if client.get("ClientSecret"):
        parameters["SECRET_HASH"] = _hash(client, email)
    return idp.initiate_auth(
        ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters=parameters
    )["AuthenticationResult"]


def test_a_created_client_signs_in_at_once(target, made):
    email = target.signed_up()
    client = made(ClientName="shop", ExplicitAuthFlows=PASSWORD_FLOWS)
    assert client["ClientName"] == "shop" and "ClientSecret" not in client
    assert client["UserPoolId"] == target.pool_id
    result = _sign_in(target.idp, client, email, "Corr3ct-horse")
    assert result["AccessToken"] and result["RefreshToken"]


def test_generate_secret_gives_a_secret_that_sign_in_needs(target, made):
    email = target.signed_up()
    client = made(ClientName="backend", GenerateSecret=True, ExplicitAuthFlows=PASSWORD_FLOWS)
    assert len(client["ClientSecret"]) >= 24
    assert _sign_in(target.idp, client, email, "Corr3ct-horse")["IdToken"]
    with pytest.raises(ClientError) as exc:
        target.idp.initiate_auth(
            ClientId=client["ClientId"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": "Corr3ct-horse"},
        )
    assert error_code(exc) == "NotAuthorizedException"


def test_a_secret_hash_outside_ascii_is_not_authorized_not_a_fault(target, made):
    target.need_local()  # no 5xx for any input: checked against the local pool
    email = target.signed_up()
    client = made(ClientName="hashed", GenerateSecret=True, ExplicitAuthFlows=PASSWORD_FLOWS)
    with pytest.raises(ClientError) as exc:
        target.idp.initiate_auth(
            ClientId=client["ClientId"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={
                "USERNAME": email,
                "PASSWORD": "Corr3ct-horse",
                "SECRET_HASH": "\u00e9",
            },
        )
    assert error_code(exc) == "NotAuthorizedException"


def test_defaults_of_a_client_made_with_a_name_only(target, made):
    client = made(ClientName="bare")
    assert sorted(client["ExplicitAuthFlows"]) == [
        "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH",
    ]  # fmt: skip
    assert client["RefreshTokenValidity"] == 30
    described = target.idp.describe_user_pool_client(
        UserPoolId=target.pool_id, ClientId=client["ClientId"]
    )["UserPoolClient"]
    assert described["ClientId"] == client["ClientId"] and described["ClientName"] == "bare"
    listed = target.idp.list_user_pool_clients(UserPoolId=target.pool_id, MaxResults=60)
    assert client["ClientId"] in [c["ClientId"] for c in listed["UserPoolClients"]]


def test_update_replaces_the_settings_and_resets_what_it_omits(target, made):
    client = made(
        ClientName="app",
        ExplicitAuthFlows=PASSWORD_FLOWS,
        CallbackURLs=["https://app.example.com/cb"],
        AllowedOAuthFlows=["code"],
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthScopes=["openid"],
        SupportedIdentityProviders=["COGNITO"],
    )
    updated = target.idp.update_user_pool_client(
        UserPoolId=target.pool_id, ClientId=client["ClientId"], ExplicitAuthFlows=PASSWORD_FLOWS
    )["UserPoolClient"]
    assert updated["ClientName"] == "app"
    assert not updated.get("CallbackURLs") and not updated.get("AllowedOAuthFlows")


def test_a_shorter_token_validity_shapes_the_tokens(target, made):
    target.need_local()
    email = target.signed_up()
    client = made(
        ClientName="short",
        ExplicitAuthFlows=PASSWORD_FLOWS,
        AccessTokenValidity=10,
        TokenValidityUnits={"AccessToken": "minutes"},
    )
    assert _sign_in(target.idp, client, email, "Corr3ct-horse")["ExpiresIn"] == 600


def test_a_deleted_client_is_gone(target, made):
    email = target.signed_up()
    client = made(ClientName="gone", ExplicitAuthFlows=PASSWORD_FLOWS)
    target.idp.delete_user_pool_client(UserPoolId=target.pool_id, ClientId=client["ClientId"])
    with pytest.raises(ClientError) as exc:
        target.idp.describe_user_pool_client(UserPoolId=target.pool_id, ClientId=client["ClientId"])
    assert error_code(exc) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        _sign_in(target.idp, client, email, "Corr3ct-horse")
    assert error_code(exc) == "ResourceNotFoundException"


@pytest.mark.parametrize(
    "call",
    [
        lambda idp, pool: idp.update_user_pool_client(UserPoolId=pool, ClientId="nosuchclient1"),
        lambda idp, pool: idp.delete_user_pool_client(UserPoolId=pool, ClientId="nosuchclient1"),
        lambda idp, pool: idp.describe_user_pool_client(UserPoolId=pool, ClientId="nosuchclient1"),
    ],
)
def test_an_unknown_client_is_resource_not_found(target, call):
    with pytest.raises(ClientError) as exc:
        call(target.idp, target.pool_id)
    assert error_code(exc) == "ResourceNotFoundException"


def test_an_unknown_pool_is_resource_not_found(target):
    with pytest.raises(ClientError) as exc:
        target.idp.create_user_pool_client(UserPoolId="us-east-1_nothere", ClientName="x")
    assert error_code(exc) == "ResourceNotFoundException"


def test_an_undeclared_scope_is_scope_does_not_exist(target):
    with pytest.raises(ClientError) as exc:
        target.idp.create_user_pool_client(
            UserPoolId=target.pool_id,
            ClientName="x",
            GenerateSecret=True,
            AllowedOAuthFlows=["client_credentials"],
            AllowedOAuthFlowsUserPoolClient=True,
            AllowedOAuthScopes=["https://nothing.example.com/read"],
        )
    assert error_code(exc) == "ScopeDoesNotExistException"


@pytest.mark.parametrize(
    "params",
    [
        {"AllowedOAuthFlows": ["client_credentials"]},  # no secret
        {"GenerateSecret": True, "AllowedOAuthFlows": ["client_credentials", "code"]},
    ],
)
def test_client_credentials_needs_a_secret_and_no_other_flow(target, params):
    local = target.need_local()  # the seed's demo-api scopes
    with pytest.raises(ClientError) as exc:
        target.idp.create_user_pool_client(
            UserPoolId=local.id,
            ClientName="x",
            AllowedOAuthFlowsUserPoolClient=True,
            AllowedOAuthScopes=["demo-api/read"],
            CallbackURLs=["https://app.example.com/cb"],
            **params,
        )
    assert error_code(exc) == "InvalidOAuthFlowException"


def test_another_process_sees_a_client_made_changed_and_deleted(make_app, target, made):
    target.need_local()
    other = make_app(aws_max_attempts=1).extensions["gatehouse.userpool"].client
    email = target.signed_up()
    client = made(ClientName="shared", ExplicitAuthFlows=PASSWORD_FLOWS)
    assert _sign_in(other, client, email, "Corr3ct-horse")["AccessToken"]
    target.idp.update_user_pool_client(
        UserPoolId=target.pool_id,
        ClientId=client["ClientId"],
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"],
    )
    with pytest.raises(ClientError) as exc:
        _sign_in(other, client, email, "Corr3ct-horse")
    assert error_code(exc) == "InvalidParameterException"  # USER_PASSWORD_AUTH not allowed now
    target.idp.delete_user_pool_client(UserPoolId=target.pool_id, ClientId=client["ClientId"])
    with pytest.raises(ClientError) as exc:
        _sign_in(other, client, email, "Corr3ct-horse")
    assert error_code(exc) == "ResourceNotFoundException"


def test_a_restart_keeps_api_clients_and_restores_the_seed_clients(make_app, target, made):
    local = target.need_local()
    client = made(ClientName="kept", ExplicitAuthFlows=PASSWORD_FLOWS)
    target.idp.update_user_pool_client(
        UserPoolId=local.id, ClientId="northwind", ClientName="renamed", ExplicitAuthFlows=[]
    )
    restarted = make_app(aws_max_attempts=1).extensions["gatehouse.localpool"]
    assert restarted.clients[client["ClientId"]].name == "kept"
    assert restarted.clients["northwind"].name == "Northwind Traders (second example brand)"
    assert "ALLOW_USER_PASSWORD_AUTH" in local.clients["northwind"].explicit_auth_flows


def test_a_lookup_reads_no_client_row_while_no_other_process_wrote(target, made):
    local = target.need_local()
    email = target.signed_up()
    client = made(ClientName="hot", ExplicitAuthFlows=PASSWORD_FLOWS)
    _sign_in(target.idp, client, email, "Corr3ct-horse")  # the client read once here
    statements: list[str] = []
    local.db._conn.set_trace_callback(statements.append)
    try:
        for _ in range(3):
            assert _sign_in(target.idp, client, email, "Corr3ct-horse")["AccessToken"]
    finally:
        local.db._conn.set_trace_callback(None)
    # Each lookup is answered by SQLite's data_version, not by reading the client's row.
    assert [s for s in statements if "app_clients" in s] == []
    assert [s for s in statements if "data_version" in s]


def test_a_client_written_in_a_rolled_back_transaction_is_not_kept(target):
    from app.localpool.seed import AppClient

    local = target.need_local()
    with pytest.raises(RuntimeError), local.db.transaction():
        local.clients["rolled-back"] = AppClient(id="rolled-back", name="gone")
        assert local.clients["rolled-back"].name == "gone"  # seen inside its transaction
        raise RuntimeError("roll back")
    assert local.clients.get("rolled-back") is None
    old = local.clients["demo"]
    with pytest.raises(RuntimeError), local.db.transaction():
        del local.clients["demo"]
        raise RuntimeError("roll back")
    assert local.clients["demo"] == old
