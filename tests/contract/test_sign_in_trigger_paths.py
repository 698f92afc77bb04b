"""PreAuthentication and PostAuthentication on every sign-in path Cognito runs them on:
USER_AUTH's email code, passkey and chosen password, SRP, CUSTOM_AUTH, and a returning
federated identity at the OAuth2 domain; and on none of the refresh paths (local pool only:
the tests configure the pool's triggers)."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.exceptions import ClientError

from tests.conftest import code_in
from tests.passkeys import SoftAuthenticator

from .conftest import PASSWORD, error_code
from .test_passkeys import access_for, origin_of, register, request_options
from .test_passkeys import answer as passkey_answer
from .test_triggers import COMMON, local, recording
from .test_user_auth import respond, user_auth

PRE = "PreAuthentication_Authentication"
POST = "PostAuthentication_Authentication"
PRE_REQUEST = {"userAttributes", "validationData", "userNotFound"}
REFUSED = "PreAuthentication failed with error gatehouse:sign_in_refused."


@pytest.fixture
def calls():
    """The events the sign-in triggers received."""
    return []


@pytest.fixture
def target(make_app, calls):
    """A local pool whose PreAuthentication and PostAuthentication record their events."""
    return local(make_app, PreAuthentication=recording(calls), PostAuthentication=recording(calls))


def refuse(event, context):
    """A PreAuthentication that refuses every sign-in."""
    raise RuntimeError("gatehouse:sign_in_refused")


def check_pre(event, user_name: str, validation) -> None:
    """A PreAuthentication event as Cognito shapes it, for a known user of the demo client."""
    assert set(event) == COMMON and event["triggerSource"] == PRE
    assert event["userName"] == user_name and event["callerContext"]["clientId"] == "demo"
    assert set(event["request"]) == PRE_REQUEST
    assert event["request"]["validationData"] == validation
    assert event["request"]["userNotFound"] is False
    assert event["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"
    assert event["response"] == {}


def check_post(event, user_name: str, metadata) -> None:
    """A PostAuthentication event; ``metadata`` None: no ``clientMetadata`` at all."""
    assert set(event) == COMMON and event["triggerSource"] == POST
    assert event["userName"] == user_name and event["callerContext"]["clientId"] == "demo"
    expected = {"userAttributes", "newDeviceUsed"} | ({"clientMetadata"} if metadata else set())
    assert set(event["request"]) == expected
    assert event["request"]["newDeviceUsed"] is False
    assert event["request"].get("clientMetadata") == metadata
    assert event["response"] == {}


def sources(calls) -> list[str]:
    """The trigger sources received, in order."""
    return [event["triggerSource"] for event in calls]


def initiate(target, flow: str, step: str, **auth) -> dict:
    """InitiateAuth as the demo client, with ClientMetadata ``{"step": step}``."""
    return target.idp.initiate_auth(
        ClientId="demo", AuthFlow=flow, AuthParameters=auth, ClientMetadata={"step": step}
    )


def answer_challenge(target, name: str, step: str, session: str | None, **responses) -> dict:
    """RespondToAuthChallenge as the demo client, with ClientMetadata ``{"step": step}``
    (``session`` None: SRP's PASSWORD_VERIFIER, which sends none)."""
    return target.idp.respond_to_auth_challenge(
        ClientId="demo",
        ChallengeName=name,
        ChallengeResponses=responses,
        ClientMetadata={"step": step},
        **({"Session": session} if session else {}),
    )


def user_name_of(target, email: str) -> str:
    """The pool's username (the sub) of a user."""
    return target.idp.admin_get_user(UserPoolId=target.pool_id, Username=email)["Username"]


# ---- USER_AUTH: the email code --------------------------------------------------------------


def test_an_email_code_sign_in_runs_pre_when_the_code_is_sent_and_post_at_the_code(target, calls):
    email = target.signed_up()
    calls.clear()
    started = initiate(
        target, "USER_AUTH", "initiate", USERNAME=email, PREFERRED_CHALLENGE="EMAIL_OTP"
    )
    assert started["ChallengeName"] == "EMAIL_OTP"
    name = user_name_of(target, email)
    (pre,) = calls
    check_pre(pre, name, {"step": "initiate"})
    assert pre["request"]["userAttributes"]["email"] == email
    code = code_in(target.mails(email)[-1].text)
    answer_challenge(
        target, "EMAIL_OTP", "code", started["Session"], USERNAME=email, EMAIL_OTP_CODE=code
    )
    assert sources(calls) == [PRE, POST]
    check_post(calls[1], name, {"step": "code"})


def test_a_wrong_email_code_runs_no_post_authentication(target, calls):
    email = target.signed_up()
    calls.clear()
    started = user_auth(target, email, PREFERRED_CHALLENGE="EMAIL_OTP")
    with pytest.raises(ClientError):
        respond(target, started, "EMAIL_OTP", USERNAME=email, EMAIL_OTP_CODE="000000")
    assert sources(calls) == [PRE]


def test_an_email_code_chosen_later_runs_pre_then_with_initiate_auths_metadata(target, calls):
    email = target.signed_up()
    calls.clear()
    offered = initiate(target, "USER_AUTH", "initiate", USERNAME=email)
    assert offered["ChallengeName"] == "SELECT_CHALLENGE"
    assert calls == []  # offering the choice starts no factor
    started = answer_challenge(
        target, "SELECT_CHALLENGE", "select", offered["Session"], USERNAME=email, ANSWER="EMAIL_OTP"
    )
    assert started["ChallengeName"] == "EMAIL_OTP"
    (pre,) = calls
    check_pre(pre, user_name_of(target, email), {"step": "initiate"})


def test_an_unknown_address_asking_for_an_email_code_runs_pre_with_user_not_found(target, calls):
    started = user_auth(target, "nobody-otp@example.com", PREFERRED_CHALLENGE="EMAIL_OTP")
    assert started["ChallengeName"] == "EMAIL_OTP"
    (pre,) = calls
    assert pre["triggerSource"] == PRE and pre["userName"] == "nobody-otp@example.com"
    assert pre["request"]["userNotFound"] is True
    assert pre["request"]["userAttributes"] == {}
    assert pre["request"]["validationData"] is None


def test_a_pre_authentication_refusal_sends_no_email_code(make_app):
    target = local(make_app)
    email = target.signed_up()
    before = len(target.mails(email))
    refusing = local(make_app, PreAuthentication=refuse)
    with pytest.raises(ClientError) as refused:
        user_auth(refusing, email, PREFERRED_CHALLENGE="EMAIL_OTP")
    assert error_code(refused) == "UserLambdaValidationException"
    assert refused.value.response["Error"]["Message"] == REFUSED
    assert len(refusing.mails(email)) == before


# ---- USER_AUTH: a passkey -------------------------------------------------------------------


def with_passkey(target, calls) -> tuple[str, SoftAuthenticator]:
    """A user with a passkey of this pool's relying party; the events so far forgotten."""
    email = target.signed_up()
    authenticator = SoftAuthenticator()
    register(target, authenticator, access_for(target, email))
    calls.clear()
    return email, authenticator


def test_a_passkey_sign_in_runs_pre_at_the_challenge_and_post_at_the_answer(target, calls):
    email, authenticator = with_passkey(target, calls)
    started = initiate(
        target, "USER_AUTH", "initiate", USERNAME=email, PREFERRED_CHALLENGE="WEB_AUTHN"
    )
    assert started["ChallengeName"] == "WEB_AUTHN"
    name = user_name_of(target, email)
    (pre,) = calls
    check_pre(pre, name, {"step": "initiate"})
    credential = authenticator.sign_in(request_options(started), origin_of(target))
    done = answer_challenge(
        target,
        "WEB_AUTHN",
        "passkey",
        started["Session"],
        USERNAME=email,
        CREDENTIAL=json.dumps(credential),
    )
    assert done["AuthenticationResult"]["AccessToken"]
    assert sources(calls) == [PRE, POST]
    check_post(calls[1], name, {"step": "passkey"})


def test_a_pre_authentication_refusal_makes_no_passkey_challenge(make_app, calls):
    target = local(make_app)
    email, _ = with_passkey(target, calls)
    refusing = local(make_app, PreAuthentication=refuse)
    with pytest.raises(ClientError) as refused:
        user_auth(refusing, email, PREFERRED_CHALLENGE="WEB_AUTHN")
    assert error_code(refused) == "UserLambdaValidationException"
    assert refused.value.response["Error"]["Message"] == REFUSED


def test_a_post_authentication_refusal_fails_the_passkey_sign_in(make_app, calls):
    target = local(make_app)
    email, authenticator = with_passkey(target, calls)

    def audit_down(event, context):
        raise RuntimeError("audit store unavailable")

    refusing = local(make_app, PostAuthentication=audit_down)
    started = user_auth(refusing, email, PREFERRED_CHALLENGE="WEB_AUTHN")
    credential = authenticator.sign_in(request_options(started), origin_of(refusing))
    with pytest.raises(ClientError) as refused:
        passkey_answer(refusing, started, email, credential)
    assert error_code(refused) == "UserLambdaValidationException"
    assert "PostAuthentication failed with error audit store" in str(refused.value)


# ---- USER_AUTH and SRP: passwords -----------------------------------------------------------


def test_a_password_chosen_later_gives_post_the_choosing_calls_metadata(target, calls):
    email = target.signed_up()
    calls.clear()
    offered = initiate(target, "USER_AUTH", "initiate", USERNAME=email)
    answer_challenge(
        target,
        "SELECT_CHALLENGE",
        "select",
        offered["Session"],
        USERNAME=email,
        ANSWER="PASSWORD",
        PASSWORD=PASSWORD,
    )
    name = user_name_of(target, email)
    assert sources(calls) == [PRE, POST]
    check_pre(calls[0], name, {"step": "initiate"})
    check_post(calls[1], name, {"step": "select"})


def test_srp_gives_post_the_password_verifiers_metadata(target, calls):
    from pycognito.aws_srp import AWSSRP

    email = target.signed_up()
    calls.clear()
    srp = AWSSRP(
        username=email,
        password=PASSWORD,
        pool_id=target.pool_id,
        client_id="demo",
        client=target.idp,
    )
    started = initiate(target, "USER_SRP_AUTH", "initiate", **srp.get_auth_params())
    claim = srp.process_challenge(started["ChallengeParameters"], srp.get_auth_params())
    answer_challenge(target, "PASSWORD_VERIFIER", "verifier", None, **claim)
    name = user_name_of(target, email)
    assert sources(calls) == [PRE, POST]
    check_pre(calls[0], name, {"step": "initiate"})
    check_post(calls[1], name, {"step": "verifier"})


# ---- CUSTOM_AUTH (magic links, session proofs) ----------------------------------------------


def test_custom_auth_runs_pre_at_the_start_and_post_at_the_last_answer(make_app, calls):
    def define(event, context):
        """One custom challenge, then tokens if it was answered right."""
        session = event["request"]["session"]
        if session and session[-1]["challengeResult"]:
            event["response"].update(issueTokens=True, failAuthentication=False)
        elif session:
            event["response"].update(issueTokens=False, failAuthentication=True)
        else:
            event["response"]["challengeName"] = "CUSTOM_CHALLENGE"
        return event

    def create(event, context):
        """A challenge whose answer is "open sesame"."""
        event["response"]["privateChallengeParameters"] = {"answer": "open sesame"}
        return event

    def verify(event, context):
        """Right when the answer is the private one."""
        expected = event["request"]["privateChallengeParameters"]["answer"]
        event["response"]["answerCorrect"] = event["request"]["challengeAnswer"] == expected
        return event

    target = local(
        make_app,
        DefineAuthChallenge=define,
        CreateAuthChallenge=create,
        VerifyAuthChallengeResponse=verify,
        PreAuthentication=recording(calls),
        PostAuthentication=recording(calls),
    )
    email = target.signed_up()
    calls.clear()
    started = initiate(target, "CUSTOM_AUTH", "initiate", USERNAME=email)
    name = user_name_of(target, email)
    (pre,) = calls
    check_pre(pre, name, {"step": "initiate"})
    answer_challenge(
        target,
        "CUSTOM_CHALLENGE",
        "answer",
        started["Session"],
        USERNAME=email,
        ANSWER="open sesame",
    )
    assert sources(calls) == [PRE, POST]
    check_post(calls[1], name, {"step": "answer"})


# ---- refreshes ------------------------------------------------------------------------------


def test_no_refresh_runs_pre_or_post_authentication(target, calls):
    email = target.signed_up()
    refresh = target.sign_in(email)["RefreshToken"]
    calls.clear()
    target.idp.initiate_auth(
        ClientId="demo", AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh}
    )
    target.idp.get_tokens_from_refresh_token(ClientId="demo", RefreshToken=refresh)
    assert calls == []


# ---- a federated identity at the OAuth2 domain ----------------------------------------------


def provider_sign_in(http, pool, email: str):
    """Sign in at the simulated Google provider of the demo client; returns the redirect back."""
    callback = pool.clients["demo"].callback_urls[0]
    page = http.get(
        "/_localpool/oauth2/authorize",
        query_string={
            "client_id": "demo",
            "redirect_uri": callback,
            "response_type": "code",
            "identity_provider": "Google",
            "prompt": "login",
        },
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    form = {
        name: re.search(rf'name="{name}"[^>]*value="([^"]+)"', html).group(1)
        for name in ("request_id", "csrf_token")
    }
    return http.post(
        "/_localpool/oauth2/authorize", data={**form, "email": email, "action": "continue"}
    )


def domain_app(make_app, **lambda_config):
    """An app whose local pool runs these triggers, and its pool."""
    app = make_app(localpool={"lambda_config": lambda_config})
    return app, app.extensions["gatehouse.localpool"]


def test_a_returning_federated_identity_runs_pre_and_post_authentication(make_app, calls):
    app, pool = domain_app(
        make_app, PreAuthentication=recording(calls), PostAuthentication=recording(calls)
    )
    http = app.test_client()
    first = provider_sign_in(http, pool, "fed-returning@example.com")
    assert "code" in parse_qs(urlsplit(first.location).query)
    assert calls == []  # a first sign-in runs PreSignUp and PostConfirmation instead
    again = provider_sign_in(http, pool, "fed-returning@example.com")
    assert "code" in parse_qs(urlsplit(again.location).query)
    assert sources(calls) == [PRE, POST]
    pre, post = calls
    assert set(pre) == COMMON and set(post) == COMMON
    assert pre["userName"] == post["userName"] and pre["userName"].startswith("Google_")
    assert pre["callerContext"]["clientId"] == "demo"
    assert set(pre["request"]) == PRE_REQUEST
    assert pre["request"]["validationData"] is None and pre["request"]["userNotFound"] is False
    attributes = pre["request"]["userAttributes"]
    assert attributes["email"] == "fed-returning@example.com"
    assert attributes["cognito:user_status"] == "EXTERNAL_PROVIDER"
    assert set(post["request"]) == {"userAttributes", "newDeviceUsed"}
    assert post["request"]["newDeviceUsed"] is False


def test_a_refused_federated_sign_in_comes_back_with_cognitos_error(make_app):
    app, pool = domain_app(make_app)
    provider_sign_in(app.test_client(), pool, "fed-refused@example.com")
    app, pool = domain_app(make_app, PreAuthentication=refuse)
    back = provider_sign_in(app.test_client(), pool, "fed-refused@example.com")
    answer = parse_qs(urlsplit(back.location).query)
    assert "code" not in answer
    assert answer["error"] == ["invalid_request"]
    assert answer["error_description"] == [REFUSED + " "]
