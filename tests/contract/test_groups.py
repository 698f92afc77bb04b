"""Groups: CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups and memberships
(ListUsersInGroup too), with Cognito's shapes and errors; and ListUsers' paging (at most 60 a
page, a token that survives deletions)."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from .conftest import error_code
from .paging import every_page


def _name() -> str:
    """A fresh group name for one test."""
    return f"contract-{uuid.uuid4().hex[:8]}"


def test_create_and_get_group(target):
    name = _name()
    made = target.idp.create_group(
        UserPoolId=target.pool_id, GroupName=name, Description="Staff", Precedence=3
    )["Group"]
    assert made["GroupName"] == name and made["UserPoolId"] == target.pool_id
    assert made["Description"] == "Staff" and made["Precedence"] == 3
    got = target.idp.get_group(UserPoolId=target.pool_id, GroupName=name)["Group"]
    assert got["GroupName"] == name and "CreationDate" in got
    with pytest.raises(ClientError) as exc:
        target.idp.create_group(UserPoolId=target.pool_id, GroupName=name)
    assert error_code(exc) == "GroupExistsException"


@pytest.mark.parametrize(
    ("op", "params"),
    [
        ("get_group", {}),
        ("admin_add_user_to_group", {"Username": "x@example.com"}),
        ("admin_remove_user_from_group", {"Username": "x@example.com"}),
        ("update_group", {"Description": "x"}),
        ("delete_group", {}),
        ("list_users_in_group", {}),
    ],
)
def test_unknown_group_is_resource_not_found(target, op, params):
    with pytest.raises(ClientError) as exc:
        getattr(target.idp, op)(UserPoolId=target.pool_id, GroupName=_name(), **params)
    assert error_code(exc) == "ResourceNotFoundException"


def test_membership(target):
    email, name, other = target.signed_up(), _name(), _name()
    for group in (name, other):
        target.idp.create_group(UserPoolId=target.pool_id, GroupName=group)
    for _ in range(2):  # joining twice changes nothing
        target.idp.admin_add_user_to_group(
            UserPoolId=target.pool_id, Username=email, GroupName=name
        )
    target.idp.admin_add_user_to_group(UserPoolId=target.pool_id, Username=email, GroupName=other)
    listed = target.idp.admin_list_groups_for_user(UserPoolId=target.pool_id, Username=email)
    assert sorted(g["GroupName"] for g in listed["Groups"]) == sorted([name, other])
    target.idp.admin_remove_user_from_group(
        UserPoolId=target.pool_id, Username=email, GroupName=name
    )
    listed = target.idp.admin_list_groups_for_user(UserPoolId=target.pool_id, Username=email)
    assert [g["GroupName"] for g in listed["Groups"]] == [other]


def test_membership_of_unknown_user_is_user_not_found(target):
    name = _name()
    target.idp.create_group(UserPoolId=target.pool_id, GroupName=name)
    for op in ("admin_add_user_to_group", "admin_remove_user_from_group"):
        with pytest.raises(ClientError) as exc:
            getattr(target.idp, op)(
                UserPoolId=target.pool_id, Username=target.email(), GroupName=name
            )
        assert error_code(exc) == "UserNotFoundException"
    with pytest.raises(ClientError) as exc:
        target.idp.admin_list_groups_for_user(UserPoolId=target.pool_id, Username=target.email())
    assert error_code(exc) == "UserNotFoundException"


def test_deleting_a_user_ends_their_memberships(target):
    pool = target.need_local()
    email, name = target.signed_up(), _name()
    target.idp.create_group(UserPoolId=target.pool_id, GroupName=name)
    target.idp.admin_add_user_to_group(UserPoolId=target.pool_id, Username=email, GroupName=name)
    target.idp.admin_delete_user(UserPoolId=target.pool_id, Username=email)
    with pool.db.reading() as conn:
        assert conn.execute("SELECT COUNT(*) FROM group_members").fetchone()[0] == 0


def test_list_groups_pages(target):
    target.need_local()
    made = {_name() for _ in range(3)}
    for name in made:
        target.idp.create_group(UserPoolId=target.pool_id, GroupName=name)
    groups = every_page(target.idp.list_groups, "Groups", "Limit", 2, UserPoolId=target.pool_id)
    seen = [g["GroupName"] for g in groups]
    assert sorted(seen) == sorted(made)


def test_wrong_pool_is_resource_not_found_for_groups(target):
    with pytest.raises(ClientError) as exc:
        target.idp.list_groups(UserPoolId="us-east-1_nosuchpool")
    assert error_code(exc) == "ResourceNotFoundException"


def test_list_users_refuses_more_than_60_a_page(target):
    with pytest.raises(ClientError) as exc:
        target.idp.list_users(UserPoolId=target.pool_id, Limit=61)
    assert error_code(exc) == "InvalidParameterException"
    assert exc.value.response["Error"]["Message"] == (
        "1 validation error detected: Value '61' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 60"
    )


def test_list_users_gives_a_page_of_the_limit_asked_for(target):
    pool = target.need_local()
    with pool.db.transaction() as conn:
        for n in range(3):
            pool.new_user(conn, f"limit-{n}@example.com", {}, None, "CONFIRMED")
    page = target.idp.list_users(UserPoolId=target.pool_id, Limit=2)
    assert len(page["Users"]) == 2 and page["PaginationToken"]


@pytest.mark.parametrize(
    ("op", "params"),
    [
        ("list_users", {}),
        ("list_groups", {}),
        ("admin_list_groups_for_user", {"Username": "demo@example.com"}),
    ],
)
def test_a_limit_of_0_is_refused_as_cognito_refuses_it(target, op, params):
    target.need_local()  # the demo user is the local pool's
    with pytest.raises(ClientError) as exc:
        getattr(target.idp, op)(UserPoolId=target.pool_id, Limit=0, **params)
    assert error_code(exc) == "InvalidParameterException"
    assert "at 'maxItems' failed to satisfy constraint" in exc.value.response["Error"]["Message"]


def test_list_users_pages_at_60_and_a_deletion_skips_nobody(target):
    pool = target.need_local()
    with pool.db.transaction() as conn:
        for n in range(130):
            pool.new_user(conn, f"page-{n}@example.com", {}, None, "CONFIRMED")
    first = target.idp.list_users(UserPoolId=target.pool_id)
    assert len(first["Users"]) == 60 and first["PaginationToken"]
    # A user of the first page goes: with an offset, the next page would skip one.
    target.idp.admin_delete_user(UserPoolId=target.pool_id, Username=first["Users"][0]["Username"])
    seen = [u["Username"] for u in first["Users"]]
    token = first["PaginationToken"]
    while token:
        page = target.idp.list_users(UserPoolId=target.pool_id, PaginationToken=token)
        seen += [u["Username"] for u in page["Users"]]
        token = page.get("PaginationToken")
    with pool.db.reading() as conn:
        everyone = {row[0] for row in conn.execute("SELECT username FROM users")}
    assert len(seen) == len(set(seen))
    assert everyone <= set(seen)


def test_list_users_bad_token_is_invalid_parameter(target):
    with pytest.raises(ClientError) as exc:
        target.idp.list_users(UserPoolId=target.pool_id, PaginationToken="not-a-token")
    assert error_code(exc) == "InvalidParameterException"


def test_update_group_changes_only_what_it_names(target):
    name = _name()
    target.idp.create_group(
        UserPoolId=target.pool_id, GroupName=name, Description="Staff", Precedence=3
    )
    role = "arn:aws:iam::123456789012:role/staff"
    updated = target.idp.update_group(UserPoolId=target.pool_id, GroupName=name, RoleArn=role)
    assert updated["Group"]["RoleArn"] == role
    assert updated["Group"]["Description"] == "Staff" and updated["Group"]["Precedence"] == 3
    target.idp.update_group(UserPoolId=target.pool_id, GroupName=name, Precedence=0)
    got = target.idp.get_group(UserPoolId=target.pool_id, GroupName=name)["Group"]
    assert (got["Precedence"], got["RoleArn"], got["Description"]) == (0, role, "Staff")


def test_delete_group_ends_its_memberships_and_the_name_is_free_again(target):
    email, name = target.signed_up(), _name()
    target.idp.create_group(UserPoolId=target.pool_id, GroupName=name)
    target.idp.admin_add_user_to_group(UserPoolId=target.pool_id, Username=email, GroupName=name)
    target.idp.delete_group(UserPoolId=target.pool_id, GroupName=name)
    with pytest.raises(ClientError) as exc:
        target.idp.get_group(UserPoolId=target.pool_id, GroupName=name)
    assert error_code(exc) == "ResourceNotFoundException"
    listed = target.idp.admin_list_groups_for_user(UserPoolId=target.pool_id, Username=email)
    assert listed["Groups"] == []
    target.idp.create_group(UserPoolId=target.pool_id, GroupName=name)
    members = target.idp.list_users_in_group(UserPoolId=target.pool_id, GroupName=name)
    assert members["Users"] == []  # a new group of the same name has no old members


def test_list_users_in_group_pages_through_the_members(target):
    name = _name()
    target.idp.create_group(UserPoolId=target.pool_id, GroupName=name)
    emails = [target.signed_up() for _ in range(3)]
    for email in emails:
        target.idp.admin_add_user_to_group(
            UserPoolId=target.pool_id, Username=email, GroupName=name
        )
    users = every_page(
        target.idp.list_users_in_group,
        "Users",
        "Limit",
        2,
        UserPoolId=target.pool_id,
        GroupName=name,
    )
    seen = []
    for user in users:
        attributes = {a["Name"]: a["Value"] for a in user["Attributes"]}
        assert user["UserStatus"] == "CONFIRMED" and user["Enabled"] is True
        seen.append(attributes["email"])
    assert sorted(seen) == sorted(emails)


def test_list_users_in_group_of_another_pool_is_resource_not_found(target):
    with pytest.raises(ClientError) as exc:
        target.idp.list_users_in_group(UserPoolId="us-east-1_nosuchpool", GroupName=_name())
    assert error_code(exc) == "ResourceNotFoundException"
