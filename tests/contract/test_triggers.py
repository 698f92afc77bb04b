"""Lambda triggers, run in process with Cognito-shaped events (local pool only)."""

from __future__ import annotations

import copy

import pytest
from botocore.exceptions import ClientError

from .conftest import PASSWORD, error_code

COMMON = {
    "version",
    "triggerSource",
    "region",
    "userPoolId",
    "userName",
    "callerContext",
    "request",
    "response",
}


@pytest.fixture
def calls():
    """The events each test trigger received."""
    return []


def recording(calls, answer=None):
    """A trigger handler that records its event and sets ``answer`` in the response."""

    def handler(event, context):
        assert context.aws_request_id and context.get_remaining_time_in_millis() > 0
        calls.append(event)
        event["response"].update(answer or {})
        return event

    return handler


def local(make_app, **lambda_config):
    """A local-pool target whose pool runs these triggers."""
    from app.mail.outbox import Outbox

    from .conftest import Target, check_response_shapes

    app = make_app(aws_max_attempts=1, localpool={"lambda_config": lambda_config})
    pool = app.extensions["gatehouse.localpool"]
    check_response_shapes(app.extensions["gatehouse.userpool"].client)
    return Target(
        app.extensions["gatehouse.userpool"].client,
        pool.id,
        "demo",
        Outbox(pool.mail.outbox.directory),
        pool,
    )


def test_pre_sign_up_event_and_auto_confirm(make_app, calls):
    target = local(
        make_app, PreSignUp=recording(calls, {"autoConfirmUser": True, "autoVerifyEmail": True})
    )
    email = target.email()
    out = target.idp.sign_up(
        ClientId="demo",
        Username=email,
        Password=PASSWORD,
        ValidationData=[{"Name": "k", "Value": "v"}],
        ClientMetadata={"app": "demo"},
    )
    assert out["UserConfirmed"] is True and "CodeDeliveryDetails" not in out
    event = calls[0]
    assert set(event) == COMMON
    assert event["triggerSource"] == "PreSignUp_SignUp"
    assert event["callerContext"]["clientId"] == "demo"
    assert event["request"]["userAttributes"]["email"] == email
    assert event["request"]["validationData"] == {"k": "v"}
    assert event["request"]["clientMetadata"] == {"app": "demo"}
    assert set(event["response"]) == {"autoConfirmUser", "autoVerifyEmail", "autoVerifyPhone"}
    assert target.mails(email) == []
    assert target.sign_in(email)["AccessToken"]


def test_a_failing_pre_sign_up_is_user_lambda_validation(make_app):
    def refuse(event, context):
        raise ValueError("disposable addresses are not accepted")

    target = local(make_app, PreSignUp=refuse)
    email = target.email()
    with pytest.raises(ClientError) as exc:
        target.idp.sign_up(ClientId="demo", Username=email, Password=PASSWORD)
    assert error_code(exc) == "UserLambdaValidationException"
    assert "PreSignUp failed with error disposable" in exc.value.response["Error"]["Message"]
    with pytest.raises(ClientError):
        target.idp.admin_get_user(UserPoolId=target.pool_id, Username=email)


def test_an_invalid_trigger_response_is_invalid_lambda_response(make_app):
    target = local(make_app, PreSignUp=lambda event, context: None)
    with pytest.raises(ClientError) as exc:
        target.idp.sign_up(ClientId="demo", Username=target.email(), Password=PASSWORD)
    assert error_code(exc) == "InvalidLambdaResponseException"


def test_post_confirmation_runs_on_confirm_and_on_reset(make_app, calls):
    target = local(make_app, PostConfirmation=recording(calls))
    email = target.signed_up()
    target.idp.forgot_password(ClientId="demo", Username=email)
    target.idp.confirm_forgot_password(
        ClientId="demo",
        Username=email,
        ConfirmationCode=target.last_code(email),
        Password="N3w-password!",
    )
    assert [e["triggerSource"] for e in calls] == [
        "PostConfirmation_ConfirmSignUp",
        "PostConfirmation_ConfirmForgotPassword",
    ]
    assert calls[0]["request"]["userAttributes"]["email_verified"] == "true"


def test_custom_message_shapes_every_email(make_app, calls):
    def message(event, context):
        calls.append(event)
        code = event["request"]["codeParameter"]
        event["response"]["emailSubject"] = f"Custom {event['triggerSource']}"
        event["response"]["emailMessage"] = f"<p>Hello, your code is <b>{code}</b></p>"
        return event

    target = local(make_app, CustomMessage=message)
    email = target.email()
    target.idp.sign_up(ClientId="demo", Username=email, Password=PASSWORD)
    target.idp.resend_confirmation_code(ClientId="demo", Username=email)
    target.idp.confirm_sign_up(
        ClientId="demo", Username=email, ConfirmationCode=target.last_code(email)
    )
    target.idp.forgot_password(ClientId="demo", Username=email)
    access = target.sign_in(email)["AccessToken"]
    new = target.email()
    target.idp.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "email", "Value": new}]
    )
    target.idp.get_user_attribute_verification_code(AccessToken=access, AttributeName="email")
    invited = target.email()
    target.idp.admin_create_user(UserPoolId=target.pool_id, Username=invited)
    sources = [e["triggerSource"] for e in calls]
    assert sources == [
        "CustomMessage_SignUp",
        "CustomMessage_ResendCode",
        "CustomMessage_ForgotPassword",
        "CustomMessage_UpdateUserAttribute",
        "CustomMessage_VerifyUserAttribute",
        "CustomMessage_AdminCreateUser",
    ]
    assert calls[-1]["request"]["usernameParameter"] == "{username}"
    assert calls[0]["request"]["usernameParameter"] is None
    assert all(e["request"]["codeParameter"] == "{####}" for e in calls)
    mail = target.mails(new)[-1]
    assert mail.subject == "Custom CustomMessage_VerifyUserAttribute"
    assert "<b>" in mail.html and "<b>" not in mail.text and target.last_code(new) in mail.text


def test_pre_token_generation_adds_and_suppresses_claims(make_app, calls):
    def shape(event, context):
        calls.append(event)
        event["response"]["claimsOverrideDetails"] = {
            "claimsToAddOrOverride": {"tenant": "acme"},
            "claimsToSuppress": ["email_verified"],
        }
        return event

    target = local(make_app, PreTokenGeneration=shape)
    email = target.signed_up()
    tokens = target.sign_in(email)
    from joserfc import jwt
    from joserfc.jwk import KeySet

    claims = jwt.decode(tokens["IdToken"], KeySet.import_key_set(target.local.signer.jwks())).claims
    assert claims["tenant"] == "acme" and "email_verified" not in claims
    assert calls[0]["triggerSource"] == "TokenGeneration_Authentication"
    target.idp.initiate_auth(
        ClientId="demo",
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
    )
    assert calls[-1]["triggerSource"] == "TokenGeneration_RefreshTokens"


def test_a_trigger_named_by_import_path(make_app):
    target = local(make_app, PreSignUp="tests.contract.sample_triggers:auto_confirm")
    email = target.email()
    out = target.idp.sign_up(ClientId="demo", Username=email, Password=PASSWORD)
    assert out["UserConfirmed"] is True
    described = target.idp.describe_user_pool(UserPoolId=target.pool_id)["UserPool"]
    assert "PreSignUp" in described["LambdaConfig"]


def test_events_carry_cognitos_read_only_attributes(make_app, calls):
    target = local(
        make_app,
        CustomMessage=recording(calls),
        PostConfirmation=recording(calls),
        PreTokenGeneration=recording(calls),
    )
    email = target.email()
    target.idp.sign_up(ClientId="demo", Username=email, Password=PASSWORD)
    target.idp.confirm_sign_up(
        ClientId="demo", Username=email, ConfirmationCode=target.last_code(email)
    )
    target.sign_in(email)
    invited = target.email()
    target.idp.admin_create_user(UserPoolId=target.pool_id, Username=invited)
    seen = {
        e["triggerSource"]: {k: v for k, v in e["request"]["userAttributes"].items() if k != "sub"}
        for e in calls
    }
    assert seen == {
        "CustomMessage_SignUp": {
            "email": email,
            "email_verified": "false",
            "cognito:user_status": "UNCONFIRMED",
            "cognito:email_alias": email,
        },
        "PostConfirmation_ConfirmSignUp": {
            "email": email,
            "email_verified": "true",
            "cognito:user_status": "CONFIRMED",
            "cognito:email_alias": email,
        },
        "TokenGeneration_Authentication": {
            "email": email,
            "email_verified": "true",
            "cognito:user_status": "CONFIRMED",
            "cognito:email_alias": email,
        },
        "CustomMessage_AdminCreateUser": {
            "email": invited,
            "email_verified": "false",
            "cognito:user_status": "FORCE_CHANGE_PASSWORD",
            "cognito:email_alias": invited,
        },
    }
    assert all(e["request"]["userAttributes"]["sub"] for e in calls)


def test_a_federated_user_is_external_provider_with_no_email_alias(make_app):
    from app.localpool import federation

    pool = local(make_app).local
    claims = {"sub": "1234", "email": "fed@example.com", "email_verified": "true", "name": "F"}
    with pool.db.transaction() as conn:
        user = federation.sign_in(pool, conn, "Google", claims, pool.clients["demo"])
    attributes = pool.trigger_attributes(user)
    assert attributes["cognito:user_status"] == "EXTERNAL_PROVIDER"
    assert "cognito:email_alias" not in attributes
    assert attributes["email"] == "fed@example.com" and attributes["sub"] == user["sub"]


def test_a_pending_email_change_does_not_move_the_alias(make_app):
    target = local(make_app)
    email = target.signed_up()
    access = target.sign_in(email)["AccessToken"]
    target.idp.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "email", "Value": target.email()}]
    )
    with target.local.db.transaction() as conn:
        user = target.local.find_user(conn, email)
    assert target.local.trigger_attributes(user)["cognito:email_alias"] == email


def _claims(target, token: str) -> dict:
    """A token's claims, checked with the pool's keys."""
    from joserfc import jwt
    from joserfc.jwk import KeySet

    return jwt.decode(token, KeySet.import_key_set(target.local.signer.jwks())).claims


def test_pre_token_generation_v2_events_shape_both_tokens(make_app, calls):
    """With ``PreTokenGenerationConfig.LambdaVersion = V2_0`` the pool sends Cognito's version 2
    event (``scopes``; ``claimsAndScopeOverrideDetails``) and applies its answer to both tokens."""

    def shape(event, context):
        calls.append(copy.deepcopy(event))
        event["response"]["claimsAndScopeOverrideDetails"] = {
            "idTokenGeneration": {
                "claimsToAddOrOverride": {"tenant": "acme", "nonce": "forged"},
                "claimsToSuppress": ["email_verified"],
            },
            "accessTokenGeneration": {
                "claimsToAddOrOverride": {"plan": "gold"},
                "claimsToSuppress": [],
                "scopesToAdd": ["openid", "email"],
                "scopesToSuppress": ["aws.cognito.signin.user.admin"],
            },
            "groupOverrideDetails": {"groupsToOverride": ["staff"]},
        }
        return event

    target = local(make_app, PreTokenGenerationConfig={"LambdaVersion": "V2_0", "LambdaArn": shape})
    tokens = target.sign_in(target.signed_up())
    event = calls[0]
    assert event["version"] == "2" and event["triggerSource"] == "TokenGeneration_Authentication"
    assert event["request"]["scopes"] == ["aws.cognito.signin.user.admin"]
    assert set(event["request"]["groupConfiguration"]) == {
        "groupsToOverride",
        "iamRolesToOverride",
        "preferredRole",
    }
    assert "clientMetadata" not in event["request"]  # InitiateAuth passes none to this trigger
    assert event["response"] == {"claimsAndScopeOverrideDetails": None}
    id_claims, access = _claims(target, tokens["IdToken"]), _claims(target, tokens["AccessToken"])
    assert id_claims["tenant"] == "acme" and "email_verified" not in id_claims
    assert "nonce" not in id_claims  # no trigger sets the nonce, as on Cognito
    assert access["scope"] == "openid email" and access["plan"] == "gold"
    assert id_claims["cognito:groups"] == access["cognito:groups"] == ["staff"]
    with pytest.raises(ClientError) as refused:
        target.idp.get_user(AccessToken=tokens["AccessToken"])
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_respond_to_auth_challenge_passes_its_client_metadata_to_pre_token_generation(
    make_app, calls
):
    def define(event, context):
        session = event["request"]["session"]
        if session and session[-1]["challengeResult"]:
            event["response"].update(issueTokens=True, failAuthentication=False)
        else:
            event["response"].update(challengeName="CUSTOM_CHALLENGE", issueTokens=False)
        return event

    def create(event, context):
        event["response"].update(publicChallengeParameters={"q": "?"}, challengeMetadata="Q")
        return event

    def verify(event, context):
        event["response"]["answerCorrect"] = event["request"]["challengeAnswer"] == "right"
        return event

    target = local(
        make_app,
        DefineAuthChallenge=define,
        CreateAuthChallenge=create,
        VerifyAuthChallengeResponse=verify,
        PreTokenGenerationConfig={"LambdaVersion": "V2_0", "LambdaArn": recording(calls)},
    )
    email = target.signed_up()
    start = target.idp.initiate_auth(
        ClientId="demo",
        AuthFlow="CUSTOM_AUTH",
        AuthParameters={"USERNAME": email},
        ClientMetadata={"from": "initiate"},
    )
    target.idp.respond_to_auth_challenge(
        ClientId="demo",
        ChallengeName="CUSTOM_CHALLENGE",
        Session=start["Session"],
        ChallengeResponses={"USERNAME": email, "ANSWER": "right"},
        ClientMetadata={"from": "respond"},
    )
    assert calls[-1]["request"]["clientMetadata"] == {"from": "respond"}


def test_initiate_auth_refuses_a_federated_user(make_app):
    target = local(
        make_app,
        DefineAuthChallenge="app.triggers.magic_link:define_handler",
        CreateAuthChallenge="app.triggers.magic_link:create_handler",
        VerifyAuthChallengeResponse="app.triggers.magic_link:verify_handler",
    )
    with target.local.db.transaction() as conn:
        target.local.new_user(
            conn,
            "fed@example.com",
            {"email_verified": "true"},
            None,
            "EXTERNAL_PROVIDER",
            username="Google_1234567890",
            native=False,
        )
    for flow, params in (
        ("USER_PASSWORD_AUTH", {"PASSWORD": "Whatever-1"}),
        ("CUSTOM_AUTH", {}),
    ):
        with pytest.raises(ClientError) as refused:
            target.idp.initiate_auth(
                ClientId="demo",
                AuthFlow=flow,
                AuthParameters={"USERNAME": "Google_1234567890", **params},
            )
        assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
        assert "federated IdP" in refused.value.response["Error"]["Message"]
