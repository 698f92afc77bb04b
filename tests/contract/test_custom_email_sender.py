"""CustomEmailSender: the local pool encrypts the code as Cognito does and runs this project's
handler, which decrypts it and sends the branded email, with no 20,000-character limit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.triggers.custom_email_sender import handler as project_handler

from .conftest import PASSWORD, Target, check_response_shapes

ROOT = Path(__file__).resolve().parents[2]
LONG_TEXT = "If you didn't sign up, you can ignore this email."


class Recording:
    """The project's handler, bound as the local pool binds it, recording each event."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def __call__(self, event, context):  # never called unbound: for_local is
        raise AssertionError("bound by the local pool")

    def for_local(self, settings, services):
        """Record the event, then run the project's local handler."""
        run = project_handler.for_local(settings, services)

        def recorded(event, context):
            self.events.append(event)
            return run(event, context)

        return recorded


def _target(make_app, **config) -> Target:
    """A local-pool contract target built with this app config."""
    from app.mail.outbox import Outbox

    app = make_app(aws_max_attempts=1, **config)
    pool = app.extensions["gatehouse.localpool"]
    idp = app.extensions["gatehouse.userpool"].client
    check_response_shapes(idp)
    return Target(idp, pool.id, "demo", Outbox(pool.mail.outbox.directory), pool)


@pytest.fixture
def recording():
    """A recording CustomEmailSender."""
    return Recording()


def _sender(recording) -> dict:
    """A lambda config with CustomEmailSender (and no CustomMessage)."""
    return {
        "lambda_config": {
            "CustomEmailSender": {"LambdaVersion": "V1_0", "LambdaArn": recording},
            "KMSKeyID": "arn:aws:kms:us-east-1:000000000000:key/test-key",
        }
    }


def test_sign_up_email_is_sent_by_the_sender_and_its_code_works(make_app, recording):
    target = _target(make_app, localpool=_sender(recording))
    email = target.email()
    target.idp.sign_up(ClientId="demo", Username=email, Password=PASSWORD)
    (event,) = recording.events
    assert event["triggerSource"] == "CustomEmailSender_SignUp"
    assert event["version"] == "1" and event["callerContext"]["clientId"] == "demo"
    request = event["request"]
    assert request["type"] == "customEmailSenderRequestV1"
    assert request["userAttributes"]["email"] == email
    (mail,) = target.mails(email)
    code = target.last_code(email)
    assert code not in request["code"] and len(request["code"]) > 100  # encrypted, not plain
    assert "Confirm my email" in mail.html
    target.idp.confirm_sign_up(ClientId="demo", Username=email, ConfirmationCode=code)
    assert target.sign_in(email)["AccessToken"]


def test_the_code_is_an_encryption_sdk_message_for_the_pool_key(make_app, recording):
    from app.triggers.custom_email_sender import decrypt_code

    target = _target(make_app, localpool=_sender(recording))
    email = target.email()
    target.idp.sign_up(ClientId="demo", Username=email, Password=PASSWORD)
    encrypted = recording.events[0]["request"]["code"]
    pool = target.local
    assert decrypt_code(encrypted, pool.mail.kms.master_key()) == target.last_code(email)
    assert pool.mail.kms.key_id == "arn:aws:kms:us-east-1:000000000000:key/test-key"
    described = target.idp.describe_user_pool(UserPoolId=pool.id)["UserPool"]["LambdaConfig"]
    assert described["CustomEmailSender"]["LambdaVersion"] == "V1_0"
    assert described["KMSKeyID"] == pool.mail.kms.key_id


def test_forgot_password_and_resend_go_through_the_sender(make_app, recording):
    target = _target(make_app, localpool=_sender(recording))
    email = target.email()
    target.idp.sign_up(ClientId="demo", Username=email, Password=PASSWORD)
    target.idp.resend_confirmation_code(ClientId="demo", Username=email)
    target.idp.confirm_sign_up(
        ClientId="demo", Username=email, ConfirmationCode=target.last_code(email)
    )
    target.idp.forgot_password(ClientId="demo", Username=email)
    target.idp.confirm_forgot_password(
        ClientId="demo",
        Username=email,
        ConfirmationCode=target.last_code(email),
        Password="N3w-password",
    )
    assert target.sign_in(email, "N3w-password")["IdToken"]
    assert [e["triggerSource"] for e in recording.events] == [
        "CustomEmailSender_SignUp",
        "CustomEmailSender_ResendCode",
        "CustomEmailSender_ForgotPassword",
    ]


def test_an_email_over_twenty_thousand_characters_is_sent(make_app, tmp_path):
    branding = tmp_path / "branding"
    shutil.copytree(ROOT / "branding", branding)
    toml = branding / "demo" / "brand.toml"
    long_line = "Nothing to do here. " * 1_200
    toml.write_text(toml.read_text() + f'\n[texts.en]\n"{LONG_TEXT}" = "{long_line}"\n')
    # Chosen by the setting, as `GATEHOUSE_EMAIL_TRIGGER=CustomEmailSender make run` does.
    target = _target(make_app, branding_dir=branding, email_trigger="CustomEmailSender")
    assert not target.local.triggers.configured("CustomMessage")
    email = target.email()
    target.idp.sign_up(ClientId="demo", Username=email, Password=PASSWORD)
    (mail,) = target.mails(email)
    assert len(mail.html) > 20_000 and long_line.strip() in mail.html
    target.idp.confirm_sign_up(
        ClientId="demo", Username=email, ConfirmationCode=target.last_code(email)
    )


def test_the_same_long_brand_stops_start_up_with_custom_message(make_app, tmp_path):
    from app.branding import BrandError

    branding = tmp_path / "branding"
    shutil.copytree(ROOT / "branding", branding)
    toml = branding / "demo" / "brand.toml"
    toml.write_text(toml.read_text() + f'\n[texts.en]\n"{LONG_TEXT}" = "{"x" * 21_000}"\n')
    with pytest.raises(BrandError):
        make_app(branding_dir=branding)


def test_an_emailed_sign_in_code_goes_through_the_sender(make_app, recording):
    from .test_user_auth import respond, user_auth

    target = _target(make_app, localpool=_sender(recording))
    email = target.signed_up()
    started = user_auth(target, email, PREFERRED_CHALLENGE="EMAIL_OTP")
    assert started["ChallengeName"] == "EMAIL_OTP"
    assert recording.events[-1]["triggerSource"] == "CustomEmailSender_Authentication"
    assert "sign-in code" in target.mails(email)[-1].subject
    code = target.last_code(email)
    done = respond(target, started, "EMAIL_OTP", USERNAME=email, EMAIL_OTP_CODE=code)
    assert done["AuthenticationResult"]["AccessToken"]
    calls = len(recording.events)
    user_auth(target, target.email(), PREFERRED_CHALLENGE="EMAIL_OTP")  # nobody's address
    assert len(recording.events) == calls  # no trigger, no email for an unknown address


def test_an_unknown_address_is_rehearsed_as_a_send_is_done(make_app, recording, monkeypatch):
    from .test_user_auth import user_auth

    target = _target(make_app, localpool=_sender(recording))
    mail = target.local.mail
    written = []

    def send(to, subject, text, html_body):
        """Record what the rehearsal writes, then write it as the scratch outbox does."""
        path = type(mail.scratch).send(mail.scratch, to, subject, text, html_body)
        written.append((to, path, html_body))
        return path

    monkeypatch.setattr(mail.scratch, "send", send)
    nobody = target.email()
    started = user_auth(target, nobody, PREFERRED_CHALLENGE="EMAIL_OTP")
    assert started["ChallengeName"] == "EMAIL_OTP"
    assert recording.events == []  # no trigger for nobody
    # As much work as a send: the message rendered and written (and at once removed).
    ((to, path, html_body),) = written
    assert to == nobody and "<strong>" in html_body and "{####}" not in html_body
    assert not path.exists() and target.mails(nobody) == []
