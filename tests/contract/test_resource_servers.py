"""The resource-server API: Create, Describe, List, Update and DeleteResourceServer."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from .conftest import error_code

READ = {"ScopeName": "read", "ScopeDescription": "Read things"}
WRITE = {"ScopeName": "write", "ScopeDescription": "Change things"}


@pytest.fixture
def server(target):
    """A fresh resource server's identifier, deleted after the test (if it still exists)."""
    identifier = f"https://api-{uuid.uuid4().hex[:8]}.example.com"
    yield identifier
    try:
        target.idp.delete_resource_server(UserPoolId=target.pool_id, Identifier=identifier)
    except ClientError:
        pass


def test_create_describe_update_delete(target, server):
    idp, pool_id = target.idp, target.pool_id
    made = idp.create_resource_server(
        UserPoolId=pool_id, Identifier=server, Name="Things", Scopes=[READ]
    )["ResourceServer"]
    assert made == {"UserPoolId": pool_id, "Identifier": server, "Name": "Things", "Scopes": [READ]}
    described = idp.describe_resource_server(UserPoolId=pool_id, Identifier=server)
    assert described["ResourceServer"]["Scopes"] == [READ]
    updated = idp.update_resource_server(
        UserPoolId=pool_id, Identifier=server, Name="More things", Scopes=[READ, WRITE]
    )["ResourceServer"]
    assert updated["Name"] == "More things" and updated["Scopes"] == [READ, WRITE]
    listed = idp.list_resource_servers(UserPoolId=pool_id, MaxResults=50)["ResourceServers"]
    assert [s for s in listed if s["Identifier"] == server][0]["Scopes"] == [READ, WRITE]
    idp.delete_resource_server(UserPoolId=pool_id, Identifier=server)
    with pytest.raises(ClientError) as exc:
        idp.describe_resource_server(UserPoolId=pool_id, Identifier=server)
    assert error_code(exc) == "ResourceNotFoundException"


def test_an_identifier_taken_is_invalid_parameter(target, server):
    target.idp.create_resource_server(UserPoolId=target.pool_id, Identifier=server, Name="A")
    with pytest.raises(ClientError) as exc:
        target.idp.create_resource_server(UserPoolId=target.pool_id, Identifier=server, Name="B")
    assert error_code(exc) == "InvalidParameterException"


@pytest.mark.parametrize(
    "call",
    [
        lambda idp, pool, ident: idp.describe_resource_server(UserPoolId=pool, Identifier=ident),
        lambda idp, pool, ident: idp.update_resource_server(
            UserPoolId=pool, Identifier=ident, Name="X"
        ),
        lambda idp, pool, ident: idp.delete_resource_server(UserPoolId=pool, Identifier=ident),
    ],
)
def test_an_unknown_resource_server_is_resource_not_found(target, server, call):
    with pytest.raises(ClientError) as exc:
        call(target.idp, target.pool_id, server)
    assert error_code(exc) == "ResourceNotFoundException"


def test_an_unknown_pool_is_resource_not_found(target, server):
    with pytest.raises(ClientError) as exc:
        target.idp.create_resource_server(
            UserPoolId="us-east-1_nothere", Identifier=server, Name="A"
        )
    assert error_code(exc) == "ResourceNotFoundException"


def test_listing_pages(target):
    local = target.need_local()  # lists every server of the pool: a known set, locally
    made = [f"paged-{i}" for i in range(3)]
    for identifier in made:
        target.idp.create_resource_server(UserPoolId=local.id, Identifier=identifier, Name="P")
    seen, token = [], None
    while True:
        extra = {"NextToken": token} if token else {}
        page = target.idp.list_resource_servers(UserPoolId=local.id, MaxResults=2, **extra)
        assert len(page["ResourceServers"]) <= 2
        seen += [s["Identifier"] for s in page["ResourceServers"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == ["demo-api", *made]


def test_the_seed_file_declares_resource_servers(target):
    local = target.need_local()
    described = target.idp.describe_resource_server(UserPoolId=local.id, Identifier="demo-api")
    assert [s["ScopeName"] for s in described["ResourceServer"]["Scopes"]] == ["read", "write"]
