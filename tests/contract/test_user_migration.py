"""The UserMigration trigger: unknown users migrated at sign-in and at ForgotPassword (local pool
only: the tests configure the pool's triggers)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import PASSWORD, error_code
from .test_triggers import COMMON, local

LEGACY_PASSWORD = "Legacy-pass1"
RESPONSE_KEYS = {
    "userAttributes",
    "finalUserStatus",
    "messageAction",
    "desiredDeliveryMediums",
    "forceAliasCreation",
    "enableSMSMFA",
}


class Legacy:
    """A legacy directory as a UserMigration handler: one known user and its password."""

    def __init__(self, email: str, **answer) -> None:
        self.email = email
        self.answer = answer
        self.events: list[dict] = []

    def __call__(self, event, context):
        """Migrate the known user when the password (if asked) is theirs; else answer empty."""
        self.events.append(event)
        request = event["request"]
        known = event["userName"].lower() == self.email
        if event["triggerSource"] == "UserMigration_Authentication":
            known = known and request["password"] == LEGACY_PASSWORD
        if known:
            event["response"]["userAttributes"] = {
                "email": self.email,
                "email_verified": "true",
                "name": "Legacy Person",
            }
            event["response"].update(self.answer)
        return event


def migrating(make_app, legacy, **triggers):
    """A local-pool target whose UserMigration trigger is ``legacy``."""
    return local(make_app, UserMigration=legacy, **triggers)


def sign_in(target, email, password=LEGACY_PASSWORD, **extra):
    """USER_PASSWORD_AUTH as the demo client."""
    return target.idp.initiate_auth(
        ClientId="demo",
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
        **extra,
    )


def test_an_unknown_user_is_migrated_at_sign_in_once(make_app):
    email = "legacy-one@example.com"
    legacy = Legacy(email, finalUserStatus="CONFIRMED", messageAction="SUPPRESS")
    target = migrating(make_app, legacy)
    out = sign_in(target, email, ClientMetadata={"app": "demo"})
    assert out["AuthenticationResult"]["IdToken"]
    event = legacy.events[0]
    assert set(event) == COMMON
    assert event["triggerSource"] == "UserMigration_Authentication"
    assert event["userName"] == email
    assert event["callerContext"]["clientId"] == "demo"
    assert event["request"] == {"password": LEGACY_PASSWORD, "validationData": {"app": "demo"}}
    assert set(event["response"]) == RESPONSE_KEYS
    user = target.idp.admin_get_user(UserPoolId=target.pool_id, Username=email)
    assert user["UserStatus"] == "CONFIRMED"
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["name"] == "Legacy Person" and attributes["email_verified"] == "true"
    # The second sign-in is the pool's own, with the password the migration kept.
    assert sign_in(target, email)["AuthenticationResult"]["AccessToken"]
    assert len(legacy.events) == 1
    with pytest.raises(ClientError) as wrong:
        sign_in(target, email, "Wrong-pass1")
    assert error_code(wrong) == "NotAuthorizedException"
    assert len(legacy.events) == 1


def test_a_migrated_user_can_sign_in_with_srp_afterwards(make_app):
    email = "legacy-srp@example.com"
    target = migrating(make_app, Legacy(email))
    sign_in(target, email)
    assert target.srp(email, LEGACY_PASSWORD).authenticate_user()["AuthenticationResult"][
        "AccessToken"
    ]


def test_srp_never_calls_the_trigger(make_app):
    email = "legacy-srp-only@example.com"
    legacy = Legacy(email)
    target = migrating(make_app, legacy)
    with pytest.raises(ClientError) as refused:
        target.srp(email, LEGACY_PASSWORD).authenticate_user()
    assert error_code(refused) == "NotAuthorizedException"
    assert legacy.events == []


def test_an_empty_answer_looks_like_any_unknown_user(make_app):
    email = "legacy-empty@example.com"
    legacy = Legacy(email)
    target = migrating(make_app, legacy)
    with pytest.raises(ClientError) as wrong:
        sign_in(target, email, "Not-the-legacy1")
    assert error_code(wrong) == "NotAuthorizedException"
    assert wrong.value.response["Error"]["Message"] == "Incorrect username or password."
    assert len(legacy.events) == 1
    with pytest.raises(ClientError) as unknown:
        target.idp.admin_get_user(UserPoolId=target.pool_id, Username=email)
    assert error_code(unknown) == "UserNotFoundException"


def test_a_raising_trigger_is_user_migration_failed(make_app):
    def refuse(event, context):
        raise RuntimeError("gatehouse:legacy_disabled")

    target = migrating(make_app, refuse)
    with pytest.raises(ClientError) as refused:
        sign_in(target, "legacy-disabled@example.com")
    assert error_code(refused) == "UserLambdaValidationException"
    message = refused.value.response["Error"]["Message"]
    assert message == "UserMigration failed with error gatehouse:legacy_disabled."


@pytest.mark.parametrize(
    "answer",
    [
        {"finalUserStatus": "UNCONFIRMED"},
        {"messageAction": "SEND"},
        {"desiredDeliveryMediums": ["PIGEON"]},
    ],
)
def test_an_answer_cognito_cannot_use_is_refused(make_app, answer):
    email = "legacy-bad@example.com"
    target = migrating(make_app, Legacy(email, **answer))
    with pytest.raises(ClientError) as refused:
        sign_in(target, email)
    assert error_code(refused) == "UserNotFoundException"
    assert (
        "Exception migrating user in app client demo" in refused.value.response["Error"]["Message"]
    )


def test_reset_required_migrates_and_asks_for_a_new_password(make_app):
    email = "legacy-reset@example.com"
    target = migrating(make_app, Legacy(email, finalUserStatus="RESET_REQUIRED"))
    with pytest.raises(ClientError) as reset:
        sign_in(target, email)
    assert error_code(reset) == "PasswordResetRequiredException"
    user = target.idp.admin_get_user(UserPoolId=target.pool_id, Username=email)
    assert user["UserStatus"] == "RESET_REQUIRED"


def test_forgot_password_migrates_an_unknown_user_and_sends_a_code(make_app):
    email = "legacy-forgot@example.com"
    legacy = Legacy(email)
    target = migrating(make_app, legacy)
    out = target.idp.forgot_password(ClientId="demo", Username=email, ClientMetadata={"lang": "fr"})
    assert out["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    event = legacy.events[0]
    assert event["triggerSource"] == "UserMigration_ForgotPassword"
    assert event["request"] == {"clientMetadata": {"lang": "fr"}}
    user = target.idp.admin_get_user(UserPoolId=target.pool_id, Username=email)
    assert user["UserStatus"] == "RESET_REQUIRED"
    target.idp.confirm_forgot_password(
        ClientId="demo", Username=email, ConfirmationCode=target.last_code(email), Password=PASSWORD
    )
    assert sign_in(target, email, PASSWORD)["AuthenticationResult"]["AccessToken"]
    assert len(legacy.events) == 1


def test_forgot_password_for_someone_the_legacy_directory_lacks_sends_nothing(make_app):
    legacy = Legacy("someone-else@example.com")
    target = migrating(make_app, legacy)
    email = "legacy-nobody@example.com"
    out = target.idp.forgot_password(ClientId="demo", Username=email)
    assert out["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert target.mails(email) == []
    assert len(legacy.events) == 1


def test_a_migrated_user_gets_the_welcome_email_unless_suppressed(make_app):
    """Cognito sends its welcome message unless messageAction is SUPPRESS, by email when
    desiredDeliveryMediums names EMAIL (and by SMS, which the local pool has not, without it)."""
    cases = {
        "legacy-welcome@example.com": {"desiredDeliveryMediums": ["EMAIL"]},
        "legacy-welcome-both@example.com": {"desiredDeliveryMediums": ["SMS", "EMAIL"]},
        "legacy-hush@example.com": {
            "desiredDeliveryMediums": ["EMAIL"],
            "messageAction": "SUPPRESS",
        },
        "legacy-by-sms@example.com": {},
        "legacy-sms-only@example.com": {"desiredDeliveryMediums": ["SMS"]},
    }
    for email, answer in cases.items():
        target = migrating(make_app, Legacy(email, **answer))
        assert sign_in(target, email)["AuthenticationResult"]["AccessToken"]
        mails = target.mails(email)
        if "EMAIL" in answer.get("desiredDeliveryMediums", []) and "messageAction" not in answer:
            (welcome,) = mails
            assert welcome.subject == "Welcome"
            assert f"your username is {email}" in welcome.text
            assert "password" not in welcome.text  # the legacy password stays the person's
        else:
            assert mails == [], email
        # A second sign-in is the pool's own: no second welcome.
        sign_in(target, email)
        assert len(target.mails(email)) == len(mails)


def test_the_welcome_email_goes_through_the_custom_message_trigger(make_app):
    email = "legacy-custom-welcome@example.com"
    events = []

    def custom_message(event, context):
        events.append(event)
        event["response"]["emailSubject"] = "Your account moved"
        event["response"]["emailMessage"] = f"Hello {event['request']['usernameParameter']}"
        return event

    legacy = Legacy(email, desiredDeliveryMediums=["EMAIL"])
    target = migrating(make_app, legacy, CustomMessage=custom_message)
    sign_in(target, email, ClientMetadata={"lang": "de"})
    (event,) = events
    assert event["triggerSource"] == "CustomMessage_AdminCreateUser"
    assert event["callerContext"]["clientId"] == "demo"
    assert event["request"]["usernameParameter"] == "{username}"
    assert event["request"]["codeParameter"] == "{####}"
    assert event["request"]["clientMetadata"] == {"lang": "de"}
    assert event["request"]["userAttributes"]["email"] == email
    (mail,) = target.mails(email)
    assert mail.subject == "Your account moved" and f"Hello {email}" in mail.text


def test_a_user_migrated_at_forgot_password_gets_the_welcome_and_the_code(make_app):
    email = "legacy-forgot-welcome@example.com"
    target = migrating(make_app, Legacy(email, desiredDeliveryMediums=["EMAIL"]))
    target.idp.forgot_password(ClientId="demo", Username=email)
    welcome, reset = target.mails(email)
    assert welcome.subject == "Welcome" and "reset code" in reset.subject
    target.idp.confirm_forgot_password(
        ClientId="demo", Username=email, ConfirmationCode=target.last_code(email), Password=PASSWORD
    )
    assert sign_in(target, email, PASSWORD)["AuthenticationResult"]["AccessToken"]


def test_a_known_user_never_calls_the_trigger(make_app):
    legacy = Legacy("not-this-one@example.com")
    target = migrating(make_app, legacy)
    email = target.signed_up()
    assert target.sign_in(email)["AccessToken"]
    target.idp.forgot_password(ClientId="demo", Username=email)
    assert legacy.events == []


def test_the_example_handler_is_configured_like_any_trigger(make_app, monkeypatch):
    from app.triggers import user_migration

    calls = []

    def fake_request(method, url, body, timeout):
        calls.append((method, url, body, timeout))
        return 200, {"email": "ex@example.com", "status": "active", "name": "Ex"}

    monkeypatch.setattr(user_migration, "_request", fake_request)
    monkeypatch.setenv("GATEHOUSE_LEGACY_URL", "http://127.0.0.1:9/legacy")
    target = migrating(make_app, user_migration.handler)
    assert sign_in(target, "ex@example.com")["AuthenticationResult"]["IdToken"]
    method, url, body, timeout = calls[0]
    assert (method, url) == ("POST", "http://127.0.0.1:9/legacy/authenticate")
    assert body == {"email": "ex@example.com", "password": LEGACY_PASSWORD}
    assert timeout < 5


def test_the_admin_password_flow_migrates_too(make_app):
    """AdminInitiateAuth with ADMIN_USER_PASSWORD_AUTH sees the password, so Cognito migrates on
    it as on USER_PASSWORD_AUTH (its ClientMetadata the event's validationData)."""
    email = "legacy-admin@example.com"
    legacy = Legacy(email, finalUserStatus="CONFIRMED", messageAction="SUPPRESS")
    target = migrating(make_app, legacy)
    out = target.idp.admin_initiate_auth(
        UserPoolId=target.pool_id,
        ClientId="demo",
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": LEGACY_PASSWORD},
        ClientMetadata={"app": "admin"},
    )
    assert out["AuthenticationResult"]["IdToken"]
    (event,) = legacy.events
    assert event["triggerSource"] == "UserMigration_Authentication"
    assert event["request"] == {"password": LEGACY_PASSWORD, "validationData": {"app": "admin"}}
    assert target.idp.admin_get_user(UserPoolId=target.pool_id, Username=email)


def test_the_example_handler_never_refuses_a_reset_when_the_legacy_api_is_down(
    make_app, monkeypatch
):
    """ForgotPassword for an address the pool lacks gets the answer any address gets even when
    the legacy API cannot be reached: a refusal would tell the pool lacks it."""
    from app.triggers import user_migration

    def unreachable(method, url, body, timeout):
        raise TimeoutError("timed out")

    monkeypatch.setattr(user_migration, "_request", unreachable)
    monkeypatch.setenv("GATEHOUSE_LEGACY_URL", "http://127.0.0.1:9/legacy")
    target = migrating(make_app, user_migration.handler)
    known = target.signed_up()
    unknown = "legacy-down@example.com"
    answers = [
        target.idp.forgot_password(ClientId="demo", Username=email)["CodeDeliveryDetails"]
        for email in (known, unknown)
    ]
    assert answers[0]["DeliveryMedium"] == answers[1]["DeliveryMedium"] == "EMAIL"
    assert target.mails(unknown) == []
    # At sign-in the outage is said (a 503 page with Retry-After): the person must retry.
    with pytest.raises(ClientError) as down:
        sign_in(target, unknown)
    assert "gatehouse:legacy_unavailable" in down.value.response["Error"]["Message"]


def test_the_example_handler_gives_up_on_a_slow_answer_in_its_timeout(make_app, monkeypatch):
    """A legacy API that answers too slowly in all (though each socket wait is short) is the
    legacy_unavailable refusal within the timeout, never a trigger outliving Cognito's 5 s."""
    import time

    from app.triggers import user_migration

    def dripping(method, url, body, timeout):
        time.sleep(timeout * 5)  # as many short waits as a dripped answer takes
        return 200, {"email": "slow@example.com", "status": "active"}

    monkeypatch.setattr(user_migration, "_request", dripping)
    monkeypatch.setenv("GATEHOUSE_LEGACY_URL", "http://127.0.0.1:9/legacy")
    monkeypatch.setenv("GATEHOUSE_LEGACY_TIMEOUT", "0.2")
    target = migrating(make_app, user_migration.handler)
    started = time.monotonic()
    with pytest.raises(ClientError) as down:
        sign_in(target, "slow@example.com")
    assert time.monotonic() - started < 0.2 * 4
    assert "gatehouse:legacy_unavailable" in down.value.response["Error"]["Message"]


@pytest.mark.parametrize(
    "answer",
    [
        OSError("connection refused"),
        (500, None),
        (200, {"status": "disabled"}),
        (200, {"status": "active"}),
    ],
    ids=["unreachable", "failing", "refused", "migrated"],
)
def test_the_example_handler_logs_no_password(make_app, monkeypatch, caplog, answer):
    """Whatever the legacy API answers, the password typed is in no log line."""
    import logging

    from app.triggers import user_migration

    def legacy_api(method, url, body, timeout):
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(user_migration, "_request", legacy_api)
    monkeypatch.setenv("GATEHOUSE_LEGACY_URL", "http://127.0.0.1:9/legacy")
    target = migrating(make_app, user_migration.handler)
    caplog.set_level(logging.DEBUG, logger="app")  # Gatehouse's and the local pool's lines
    try:
        sign_in(target, "logged@example.com")
    except ClientError:
        pass
    ours = [caplog.handler.format(r) for r in caplog.records if r.name.startswith("app")]
    assert ours or answer == (200, {"status": "active"})  # a failure is logged
    assert not [line for line in ours if LEGACY_PASSWORD in line]
