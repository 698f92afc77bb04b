"""PreAuthentication, PostAuthentication, and PostConfirmation for a federated user's first
sign-in, with Cognito's events (local pool only: the tests configure the pool's triggers)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import PASSWORD, error_code
from .test_triggers import COMMON, local, recording


@pytest.fixture
def calls():
    """The events each test trigger received."""
    return []


def test_pre_and_post_authentication_events(make_app, calls):
    target = local(
        make_app, PreAuthentication=recording(calls), PostAuthentication=recording(calls)
    )
    email = target.signed_up()
    out = target.idp.initiate_auth(
        ClientId="demo",
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        ClientMetadata={"device": "kiosk"},
    )
    assert out["AuthenticationResult"]["AccessToken"]
    pre, post = calls
    assert set(pre) == COMMON and set(post) == COMMON
    assert pre["triggerSource"] == "PreAuthentication_Authentication"
    assert pre["callerContext"]["clientId"] == "demo"
    assert set(pre["request"]) == {"userAttributes", "validationData", "userNotFound"}
    assert pre["request"]["validationData"] == {"device": "kiosk"}
    assert pre["request"]["userNotFound"] is False
    assert pre["request"]["userAttributes"]["email"] == email
    assert pre["response"] == {}
    assert post["triggerSource"] == "PostAuthentication_Authentication"
    assert post["userName"] == pre["userName"]
    assert post["request"]["newDeviceUsed"] is False
    assert post["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"
    # InitiateAuth's ClientMetadata goes to PreAuthentication only, as on Cognito.
    assert "clientMetadata" not in post["request"]
    assert post["response"] == {}


def test_pre_authentication_runs_for_an_unknown_user_with_user_not_found(make_app, calls):
    target = local(make_app, PreAuthentication=recording(calls))
    with pytest.raises(ClientError) as wrong:
        target.sign_in("nobody-here@example.com")
    assert error_code(wrong) == "NotAuthorizedException"
    (event,) = calls
    assert event["userName"] == "nobody-here@example.com"
    assert event["request"]["userNotFound"] is True
    assert event["request"]["userAttributes"] == {}


def test_a_wrong_password_runs_pre_but_not_post_authentication(make_app, calls):
    target = local(
        make_app, PreAuthentication=recording(calls), PostAuthentication=recording(calls)
    )
    email = target.signed_up()
    calls.clear()
    with pytest.raises(ClientError):
        target.sign_in(email, "Wrong-pass1")
    assert [e["triggerSource"] for e in calls] == ["PreAuthentication_Authentication"]


def refused_sign_in(make_app, trigger: str, message: str) -> str:
    """A known user's sign-in on a pool whose ``trigger`` raises ``message``: the call fails
    with UserLambdaValidationException; returns the error's message."""

    def refuse(event, context):
        raise RuntimeError(message)

    email = local(make_app).signed_up()
    target = local(make_app, **{trigger: refuse})
    with pytest.raises(ClientError) as refused:
        target.sign_in(email)
    assert error_code(refused) == "UserLambdaValidationException"
    return refused.value.response["Error"]["Message"]


def test_a_pre_authentication_refusal_fails_the_sign_in(make_app):
    message = refused_sign_in(make_app, "PreAuthentication", "gatehouse:sign_in_refused")
    assert message == "PreAuthentication failed with error gatehouse:sign_in_refused."


def test_pre_authentication_runs_for_srp_and_custom_auth(make_app, calls):
    target = local(make_app, PreAuthentication=recording(calls))
    email = target.signed_up()
    calls.clear()
    assert target.srp(email).authenticate_user()["AuthenticationResult"]["AccessToken"]
    assert [e["triggerSource"] for e in calls] == ["PreAuthentication_Authentication"]
    assert calls[0]["request"]["userAttributes"]["email"] == email


def test_post_authentication_gets_the_completing_calls_metadata(make_app, calls):
    target = local(make_app, PostAuthentication=recording(calls))
    invited = target.email()
    target.idp.admin_create_user(
        UserPoolId=target.pool_id,
        Username=invited,
        TemporaryPassword="Temp-pass1",
        MessageAction="SUPPRESS",
    )
    start = target.idp.initiate_auth(
        ClientId="demo",
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": invited, "PASSWORD": "Temp-pass1"},
    )
    assert calls == []  # a challenge is not a completed sign-in
    target.idp.respond_to_auth_challenge(
        ClientId="demo",
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=start["Session"],
        ChallengeResponses={"USERNAME": invited, "NEW_PASSWORD": PASSWORD},
        ClientMetadata={"step": "new-password"},
    )
    (event,) = calls
    assert event["request"]["clientMetadata"] == {"step": "new-password"}
    calls.clear()
    target.idp.initiate_auth(
        ClientId="demo",
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": target.sign_in(invited)["RefreshToken"]},
    )
    assert len(calls) == 1  # the sign-in, not the refresh


def test_a_post_authentication_refusal_fails_the_sign_in(make_app):
    message = refused_sign_in(make_app, "PostAuthentication", "audit store unavailable")
    assert "PostAuthentication failed with error audit store" in message


def test_a_federated_users_first_sign_in_runs_post_confirmation(make_app, calls):
    from app.localpool import federation

    pool = local(make_app, PostConfirmation=recording(calls)).local
    claims = {"sub": "98765", "email": "fed-pc@example.com", "email_verified": "true"}
    for _ in range(2):
        with pool.db.transaction() as conn:
            federation.sign_in(pool, conn, "Google", claims, pool.clients["demo"])
    (event,) = calls  # the first sign-in only
    assert set(event) == COMMON
    assert event["triggerSource"] == "PostConfirmation_ConfirmSignUp"
    assert event["userName"] == "Google_98765"
    assert event["callerContext"]["clientId"] == "demo"
    assert event["request"]["userAttributes"]["cognito:user_status"] == "EXTERNAL_PROVIDER"
    assert event["request"]["userAttributes"]["email"] == "fed-pc@example.com"
