"""Group claims in tokens: ``cognito:groups`` in ID and access tokens, ``cognito:roles`` and
``cognito:preferred_role`` in ID tokens, and PreTokenGeneration's ``groupConfiguration`` and
``groupOverrideDetails`` (event versions 1 and 2)."""

from __future__ import annotations

import base64
import copy
import json
import uuid

import pytest

from .test_triggers import local

ROLE = "arn:aws:iam::123456789012:role/{}"


def _payload(token: str) -> dict:
    """A JWT's claims (its signature is checked by the token tests; here only claims matter)."""
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def _groups(target, email: str, *groups: dict) -> list[str]:
    """Create groups (CreateGroup's arguments, a fresh name each) and put the user in them;
    returns the names in the order given."""
    names = []
    for group in groups:
        name = f"claims-{uuid.uuid4().hex[:8]}"
        target.idp.create_group(UserPoolId=target.pool_id, GroupName=name, **group)
        target.idp.admin_add_user_to_group(
            UserPoolId=target.pool_id, Username=email, GroupName=name
        )
        names.append(name)
    return names


def test_tokens_carry_groups_roles_and_the_preferred_role(target):
    email = target.signed_up()
    low, high, plain = _groups(
        target,
        email,
        {"Precedence": 5, "RoleArn": ROLE.format("low")},
        {"Precedence": 1, "RoleArn": ROLE.format("high")},
        {},
    )
    tokens = target.sign_in(email)
    id_claims, access = _payload(tokens["IdToken"]), _payload(tokens["AccessToken"])
    assert sorted(id_claims["cognito:groups"]) == sorted([low, high, plain])
    assert sorted(id_claims["cognito:roles"]) == sorted([ROLE.format("low"), ROLE.format("high")])
    assert id_claims["cognito:preferred_role"] == ROLE.format("high")
    assert sorted(access["cognito:groups"]) == sorted([low, high, plain])
    assert "cognito:roles" not in access and "cognito:preferred_role" not in access
    if target.local is not None:
        # The local pool's order: by precedence, a group without one last.
        assert id_claims["cognito:groups"] == access["cognito:groups"] == [high, low, plain]


def test_a_user_in_no_group_has_no_group_claims(target):
    tokens = target.sign_in(target.signed_up())
    for token in (tokens["IdToken"], tokens["AccessToken"]):
        claims = _payload(token)
        assert not {"cognito:groups", "cognito:roles", "cognito:preferred_role"} & set(claims)


def test_groups_tied_at_the_best_precedence_with_different_roles_give_no_preferred_role(target):
    email = target.signed_up()
    _groups(
        target,
        email,
        {"Precedence": 2, "RoleArn": ROLE.format("a")},
        {"Precedence": 2, "RoleArn": ROLE.format("b")},
        {"Precedence": 7, "RoleArn": ROLE.format("c")},
    )
    claims = _payload(target.sign_in(email)["IdToken"])
    assert len(claims["cognito:roles"]) == 3
    assert "cognito:preferred_role" not in claims


def test_refreshed_tokens_follow_a_membership_changed_since_sign_in(target):
    email = target.signed_up()
    tokens = target.sign_in(email)
    assert "cognito:groups" not in _payload(tokens["IdToken"])
    (name,) = _groups(target, email, {})
    refreshed = target.idp.initiate_auth(
        ClientId=target.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
    )["AuthenticationResult"]
    assert _payload(refreshed["IdToken"])["cognito:groups"] == [name]
    assert _payload(refreshed["AccessToken"])["cognito:groups"] == [name]


@pytest.fixture
def calls():
    """The events each test trigger received."""
    return []


def test_pre_token_generation_v1_sees_the_groups_and_overrides_them(make_app, calls):
    def override(event, context):
        calls.append(copy.deepcopy(event))
        event["response"]["claimsOverrideDetails"] = {
            "groupOverrideDetails": {
                "groupsToOverride": ["from-trigger"],
                "iamRolesToOverride": [ROLE.format("trigger")],
                "preferredRole": ROLE.format("trigger"),
            }
        }
        return event

    target = local(make_app, PreTokenGeneration=override)
    email = target.signed_up()
    (name,) = _groups(target, email, {"Precedence": 0, "RoleArn": ROLE.format("staff")})
    tokens = target.sign_in(email)
    assert calls[0]["request"]["groupConfiguration"] == {
        "groupsToOverride": [name],
        "iamRolesToOverride": [ROLE.format("staff")],
        "preferredRole": ROLE.format("staff"),
    }
    id_claims, access = _payload(tokens["IdToken"]), _payload(tokens["AccessToken"])
    assert id_claims["cognito:groups"] == access["cognito:groups"] == ["from-trigger"]
    assert id_claims["cognito:roles"] == [ROLE.format("trigger")]
    assert id_claims["cognito:preferred_role"] == ROLE.format("trigger")


def test_pre_token_generation_v2_overrides_only_what_it_names(make_app, calls):
    def override(event, context):
        calls.append(copy.deepcopy(event))
        event["response"]["claimsAndScopeOverrideDetails"] = {
            "groupOverrideDetails": {"groupsToOverride": [], "preferredRole": None}
        }
        return event

    target = local(
        make_app, PreTokenGenerationConfig={"LambdaVersion": "V2_0", "LambdaArn": override}
    )
    email = target.signed_up()
    _groups(target, email, {"Precedence": 0, "RoleArn": ROLE.format("staff")})
    tokens = target.sign_in(email)
    assert calls[0]["request"]["groupConfiguration"]["preferredRole"] == ROLE.format("staff")
    id_claims, access = _payload(tokens["IdToken"]), _payload(tokens["AccessToken"])
    # An empty list removes the groups; the roles, not named, stay; a null preferred role goes.
    assert "cognito:groups" not in id_claims and "cognito:groups" not in access
    assert id_claims["cognito:roles"] == [ROLE.format("staff")]
    assert "cognito:preferred_role" not in id_claims


def test_a_user_in_no_group_gets_an_empty_group_configuration(make_app, calls):
    target = local(make_app, PreTokenGeneration=lambda event, context: calls.append(event) or event)
    target.sign_in(target.signed_up())
    assert calls[0]["request"]["groupConfiguration"] == {
        "groupsToOverride": [],
        "iamRolesToOverride": [],
        "preferredRole": None,
    }
