"""Administrator operations on one account, and ListUserPoolClients."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import PASSWORD, error_code
from .test_triggers import local, recording

NEW_PASSWORD = "N3w-password!"


@pytest.fixture
def calls():
    """The events each test trigger received."""
    return []


def status(target, email: str) -> str:
    """The user's UserStatus."""
    return target.idp.admin_get_user(UserPoolId=target.pool_id, Username=email)["UserStatus"]


def sign_in_error(target, email: str, password: str = PASSWORD) -> str:
    """The error code a password sign-in gets."""
    with pytest.raises(ClientError) as exc:
        target.sign_in(email, password)
    return error_code(exc)


@pytest.mark.parametrize(
    "op",
    [
        "admin_reset_user_password",
        "admin_disable_user",
        "admin_enable_user",
        "admin_confirm_sign_up",
    ],
)
def test_an_unknown_user_is_user_not_found(target, op):
    with pytest.raises(ClientError) as exc:
        getattr(target.idp, op)(UserPoolId=target.pool_id, Username=target.email())
    assert error_code(exc) == "UserNotFoundException"
    with pytest.raises(ClientError) as exc:
        getattr(target.idp, op)(UserPoolId="us-east-1_nosuchpool", Username=target.email())
    assert error_code(exc) == "ResourceNotFoundException"


def test_admin_reset_user_password_requires_a_reset_with_the_emailed_code(target):
    email = target.signed_up()
    target.idp.admin_reset_user_password(UserPoolId=target.pool_id, Username=email)
    assert status(target, email) == "RESET_REQUIRED"
    assert sign_in_error(target, email) == "PasswordResetRequiredException"
    target.idp.confirm_forgot_password(
        ClientId=target.client_id,
        Username=email,
        ConfirmationCode=target.last_code(email),
        Password=NEW_PASSWORD,
    )
    assert status(target, email) == "CONFIRMED"
    assert target.sign_in(email, NEW_PASSWORD)["AccessToken"]


def test_admin_reset_user_password_sends_the_code_through_custom_message(make_app, calls):
    target = local(make_app, CustomMessage=recording(calls))
    email = target.signed_up()
    calls.clear()
    target.idp.admin_reset_user_password(
        UserPoolId=target.pool_id, Username=email, ClientMetadata={"reason": "audit"}
    )
    [event] = calls
    assert event["triggerSource"] == "CustomMessage_ForgotPassword"
    assert event["callerContext"]["clientId"] is None  # an admin call names no app client
    assert event["request"]["userAttributes"]["cognito:user_status"] == "RESET_REQUIRED"
    assert event["request"]["clientMetadata"] == {"reason": "audit"}
    assert len(target.mails(email)) == 2  # the sign-up code, then the reset code


def test_admin_reset_user_password_of_an_unverified_email_sends_nothing(target):
    email = target.email()
    target.idp.admin_create_user(
        UserPoolId=target.pool_id, Username=email, MessageAction="SUPPRESS"
    )
    target.idp.admin_reset_user_password(UserPoolId=target.pool_id, Username=email)
    assert status(target, email) == "RESET_REQUIRED"
    assert target.mails(email) == []


def test_admin_set_user_password_permanent_signs_in_at_once(target):
    email = target.email()
    target.idp.admin_create_user(
        UserPoolId=target.pool_id, Username=email, MessageAction="SUPPRESS"
    )
    target.idp.admin_set_user_password(
        UserPoolId=target.pool_id, Username=email, Password=NEW_PASSWORD, Permanent=True
    )
    assert status(target, email) == "CONFIRMED"
    assert target.sign_in(email, NEW_PASSWORD)["AccessToken"]


def test_admin_set_user_password_temporary_asks_for_a_new_one(target):
    email = target.signed_up()
    target.idp.admin_set_user_password(
        UserPoolId=target.pool_id, Username=email, Password=NEW_PASSWORD, Permanent=False
    )
    assert status(target, email) == "FORCE_CHANGE_PASSWORD"
    assert sign_in_error(target, email) == "NotAuthorizedException"  # the old one is gone
    out = target.idp.initiate_auth(
        ClientId=target.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": NEW_PASSWORD},
    )
    assert out["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_admin_set_user_password_checks_the_policy_and_ends_a_lockout(target):
    email = target.signed_up()
    with pytest.raises(ClientError) as exc:
        target.idp.admin_set_user_password(
            UserPoolId=target.pool_id, Username=email, Password="weak", Permanent=True
        )
    assert error_code(exc) == "InvalidPasswordException"
    pool = target.need_local()
    for _ in range(pool.settings.password_max_failures):
        sign_in_error(target, email, "Wr0ng-password")
    assert sign_in_error(target, email) == "NotAuthorizedException"  # locked out
    target.idp.admin_set_user_password(
        UserPoolId=target.pool_id, Username=email, Password=NEW_PASSWORD, Permanent=True
    )
    assert target.sign_in(email, NEW_PASSWORD)["AccessToken"]


def test_admin_disable_user_stops_sign_in_and_revokes_tokens(target):
    email = target.signed_up()
    tokens = target.sign_in(email)
    target.idp.admin_disable_user(UserPoolId=target.pool_id, Username=email)
    user = target.idp.admin_get_user(UserPoolId=target.pool_id, Username=email)
    assert user["Enabled"] is False
    assert sign_in_error(target, email) == "NotAuthorizedException"
    with pytest.raises(ClientError) as exc:
        target.idp.get_user(AccessToken=tokens["AccessToken"])
    assert error_code(exc) == "NotAuthorizedException"
    target.idp.admin_enable_user(UserPoolId=target.pool_id, Username=email)
    assert target.idp.admin_get_user(UserPoolId=target.pool_id, Username=email)["Enabled"]
    assert target.sign_in(email)["AccessToken"]
    # The tokens from before stay revoked.
    for call in (
        lambda: target.idp.get_user(AccessToken=tokens["AccessToken"]),
        lambda: target.idp.initiate_auth(
            ClientId=target.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
        ),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc) == "NotAuthorizedException"


def test_admin_confirm_sign_up_confirms_without_verifying_the_email(target):
    email = target.email()
    target.idp.sign_up(ClientId=target.client_id, Username=email, Password=PASSWORD)
    assert sign_in_error(target, email) == "UserNotConfirmedException"
    target.idp.admin_confirm_sign_up(UserPoolId=target.pool_id, Username=email)
    user = target.idp.admin_get_user(UserPoolId=target.pool_id, Username=email)
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert user["UserStatus"] == "CONFIRMED" and attributes["email_verified"] == "false"
    assert target.sign_in(email)["AccessToken"]
    with pytest.raises(ClientError) as exc:
        target.idp.admin_confirm_sign_up(UserPoolId=target.pool_id, Username=email)
    assert error_code(exc) == "NotAuthorizedException"


def test_admin_confirm_sign_up_runs_post_confirmation(make_app, calls):
    target = local(make_app, PostConfirmation=recording(calls))
    email = target.email()
    target.idp.sign_up(ClientId="demo", Username=email, Password=PASSWORD)
    target.idp.admin_confirm_sign_up(
        UserPoolId=target.pool_id, Username=email, ClientMetadata={"by": "support"}
    )
    [event] = calls
    assert event["triggerSource"] == "PostConfirmation_ConfirmSignUp"
    assert event["callerContext"]["clientId"] is None
    assert event["request"]["clientMetadata"] == {"by": "support"}
    assert event["request"]["userAttributes"]["email_verified"] == "false"


def test_list_user_pool_clients_a_page_at_a_time(target):
    seen, token = [], None
    while True:
        page = target.idp.list_user_pool_clients(
            UserPoolId=target.pool_id, MaxResults=1, **({"NextToken": token} if token else {})
        )
        assert len(page["UserPoolClients"]) <= 1
        seen += page["UserPoolClients"]
        token = page.get("NextToken")
        if not token:
            break
    assert {c["UserPoolId"] for c in seen} == {target.pool_id}
    assert target.client_id in {c["ClientId"] for c in seen}
    if target.local is not None:
        clients = target.local.clients.values()
        assert seen == [
            {"ClientId": c.id, "UserPoolId": target.pool_id, "ClientName": c.name} for c in clients
        ]
        everything = target.idp.list_user_pool_clients(UserPoolId=target.pool_id)
        assert everything["UserPoolClients"] == seen and "NextToken" not in everything


@pytest.mark.parametrize(
    "params, code",
    [
        ({"UserPoolId": "us-east-1_nosuchpool"}, "ResourceNotFoundException"),
        ({"NextToken": "not-a-token"}, "InvalidParameterException"),
        ({"MaxResults": 61}, "InvalidParameterException"),
    ],
)
def test_list_user_pool_clients_errors(target, params, code):
    with pytest.raises(ClientError) as exc:
        target.idp.list_user_pool_clients(**{"UserPoolId": target.pool_id, **params})
    assert error_code(exc) == code
