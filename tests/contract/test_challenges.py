"""RespondToAuthChallenge for NEW_PASSWORD_REQUIRED and SOFTWARE_TOKEN_MFA, and TOTP set-up."""

from __future__ import annotations

import pyotp
import pytest
from botocore.exceptions import ClientError

from .conftest import PASSWORD, error_code

TEMPORARY = "Temp0rary-pass"


def _invited(target) -> str:
    """An admin-created user with a temporary password."""
    email = target.email()
    target.idp.admin_create_user(
        UserPoolId=target.pool_id,
        Username=email,
        TemporaryPassword=TEMPORARY,
        UserAttributes=[{"Name": "email_verified", "Value": "true"}],
    )
    return email


def test_new_password_required_then_tokens(target):
    email = _invited(target)
    invite = target.mails(email)[-1]
    assert TEMPORARY in invite.text and email in invite.text
    out = target.idp.initiate_auth(
        ClientId=target.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": TEMPORARY},
    )
    assert out["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    with pytest.raises(ClientError) as exc:
        target.idp.respond_to_auth_challenge(
            ClientId=target.client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=out["Session"],
            ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": "weak"},
        )
    assert error_code(exc) == "InvalidPasswordException"
    out = target.idp.initiate_auth(
        ClientId=target.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": TEMPORARY},
    )
    done = target.idp.respond_to_auth_challenge(
        ClientId=target.client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=out["Session"],
        ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": PASSWORD},
    )
    assert done["AuthenticationResult"]["IdToken"]
    assert (
        target.idp.admin_get_user(UserPoolId=target.pool_id, Username=email)["UserStatus"]
        == "CONFIRMED"
    )
    assert target.sign_in(email)["AccessToken"]


def test_a_challenge_session_is_single_use_and_expires(target):
    pool = target.need_local()
    email = _invited(target)
    params = {"USERNAME": email, "PASSWORD": TEMPORARY}
    out = target.idp.initiate_auth(
        ClientId=target.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params
    )
    answer = {"USERNAME": email, "NEW_PASSWORD": PASSWORD}
    target.idp.respond_to_auth_challenge(
        ClientId=target.client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=out["Session"],
        ChallengeResponses=answer,
    )
    with pytest.raises(ClientError) as exc:
        target.idp.respond_to_auth_challenge(
            ClientId=target.client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=out["Session"],
            ChallengeResponses=answer,
        )
    assert error_code(exc) == "NotAuthorizedException"
    email = _invited(target)
    out = target.idp.initiate_auth(
        ClientId=target.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": TEMPORARY},
    )
    pool.clock.advance(pool.settings.auth_session_seconds + 1)
    with pytest.raises(ClientError) as exc:
        target.idp.respond_to_auth_challenge(
            ClientId=target.client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=out["Session"],
            ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": PASSWORD},
        )
    assert error_code(exc) == "NotAuthorizedException"


def _with_totp(target) -> tuple[str, pyotp.TOTP]:
    """A confirmed user with TOTP MFA turned on."""
    email = target.signed_up()
    access = target.sign_in(email)["AccessToken"]
    secret = target.idp.associate_software_token(AccessToken=access)["SecretCode"]
    totp = pyotp.TOTP(secret)
    with pytest.raises(ClientError) as exc:
        target.idp.verify_software_token(
            AccessToken=access, UserCode="000000" if totp.now() != "000000" else "111111"
        )
    assert error_code(exc) == "EnableSoftwareTokenMFAException"
    assert (
        target.idp.verify_software_token(AccessToken=access, UserCode=totp.now())["Status"]
        == "SUCCESS"
    )
    target.idp.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    return email, totp


def test_software_token_mfa_challenge(target):
    email, totp = _with_totp(target)
    out = target.idp.initiate_auth(
        ClientId=target.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )
    assert out["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    wrong = "000000" if totp.now() != "000000" else "111111"
    with pytest.raises(ClientError) as exc:
        target.idp.respond_to_auth_challenge(
            ClientId=target.client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=out["Session"],
            ChallengeResponses={"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": wrong},
        )
    assert error_code(exc) == "CodeMismatchException"
    done = target.idp.respond_to_auth_challenge(
        ClientId=target.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=out["Session"],
        ChallengeResponses={"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": totp.now()},
    )
    access = done["AuthenticationResult"]["AccessToken"]
    user = target.idp.get_user(AccessToken=access)
    assert user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"


def test_mfa_preference_without_verified_token_is_invalid_parameter(target):
    email = target.signed_up()
    access = target.sign_in(email)["AccessToken"]
    with pytest.raises(ClientError) as exc:
        target.idp.set_user_mfa_preference(
            AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
        )
    assert error_code(exc) == "InvalidParameterException"


def test_verify_software_token_without_association_is_refused(target):
    email = target.signed_up()
    access = target.sign_in(email)["AccessToken"]
    with pytest.raises(ClientError) as exc:
        target.idp.verify_software_token(AccessToken=access, UserCode="123456")
    assert error_code(exc) in (
        "SoftwareTokenMFANotFoundException",
        "EnableSoftwareTokenMFAException",
    )
