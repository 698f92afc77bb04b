"""SignUp, ConfirmSignUp and ResendConfirmationCode."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import PASSWORD, error_code


def test_sign_up_sends_a_code_and_confirm_verifies_the_email(target):
    email = target.email()
    out = target.idp.sign_up(ClientId=target.client_id, Username=email, Password=PASSWORD)
    assert out["UserConfirmed"] is False
    assert out["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    user = target.idp.admin_get_user(UserPoolId=target.pool_id, Username=email)
    assert user["UserStatus"] == "UNCONFIRMED"
    assert user["Username"] == out["UserSub"]  # email is an alias; the username is the sub
    target.idp.confirm_sign_up(
        ClientId=target.client_id, Username=email, ConfirmationCode=target.last_code(email)
    )
    user = target.idp.admin_get_user(UserPoolId=target.pool_id, Username=email)
    attrs = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert user["UserStatus"] == "CONFIRMED"
    assert attrs["email_verified"] == "true"
    assert attrs["sub"] == out["UserSub"]


@pytest.mark.parametrize(
    ("username", "password", "code"),
    [
        ("not-an-email", PASSWORD, "InvalidParameterException"),
        ("{email}", "short1A", "InvalidPasswordException"),
        ("{email}", "alllowercase1", "InvalidPasswordException"),
        ("{email}", "NoDigitsHere", "InvalidPasswordException"),
    ],
)
def test_sign_up_refuses_bad_input(target, username, password, code):
    with pytest.raises(ClientError) as exc:
        target.idp.sign_up(
            ClientId=target.client_id,
            Username=username.format(email=target.email()),
            Password=password,
        )
    assert error_code(exc) == code


def test_sign_up_twice_with_any_case_is_username_exists(target):
    email = target.email()
    target.idp.sign_up(ClientId=target.client_id, Username=email, Password=PASSWORD)
    with pytest.raises(ClientError) as exc:
        target.idp.sign_up(ClientId=target.client_id, Username=email.upper(), Password=PASSWORD)
    assert error_code(exc) == "UsernameExistsException"


def test_sign_up_with_unknown_client_is_resource_not_found(target):
    with pytest.raises(ClientError) as exc:
        target.idp.sign_up(ClientId="nosuchclient", Username=target.email(), Password=PASSWORD)
    assert error_code(exc) in ("ResourceNotFoundException", "NotAuthorizedException")


def test_wrong_code_is_mismatch_and_repeated_wrong_codes_lock(target):
    email = target.email()
    target.idp.sign_up(ClientId=target.client_id, Username=email, Password=PASSWORD)
    right = target.last_code(email)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ClientError) as exc:
            target.idp.confirm_sign_up(
                ClientId=target.client_id, Username=email, ConfirmationCode=wrong
            )
        assert error_code(exc) == "CodeMismatchException"
    with pytest.raises(ClientError) as exc:
        target.idp.confirm_sign_up(
            ClientId=target.client_id, Username=email, ConfirmationCode=right
        )
    assert error_code(exc) == "TooManyFailedAttemptsException"
    # A new code ends the lock.
    target.idp.resend_confirmation_code(ClientId=target.client_id, Username=email)
    target.idp.confirm_sign_up(
        ClientId=target.client_id, Username=email, ConfirmationCode=target.last_code(email)
    )


def test_confirm_unknown_user_looks_like_a_wrong_code(target):
    with pytest.raises(ClientError) as exc:
        target.idp.confirm_sign_up(
            ClientId=target.client_id, Username=target.email(), ConfirmationCode="123456"
        )
    assert error_code(exc) == "CodeMismatchException"


def test_confirm_twice_is_not_authorized(target):
    email = target.signed_up()
    with pytest.raises(ClientError) as exc:
        target.idp.confirm_sign_up(
            ClientId=target.client_id, Username=email, ConfirmationCode="123456"
        )
    assert error_code(exc) == "NotAuthorizedException"


def test_expired_code_is_refused(target):
    pool = target.need_local()
    email = target.email()
    target.idp.sign_up(ClientId=target.client_id, Username=email, Password=PASSWORD)
    pool.clock.advance(pool.settings.signup_code_seconds + 1)
    with pytest.raises(ClientError) as exc:
        target.idp.confirm_sign_up(
            ClientId=target.client_id, Username=email, ConfirmationCode=target.last_code(email)
        )
    assert error_code(exc) == "ExpiredCodeException"


def test_resend_replaces_the_code(target):
    email = target.email()
    target.idp.sign_up(ClientId=target.client_id, Username=email, Password=PASSWORD)
    first = target.last_code(email)
    target.idp.resend_confirmation_code(ClientId=target.client_id, Username=email)
    second = target.last_code(email)
    assert len(target.mails(email)) == 2
    if first != second:
        with pytest.raises(ClientError) as exc:
            target.idp.confirm_sign_up(
                ClientId=target.client_id, Username=email, ConfirmationCode=first
            )
        assert error_code(exc) == "CodeMismatchException"
    target.idp.confirm_sign_up(ClientId=target.client_id, Username=email, ConfirmationCode=second)


def test_resend_for_unknown_user_answers_alike_and_sends_nothing(target):
    known = target.email()
    target.idp.sign_up(ClientId=target.client_id, Username=known, Password=PASSWORD)
    unknown = target.email()
    a = target.idp.resend_confirmation_code(ClientId=target.client_id, Username=known)
    b = target.idp.resend_confirmation_code(ClientId=target.client_id, Username=unknown)
    assert a["CodeDeliveryDetails"] == b["CodeDeliveryDetails"]
    assert target.mails(unknown) == []


def test_resend_for_confirmed_user_is_invalid_parameter(target):
    email = target.signed_up()
    with pytest.raises(ClientError) as exc:
        target.idp.resend_confirmation_code(ClientId=target.client_id, Username=email)
    assert error_code(exc) == "InvalidParameterException"


def test_too_many_codes_is_limit_exceeded(target):
    pool = target.need_local()
    email = target.email()
    target.idp.sign_up(ClientId=target.client_id, Username=email, Password=PASSWORD)
    for _ in range(pool.settings.codes_per_hour - 1):
        target.idp.resend_confirmation_code(ClientId=target.client_id, Username=email)
    with pytest.raises(ClientError) as exc:
        target.idp.resend_confirmation_code(ClientId=target.client_id, Username=email)
    assert error_code(exc) == "LimitExceededException"
    assert len(target.mails(email)) == pool.settings.codes_per_hour


def test_client_with_secret_needs_secret_hash(target):
    pool = target.need_local()
    from app.userpool import secret_hash

    secret = pool.clients["gatehouse"].secret
    email = target.email()
    with pytest.raises(ClientError) as exc:
        target.idp.sign_up(ClientId="gatehouse", Username=email, Password=PASSWORD)
    assert error_code(exc) == "NotAuthorizedException"
    with pytest.raises(ClientError) as exc:
        target.idp.sign_up(
            ClientId="gatehouse",
            Username=email,
            Password=PASSWORD,
            SecretHash=secret_hash("gatehouse", "wrong-secret", email),
        )
    assert error_code(exc) == "NotAuthorizedException"
    target.idp.sign_up(
        ClientId="gatehouse",
        Username=email,
        Password=PASSWORD,
        SecretHash=secret_hash("gatehouse", secret, email),
    )
