"""Groups in the seed file: created once, with their members by email, and checked at load."""

from __future__ import annotations

import pytest

from app.config import DEFAULT_SEED
from app.localpool.seed import SeedError, load_seed

BASE = "http://localhost:8000"
POOL = "us-east-1_gatehouse"
GROUPS = """
[[groups]]
name = "admins"
description = "People who run the shop"
precedence = 0
role_arn = "arn:aws:iam::000000000000:role/admins"
members = ["Demo@Example.com"]

[[groups]]
name = "readers"
"""


def test_seed_groups_are_created_with_their_members_once(make_app, tmp_path):
    seed = tmp_path / "groups.toml"
    seed.write_text(DEFAULT_SEED.read_text() + GROUPS)
    app = make_app(localpool_seed=seed)
    idp = app.extensions["gatehouse.userpool"].client
    admins = idp.get_group(UserPoolId=POOL, GroupName="admins")["Group"]
    assert admins["Precedence"] == 0 and admins["Description"] == "People who run the shop"
    assert admins["RoleArn"] == "arn:aws:iam::000000000000:role/admins"
    members = idp.list_users_in_group(UserPoolId=POOL, GroupName="admins")["Users"]
    assert [a["Value"] for a in members[0]["Attributes"] if a["Name"] == "email"] == [
        "demo@example.com"
    ]
    assert idp.list_users_in_group(UserPoolId=POOL, GroupName="readers")["Users"] == []
    # What an administrator changed since is kept when the pool starts again.
    idp.admin_remove_user_from_group(
        UserPoolId=POOL, Username="demo@example.com", GroupName="admins"
    )
    app.extensions["gatehouse.localpool"].close()
    again = make_app(localpool_seed=seed).extensions["gatehouse.userpool"].client
    assert again.list_users_in_group(UserPoolId=POOL, GroupName="admins")["Users"] == []
    assert len(again.list_groups(UserPoolId=POOL)["Groups"]) == 2


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[[groups]]\nname = 'a'\nmembers = ['nobody@example.com']\n", "groups[0].members"),
        ("[[groups]]\nname = 'a'\n[[groups]]\nname = 'a'\n", "groups[1].name"),
        ("[[groups]]\nname = 'a'\nprecedence = -1\n", "groups[0].precedence"),
        ("[[groups]]\nname = 'a'\ncolour = 'red'\n", "groups[0].colour"),
        ("[[groups]]\ndescription = 'x'\n", "groups[0].name"),
    ],
)
def test_a_bad_group_is_named_with_the_file(tmp_path, text, key):
    path = tmp_path / "seed.toml"
    path.write_text(text)
    with pytest.raises(SeedError) as exc:
        load_seed(path, base_url=BASE)
    assert str(path) in str(exc.value) and key in str(exc.value)
