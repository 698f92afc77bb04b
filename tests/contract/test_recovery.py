"""ForgotPassword, ConfirmForgotPassword and ChangePassword."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import PASSWORD, error_code

NEW = "N3w-password!"


def test_forgot_password_sends_a_code_that_sets_a_new_password(target):
    email = target.signed_up()
    out = target.idp.forgot_password(ClientId=target.client_id, Username=email)
    assert out["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    code = target.last_code(email)
    target.idp.confirm_forgot_password(
        ClientId=target.client_id, Username=email, ConfirmationCode=code, Password=NEW
    )
    assert target.sign_in(email, NEW)["AccessToken"]
    with pytest.raises(ClientError) as exc:
        target.sign_in(email, PASSWORD)
    assert error_code(exc) == "NotAuthorizedException"
    with pytest.raises(ClientError) as exc:  # the code was used up
        target.idp.confirm_forgot_password(
            ClientId=target.client_id, Username=email, ConfirmationCode=code, Password=PASSWORD
        )
    assert error_code(exc) == "CodeMismatchException"


def test_forgot_password_for_unknown_user_answers_alike_and_sends_nothing(target):
    known = target.signed_up()
    unknown = target.email()
    a = target.idp.forgot_password(ClientId=target.client_id, Username=known)
    b = target.idp.forgot_password(ClientId=target.client_id, Username=unknown)
    assert a["CodeDeliveryDetails"] == b["CodeDeliveryDetails"]
    assert target.mails(unknown) == []


@pytest.mark.parametrize(
    ("code", "password", "error"),
    [
        ("000000", NEW, "CodeMismatchException"),
        (None, "weak", "InvalidPasswordException"),
    ],
)
def test_confirm_forgot_password_errors(target, code, password, error):
    email = target.signed_up()
    target.idp.forgot_password(ClientId=target.client_id, Username=email)
    right = target.last_code(email)
    if code == right:
        code = "111111"
    with pytest.raises(ClientError) as exc:
        target.idp.confirm_forgot_password(
            ClientId=target.client_id,
            Username=email,
            ConfirmationCode=code or right,
            Password=password,
        )
    assert error_code(exc) == error


def test_reset_code_expires(target):
    pool = target.need_local()
    email = target.signed_up()
    target.idp.forgot_password(ClientId=target.client_id, Username=email)
    pool.clock.advance(pool.settings.reset_code_seconds + 1)
    with pytest.raises(ClientError) as exc:
        target.idp.confirm_forgot_password(
            ClientId=target.client_id,
            Username=email,
            ConfirmationCode=target.last_code(email),
            Password=NEW,
        )
    assert error_code(exc) == "ExpiredCodeException"


def test_forgot_password_for_unconfirmed_user_is_invalid_parameter(target):
    email = target.email()
    target.idp.sign_up(ClientId=target.client_id, Username=email, Password=PASSWORD)
    with pytest.raises(ClientError) as exc:
        target.idp.forgot_password(ClientId=target.client_id, Username=email)
    assert error_code(exc) == "InvalidParameterException"


def test_a_reset_ends_a_password_lockout(target):
    pool = target.need_local()
    email = target.signed_up()
    for _ in range(pool.settings.password_max_failures):
        with pytest.raises(ClientError):
            target.sign_in(email, "Wr0ng-password")
    target.idp.forgot_password(ClientId=target.client_id, Username=email)
    target.idp.confirm_forgot_password(
        ClientId=target.client_id,
        Username=email,
        ConfirmationCode=target.last_code(email),
        Password=NEW,
    )
    assert target.sign_in(email, NEW)["AccessToken"]


def test_change_password(target):
    email = target.signed_up()
    access = target.sign_in(email)["AccessToken"]
    with pytest.raises(ClientError) as exc:
        target.idp.change_password(
            AccessToken=access, PreviousPassword="Wr0ng-password", ProposedPassword=NEW
        )
    assert error_code(exc) == "NotAuthorizedException"
    with pytest.raises(ClientError) as exc:
        target.idp.change_password(
            AccessToken=access, PreviousPassword=PASSWORD, ProposedPassword="weak"
        )
    assert error_code(exc) == "InvalidPasswordException"
    target.idp.change_password(AccessToken=access, PreviousPassword=PASSWORD, ProposedPassword=NEW)
    assert target.sign_in(email, NEW)["AccessToken"]


def test_a_reset_code_in_other_digits_is_a_mismatch(target):
    """A code typed in Arabic-Indic digits is a wrong code, not a fault."""
    email = target.signed_up()
    target.idp.forgot_password(ClientId=target.client_id, Username=email)
    with pytest.raises(ClientError) as wrong:
        target.idp.confirm_forgot_password(
            ClientId=target.client_id,
            Username=email,
            ConfirmationCode="\u0661\u0662\u0663\u0664\u0665\u0666",
            Password="N3w-password",
        )
    assert error_code(wrong) in ("CodeMismatchException", "InvalidParameterException")
