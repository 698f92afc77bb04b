"""USER_SRP_AUTH and the PASSWORD_VERIFIER challenge, driven by pycognito's SRP client (AWSSRP)
through boto3, as Amplify and pycognito sign in."""

from __future__ import annotations

import datetime

import pyotp
import pytest
from botocore.exceptions import ClientError
from joserfc import jwt
from joserfc.jwk import KeySet
from pycognito.aws_srp import AWSSRP
from pycognito.exceptions import ForceChangePasswordException, SoftwareTokenMFAChallengeException

from .conftest import PASSWORD, error_code

CHALLENGE_PARAMETERS = {"SALT", "SRP_B", "SECRET_BLOCK", "USER_ID_FOR_SRP", "USERNAME"}


def _srp(target, email: str, password: str = PASSWORD, **kwargs) -> AWSSRP:
    """pycognito's SRP client for one sign-in."""
    return AWSSRP(
        username=email,
        password=password,
        pool_id=target.pool_id,
        client_id=kwargs.pop("client_id", target.client_id),
        client=target.idp,
        **kwargs,
    )


def _start(target, aws: AWSSRP) -> dict:
    """InitiateAuth with USER_SRP_AUTH; returns the response."""
    return target.idp.initiate_auth(
        ClientId=aws.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=aws.get_auth_params()
    )


def _answer(target, aws: AWSSRP, started: dict, **changes) -> dict:
    """RespondToAuthChallenge with AWSSRP's password claim, with some responses changed."""
    responses = aws.process_challenge(started["ChallengeParameters"], aws.get_auth_params())
    responses.update(changes)
    return target.idp.respond_to_auth_challenge(
        ClientId=aws.client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=responses
    )


def test_srp_sign_in_gives_the_same_tokens_as_a_password_sign_in(target):
    email = target.signed_up()
    started = _start(target, _srp(target, email))
    assert started["ChallengeName"] == "PASSWORD_VERIFIER"
    assert set(started["ChallengeParameters"]) == CHALLENGE_PARAMETERS
    tokens = _srp(target, email).authenticate_user()["AuthenticationResult"]
    keys = KeySet.import_key_set(target.need_local().signer.jwks())
    claims = jwt.decode(tokens["IdToken"], keys, algorithms=["RS256"]).claims
    assert claims["email"] == email and claims["token_use"] == "id"
    assert started["ChallengeParameters"]["USER_ID_FOR_SRP"] == claims["cognito:username"]
    assert target.idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == claims["sub"]
    assert tokens["RefreshToken"]


def test_a_wrong_password_is_not_authorized_and_counts_toward_the_lockout(target):
    pool = target.need_local()
    email = target.signed_up()
    for _ in range(pool.settings.password_max_failures):
        with pytest.raises(ClientError) as exc:
            _srp(target, email, "Wr0ng-password").authenticate_user()
        assert error_code(exc) == "NotAuthorizedException"
        assert exc.value.response["Error"]["Message"] == "Incorrect username or password."
    with pytest.raises(ClientError) as exc:
        target.sign_in(email)  # the right password, during the lockout
    assert "attempts exceeded" in exc.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as exc:
        _srp(target, email).authenticate_user()
    assert "attempts exceeded" in exc.value.response["Error"]["Message"]


def test_an_unknown_user_gets_the_answers_of_a_known_one(target):
    known, unknown = target.signed_up(), target.email()
    first, again = _start(target, _srp(target, unknown)), _start(target, _srp(target, unknown))
    real = _start(target, _srp(target, known))
    assert set(first["ChallengeParameters"]) == set(real["ChallengeParameters"])
    for name in ("SALT", "USER_ID_FOR_SRP", "USERNAME"):
        assert first["ChallengeParameters"][name] == again["ChallengeParameters"][name]
    assert first["ChallengeParameters"]["SRP_B"] != again["ChallengeParameters"]["SRP_B"]
    assert len(first["ChallengeParameters"]["USER_ID_FOR_SRP"]) == len(
        real["ChallengeParameters"]["USER_ID_FOR_SRP"]
    )
    errors = []
    for email in (unknown, known):
        with pytest.raises(ClientError) as exc:
            _srp(target, email, "Wr0ng-password").authenticate_user()
        errors.append(exc.value.response["Error"])
    assert errors[0] == errors[1] and errors[0]["Code"] == "NotAuthorizedException"


def test_an_mfa_user_gets_software_token_mfa_next(target):
    email = target.signed_up()
    access = target.sign_in(email)["AccessToken"]
    secret = target.idp.associate_software_token(AccessToken=access)["SecretCode"]
    target.idp.verify_software_token(AccessToken=access, UserCode=pyotp.TOTP(secret).now())
    target.idp.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    with pytest.raises(SoftwareTokenMFAChallengeException) as exc:
        _srp(target, email).authenticate_user()
    challenge = exc.value.get_tokens()
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA" and challenge["Session"]
    done = target.idp.respond_to_auth_challenge(
        ClientId=target.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=challenge["Session"],
        ChallengeResponses={
            "USERNAME": challenge["ChallengeParameters"]["USER_ID_FOR_SRP"],
            "SOFTWARE_TOKEN_MFA_CODE": pyotp.TOTP(secret).now(),
        },
    )
    assert done["AuthenticationResult"]["AccessToken"]


def test_a_temporary_password_leads_to_new_password_required_and_the_new_one_signs_in(target):
    email = target.email()
    target.idp.admin_create_user(
        UserPoolId=target.pool_id,
        Username=email,
        TemporaryPassword="Temp0rary-pass",
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email_verified", "Value": "true"}],
    )
    with pytest.raises(ForceChangePasswordException):
        _srp(target, email, "Temp0rary-pass").authenticate_user()
    aws = _srp(target, email, "Temp0rary-pass")
    next_step = _answer(target, aws, _start(target, aws))
    assert next_step["ChallengeName"] == "NEW_PASSWORD_REQUIRED" and next_step["Session"]
    target.idp.respond_to_auth_challenge(
        ClientId=target.client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=next_step["Session"],
        ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": PASSWORD},
    )
    assert _srp(target, email).authenticate_user()["AuthenticationResult"]["IdToken"]


def test_a_changed_or_reset_password_is_the_one_srp_accepts(target):
    email = target.signed_up()
    access = target.sign_in(email)["AccessToken"]
    target.idp.change_password(
        AccessToken=access, PreviousPassword=PASSWORD, ProposedPassword="N3w-password"
    )
    assert _srp(target, email, "N3w-password").authenticate_user()["AuthenticationResult"]
    with pytest.raises(ClientError):
        _srp(target, email).authenticate_user()
    target.idp.forgot_password(ClientId=target.client_id, Username=email)
    target.idp.confirm_forgot_password(
        ClientId=target.client_id,
        Username=email,
        ConfirmationCode=target.last_code(email),
        Password="R3set-password",
    )
    assert _srp(target, email, "R3set-password").authenticate_user()["AuthenticationResult"]
    with pytest.raises(ClientError):
        _srp(target, email, "N3w-password").authenticate_user()


def test_a_secret_block_is_single_use(target):
    email = target.signed_up()
    aws = _srp(target, email)
    started = _start(target, aws)
    assert _answer(target, aws, started)["AuthenticationResult"]
    with pytest.raises(ClientError) as exc:
        _answer(target, aws, started)
    assert error_code(exc) == "NotAuthorizedException"


def test_a_timestamp_in_another_format_is_invalid_parameter(target):
    aws = _srp(target, target.signed_up())
    with pytest.raises(ClientError) as exc:
        _answer(target, aws, _start(target, aws), TIMESTAMP="2026-12-01T17:49:54Z")
    assert error_code(exc) == "InvalidParameterException"
    assert "TIMESTAMP format" in exc.value.response["Error"]["Message"]


def test_a_day_with_a_leading_zero_is_signed_as_cognito_reads_it(target):
    """Cognito re-reads TIMESTAMP before checking the signature: "Apr 05" is "Apr 5"."""
    email = target.signed_up()
    aws = _srp(target, email)
    started = _start(target, aws)
    when = datetime.datetime(2026, 4, 5, 9, 8, 7)
    padded = when.strftime("%a %b %d %H:%M:%S UTC %Y")
    aws.get_cognito_formatted_timestamp = lambda _now: padded
    with pytest.raises(ClientError) as exc:
        _answer(target, aws, started)
    assert error_code(exc) == "NotAuthorizedException"


@pytest.mark.parametrize("missing", ["USERNAME", "SRP_A"])
def test_initiate_without_username_or_srp_a_is_invalid_parameter(target, missing):
    params = {"USERNAME": target.email(), "SRP_A": "abc123"}
    del params[missing]
    with pytest.raises(ClientError) as exc:
        target.idp.initiate_auth(
            ClientId=target.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params
        )
    assert error_code(exc) == "InvalidParameterException"


@pytest.mark.parametrize("srp_a", ["0", "not-hex", "f" * 5000])
def test_a_bad_srp_a_is_invalid_parameter(target, srp_a):
    with pytest.raises(ClientError) as exc:
        target.idp.initiate_auth(
            ClientId=target.client_id,
            AuthFlow="USER_SRP_AUTH",
            AuthParameters={"USERNAME": target.email(), "SRP_A": srp_a},
        )
    assert error_code(exc) == "InvalidParameterException"


def test_a_client_without_the_flow_is_refused_and_a_confidential_one_needs_its_secret(target):
    pool = target.need_local()
    email = target.signed_up()
    with pytest.raises(ClientError) as exc:
        _srp(target, email, client_id="gatehouse").authenticate_user()
    assert error_code(exc) == "InvalidParameterException"
    pool.clients["gatehouse"].explicit_auth_flows.append("ALLOW_USER_SRP_AUTH")
    with pytest.raises(ClientError) as exc:
        _srp(target, email, client_id="gatehouse").authenticate_user()
    assert error_code(exc) == "NotAuthorizedException"
    secret = pool.clients["gatehouse"].secret
    aws = _srp(target, email, client_id="gatehouse", client_secret=secret)
    assert aws.authenticate_user()["AuthenticationResult"]["AccessToken"]


def test_a_password_set_before_srp_gets_a_verifier_at_its_next_password_sign_in(target):
    pool = target.need_local()
    email = target.signed_up()
    with pool.db.transaction() as conn:
        conn.execute(
            "UPDATE users SET srp_salt = NULL, srp_verifier = NULL WHERE email = ?", (email,)
        )
    with pytest.raises(ClientError) as exc:
        _srp(target, email).authenticate_user()
    assert error_code(exc) == "NotAuthorizedException"
    target.sign_in(email)
    assert _srp(target, email).authenticate_user()["AuthenticationResult"]


def test_a_claim_checked_before_a_password_change_is_checked_again(target, monkeypatch):
    """The proof made before the transaction is used only for the verifier it was made
    from; when the password changed meanwhile (simulated: no proof prepared) it is made again
    inside, and the answer is as usual."""
    target.need_local()
    from dataclasses import replace

    from app.localpool.operations import OPERATIONS

    respond = OPERATIONS["RespondToAuthChallenge"]
    monkeypatch.setitem(
        OPERATIONS, "RespondToAuthChallenge", replace(respond, prepare=lambda pool, params: {})
    )
    email = target.signed_up()
    tokens = _srp(target, email).authenticate_user()["AuthenticationResult"]
    assert tokens["AccessToken"]
    with pytest.raises(ClientError) as wrong:
        _srp(target, email, password="Wr0ng-password").authenticate_user()
    assert error_code(wrong) == "NotAuthorizedException"
