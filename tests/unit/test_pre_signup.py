"""The PreSignUp trigger's linking rule, with a recording stand-in for the cognito-idp client."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.triggers.pre_signup import Deps, Refused, pre_sign_up

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"
EMAIL = "owner@example.com"


class Idp:
    """ListUsers answers with the given users; every admin call is recorded."""

    def __init__(self, *users: tuple[str, str]) -> None:
        self.users = [
            {
                "Username": f"user-{n}",
                "UserStatus": status,
                "Attributes": [
                    {"Name": "email", "Value": EMAIL},
                    {"Name": "email_verified", "Value": verified},
                ],
            }
            for n, (status, verified) in enumerate(users)
        ]
        self.calls: list[tuple[str, dict]] = []

    def list_users(self, **params):
        self.calls.append(("ListUsers", params))
        return {"Users": self.users}

    def admin_delete_user(self, **params):
        self.calls.append(("AdminDeleteUser", params))

    def admin_link_provider_for_user(self, **params):
        self.calls.append(("AdminLinkProviderForUser", params))


def external(verified: str = "true") -> dict:
    """Cognito's PreSignUp_ExternalProvider event for a Google identity."""
    return {
        "triggerSource": "PreSignUp_ExternalProvider",
        "userPoolId": "us-east-1_example",
        "userName": "Google_1234567890",
        "request": {"userAttributes": {"email": EMAIL, "email_verified": verified}},
        "response": {},
    }


def changes(idp: Idp) -> list[tuple[str, str]]:
    """The calls that change the pool, with the user each names."""
    named = []
    for name, params in idp.calls:
        if name == "AdminDeleteUser":
            named.append((name, params["Username"]))
        elif name == "AdminLinkProviderForUser":
            named.append((name, params["DestinationUser"]["ProviderAttributeValue"]))
    return named


@pytest.mark.parametrize(
    ("users", "expected"),
    [
        ([], []),
        ([("CONFIRMED", "true")], [("AdminLinkProviderForUser", "user-0")]),
        # Someone signed up with the address and never confirmed it: the claim goes.
        ([("UNCONFIRMED", "false")], [("AdminDeleteUser", "user-0")]),
        ([("UNCONFIRMED", "true")], [("AdminDeleteUser", "user-0")]),
        (
            [("UNCONFIRMED", "false"), ("CONFIRMED", "true")],
            [("AdminDeleteUser", "user-0"), ("AdminLinkProviderForUser", "user-1")],
        ),
        ([("EXTERNAL_PROVIDER", "true")], []),
    ],
)
def test_links_only_to_a_proven_owner_and_clears_unconfirmed_claims(users, expected):
    idp = Idp(*users)
    assert pre_sign_up(external(), Deps(idp))["triggerSource"] == "PreSignUp_ExternalProvider"
    assert changes(idp) == expected


@pytest.mark.parametrize(
    ("status", "verified", "reason"),
    [
        ("FORCE_CHANGE_PASSWORD", "false", "invitation_pending"),
        ("FORCE_CHANGE_PASSWORD", "true", "invitation_pending"),
        ("CONFIRMED", "false", "address_unproven"),
        ("RESET_REQUIRED", "true", "password_reset_required"),
        ("UNKNOWN", "true", "address_unproven"),
    ],
)
def test_an_account_waiting_at_an_unproven_address_is_neither_linked_nor_deleted(
    status, verified, reason
):
    idp = Idp((status, verified))
    with pytest.raises(Refused, match=f"^gatehouse:{reason}$"):
        pre_sign_up(external(), Deps(idp))
    assert changes(idp) == []


def test_nothing_happens_when_the_provider_did_not_verify_the_address():
    # Only a provider's proof of the address outweighs someone else's unconfirmed claim on it.
    idp = Idp(("UNCONFIRMED", "false"))
    pre_sign_up(external(verified="false"), Deps(idp))
    assert idp.calls == []


def _allowed_actions() -> set[str]:
    """The cognito-idp actions the template grants the PreSignUp function."""
    block = TEMPLATE.read_text().split("PreSignUpFunction:", 1)[1]
    block = re.split(r"\n  \w", block, maxsplit=1)[0]
    return set(re.findall(r"cognito-idp:(\w+)", block))


def test_the_template_grants_every_call_the_trigger_makes():
    idp = Idp(("UNCONFIRMED", "false"), ("CONFIRMED", "true"))
    pre_sign_up(external(), Deps(idp))
    assert {name for name, _ in idp.calls} == {
        "ListUsers",
        "AdminDeleteUser",
        "AdminLinkProviderForUser",
    }
    assert {name for name, _ in idp.calls} <= _allowed_actions()
