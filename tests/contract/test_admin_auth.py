"""AdminInitiateAuth and AdminRespondToAuthChallenge: the server-side sign-in with IAM
credentials (ADMIN_USER_PASSWORD_AUTH, ADMIN_NO_SRP_AUTH, SRP, refresh, custom auth)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from app.localpool import dispatch

from .conftest import PASSWORD, error_code
from .test_custom_auth import create, define, verify
from .test_group_claims import _payload
from .test_triggers import local

NEW_PASSWORD = "N3w-passphrase"


def _admin_sign_in(target, email: str, password: str = PASSWORD, flow="ADMIN_USER_PASSWORD_AUTH"):
    """AdminInitiateAuth with a password flow; returns the whole response."""
    return target.idp.admin_initiate_auth(
        UserPoolId=target.pool_id,
        ClientId=target.client_id,
        AuthFlow=flow,
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )


@pytest.mark.parametrize("flow", ["ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"])
def test_admin_password_flows_give_tokens_for_the_app_client(target, flow):
    email = target.signed_up()
    result = _admin_sign_in(target, email, flow=flow)["AuthenticationResult"]
    claims = _payload(result["IdToken"])
    assert claims["email"] == email and claims["aud"] == target.client_id
    assert _payload(result["AccessToken"])["client_id"] == target.client_id
    assert target.idp.get_user(AccessToken=result["AccessToken"])["Username"] == claims["sub"]
    refreshed = target.idp.admin_initiate_auth(
        UserPoolId=target.pool_id,
        ClientId=target.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]},
    )["AuthenticationResult"]
    assert _payload(refreshed["IdToken"])["sub"] == claims["sub"]


def test_a_wrong_password_and_an_unknown_user_get_the_same_refusal(target):
    email = target.signed_up()
    refusals = []
    for name, password in ((email, "Wr0ng-password"), (target.email(), PASSWORD)):
        with pytest.raises(ClientError) as exc:
            _admin_sign_in(target, name, password)
        refusals.append(exc.value.response["Error"])
    assert refusals[0]["Code"] == refusals[1]["Code"] == "NotAuthorizedException"
    assert refusals[0]["Message"] == refusals[1]["Message"]


def test_user_password_auth_is_not_an_admin_flow(target):
    with pytest.raises(ClientError) as exc:
        _admin_sign_in(target, target.signed_up(), flow="USER_PASSWORD_AUTH")
    assert error_code(exc) == "InvalidParameterException"


def test_the_admin_password_flow_needs_the_app_clients_permission(target):
    pool = target.need_local()
    pool.clients["demo"].explicit_auth_flows.remove("ALLOW_ADMIN_USER_PASSWORD_AUTH")
    email = target.signed_up()
    with pytest.raises(ClientError) as exc:
        _admin_sign_in(target, email)
    assert error_code(exc) == "InvalidParameterException"
    # The flow's legacy name in ExplicitAuthFlows allows it too.
    pool.clients["demo"].explicit_auth_flows.append("ADMIN_NO_SRP_AUTH")
    assert _admin_sign_in(target, email)["AuthenticationResult"]["IdToken"]


def test_another_pool_is_resource_not_found(target):
    email = target.signed_up()
    with pytest.raises(ClientError) as exc:
        target.idp.admin_initiate_auth(
            UserPoolId="us-east-1_nosuchpool",
            ClientId=target.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )
    assert error_code(exc) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        target.idp.admin_respond_to_auth_challenge(
            UserPoolId="us-east-1_nosuchpool",
            ClientId=target.client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session="x" * 40,
            ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": NEW_PASSWORD},
        )
    assert error_code(exc) == "ResourceNotFoundException"


def test_a_temporary_password_leads_to_new_password_required_answered_by_the_admin(target):
    email = target.email()
    target.idp.admin_create_user(
        UserPoolId=target.pool_id,
        Username=email,
        TemporaryPassword="Temp-passw0rd",
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    started = _admin_sign_in(target, email, "Temp-passw0rd")
    assert started["ChallengeName"] == "NEW_PASSWORD_REQUIRED" and started["Session"]
    answered = target.idp.admin_respond_to_auth_challenge(
        UserPoolId=target.pool_id,
        ClientId=target.client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=started["Session"],
        ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": NEW_PASSWORD},
    )
    assert _payload(answered["AuthenticationResult"]["IdToken"])["email"] == email
    assert _admin_sign_in(target, email, NEW_PASSWORD)["AuthenticationResult"]["AccessToken"]
    with pytest.raises(ClientError) as exc:  # the session was single use
        target.idp.admin_respond_to_auth_challenge(
            UserPoolId=target.pool_id,
            ClientId=target.client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=started["Session"],
            ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": NEW_PASSWORD},
        )
    assert error_code(exc) == "NotAuthorizedException"


def test_srp_through_the_admin_operations(target):
    email = target.signed_up()
    srp = AWSSRP(
        username=email,
        password=PASSWORD,
        pool_id=target.pool_id,
        client_id=target.client_id,
        client=target.idp,
    )
    started = target.idp.admin_initiate_auth(
        UserPoolId=target.pool_id,
        ClientId=target.client_id,
        AuthFlow="USER_SRP_AUTH",
        AuthParameters=srp.get_auth_params(),
    )
    assert started["ChallengeName"] == "PASSWORD_VERIFIER"
    responses = srp.process_challenge(started["ChallengeParameters"], srp.get_auth_params())
    answered = target.idp.admin_respond_to_auth_challenge(
        UserPoolId=target.pool_id,
        ClientId=target.client_id,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=responses,
    )
    assert _payload(answered["AuthenticationResult"]["IdToken"])["email"] == email


def test_custom_auth_through_the_admin_operations_names_the_app_client(make_app):
    events = []

    def spy(fn):
        """Record each trigger event, then answer as the custom-auth tests' triggers do."""

        def handler(event, context):
            events.append(event)
            return fn(event, context)

        return handler

    target = local(
        make_app,
        DefineAuthChallenge=spy(define),
        CreateAuthChallenge=spy(create),
        VerifyAuthChallengeResponse=spy(verify),
        PreTokenGeneration=spy(lambda event, context: event),
    )
    email = target.signed_up()
    started = target.idp.admin_initiate_auth(
        UserPoolId=target.pool_id,
        ClientId=target.client_id,
        AuthFlow="CUSTOM_AUTH",
        AuthParameters={"USERNAME": email},
    )
    assert started["ChallengeName"] == "CUSTOM_CHALLENGE"
    answered = target.idp.admin_respond_to_auth_challenge(
        UserPoolId=target.pool_id,
        ClientId=target.client_id,
        ChallengeName="CUSTOM_CHALLENGE",
        Session=started["Session"],
        ChallengeResponses={"USERNAME": email, "ANSWER": "42"},
    )
    assert answered["AuthenticationResult"]["IdToken"]
    sources = [event["triggerSource"] for event in events]
    assert sources == [
        "DefineAuthChallenge_Authentication",
        "CreateAuthChallenge_Authentication",
        "VerifyAuthChallengeResponse_Authentication",
        "DefineAuthChallenge_Authentication",
        "TokenGeneration_Authentication",
    ]
    # Unlike the other admin calls, these name an app client, and their events say which.
    assert {event["callerContext"]["clientId"] for event in events} == {target.client_id}


@pytest.mark.parametrize("name", ["AdminInitiateAuth", "AdminRespondToAuthChallenge"])
def test_the_admin_sign_in_needs_iam_credentials(target, name):
    pool = target.need_local()
    body = json.dumps({"UserPoolId": pool.id, "ClientId": "demo", "AuthFlow": "USER_SRP_AUTH"})
    status, _, answer = dispatch.handle(
        pool, dispatch.TARGET_PREFIX + name, body.encode(), {"Content-Type": "x"}
    )
    assert status == 400
    assert json.loads(answer)["__type"] == "MissingAuthenticationTokenException"
