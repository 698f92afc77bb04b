"""CUSTOM_AUTH: Cognito's define / create / verify loop, run through the pool's triggers."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import error_code
from .test_triggers import local

MAX_TRIES = 3


def define(event, context):
    """Issue tokens after a right answer; fail after three wrong ones or for an unknown user."""
    session = event["request"]["session"]
    response = event["response"]
    if (
        event["request"]["userNotFound"]
        or len(session) >= MAX_TRIES
        and not session[-1]["challengeResult"]
    ):
        response.update(issueTokens=False, failAuthentication=True)
    elif session and session[-1]["challengeResult"]:
        response.update(issueTokens=True, failAuthentication=False)
    else:
        response.update(
            challengeName="CUSTOM_CHALLENGE", issueTokens=False, failAuthentication=False
        )
    return event


def create(event, context):
    """A fixed secret answer, with public and private parameters."""
    event["response"]["publicChallengeParameters"] = {"hint": "the answer"}
    event["response"]["privateChallengeParameters"] = {"answer": "42"}
    event["response"]["challengeMetadata"] = f"round-{len(event['request']['session']) + 1}"
    return event


def verify(event, context):
    """Right when the answer matches the private parameter."""
    expected = event["request"]["privateChallengeParameters"]["answer"]
    event["response"]["answerCorrect"] = event["request"]["challengeAnswer"] == expected
    return event


@pytest.fixture
def target(make_app, calls):
    """A local pool with the three custom-auth triggers, recording their events."""

    def spy(fn):
        def handler(event, context):
            calls.append(event)
            return fn(event, context)

        return handler

    return local(
        make_app,
        DefineAuthChallenge=spy(define),
        CreateAuthChallenge=spy(create),
        VerifyAuthChallengeResponse=spy(verify),
    )


@pytest.fixture
def calls():
    return []


def _start(target, email):
    return target.idp.initiate_auth(
        ClientId="demo", AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": email}
    )


def _answer(target, out, email, answer):
    return target.idp.respond_to_auth_challenge(
        ClientId="demo",
        ChallengeName="CUSTOM_CHALLENGE",
        Session=out["Session"],
        ChallengeResponses={"USERNAME": email, "ANSWER": answer},
    )


def test_right_answer_issues_tokens(target, calls):
    email = target.signed_up()
    out = _start(target, email)
    assert out["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert out["ChallengeParameters"]["hint"] == "the answer"
    assert "answer" not in out["ChallengeParameters"]
    done = _answer(target, out, email, "42")
    assert done["AuthenticationResult"]["IdToken"]
    sources = [e["triggerSource"] for e in calls]
    assert sources == [
        "DefineAuthChallenge_Authentication",
        "CreateAuthChallenge_Authentication",
        "VerifyAuthChallengeResponse_Authentication",
        "DefineAuthChallenge_Authentication",
    ]
    last = calls[-1]["request"]
    assert last["session"] == [
        {
            "challengeName": "CUSTOM_CHALLENGE",
            "challengeResult": True,
            "challengeMetadata": "round-1",
        }
    ]
    assert last["userNotFound"] is False and last["userAttributes"]["email"] == email
    assert calls[2]["request"]["privateChallengeParameters"] == {"answer": "42"}
    assert calls[2]["request"]["challengeAnswer"] == "42"


def test_three_wrong_answers_fail_the_attempt(target):
    email = target.signed_up()
    out = _start(target, email)
    for _ in range(MAX_TRIES - 1):
        out = _answer(target, out, email, "41")
        assert out["ChallengeName"] == "CUSTOM_CHALLENGE"
    with pytest.raises(ClientError) as exc:
        _answer(target, out, email, "41")
    assert error_code(exc) == "NotAuthorizedException"


def test_a_session_cannot_be_answered_twice(target):
    email = target.signed_up()
    out = _start(target, email)
    _answer(target, out, email, "41")
    with pytest.raises(ClientError) as exc:
        _answer(target, out, email, "42")
    assert error_code(exc) == "NotAuthorizedException"


def test_unknown_user_reaches_define_with_user_not_found(target, calls):
    with pytest.raises(ClientError) as exc:
        _start(target, target.email())
    assert error_code(exc) == "NotAuthorizedException"
    assert calls[0]["request"]["userNotFound"] is True
    assert calls[0]["request"]["userAttributes"] == {}


def test_custom_auth_without_triggers_is_invalid_parameter(make_app):
    target = local(make_app)
    with pytest.raises(ClientError) as exc:
        _start(target, target.email())
    assert error_code(exc) == "InvalidParameterException"
