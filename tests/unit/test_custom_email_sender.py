"""The CustomEmailSender handler as it runs on AWS: decrypt with the Encryption SDK, render the
branded email, send it through SES v2 (checked against botocore's model by its Stubber)."""

from __future__ import annotations

import os

import boto3
import pytest
from aws_encryption_sdk.exceptions import AWSEncryptionSDKClientError
from botocore.stub import ANY, Stubber
from cryptography.exceptions import InvalidTag

from app.localpool.custom_sender import LocalKms
from app.triggers.custom_email_sender import (
    Handler,
    UnusableCode,
    decrypt_code,
    send_email,
    ses_deliver,
)

BASE = "https://login.example.com"
BRANDING = os.path.join(os.path.dirname(__file__), "..", "..", "branding")


def _event(source: str, code: str, kms: LocalKms) -> dict:
    """A CustomEmailSender event as Cognito sends it."""
    return {
        "version": "1",
        "triggerSource": source,
        "region": "us-east-1",
        "userPoolId": "us-east-1_abc",
        "userName": "6f1c-user",
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "demo"},
        "request": {
            "type": "customEmailSenderRequestV1",
            "code": kms.encrypt(code),
            "userAttributes": {"email": "ada@example.com", "sub": "6f1c-user"},
        },
        "response": {},
    }


def _ses():
    """A stubbed sesv2 client."""
    client = boto3.client(
        "sesv2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    return client, Stubber(client)


@pytest.mark.parametrize(
    ("source", "code", "words"),
    [
        ("CustomEmailSender_SignUp", "123456", "Confirm my email"),
        ("CustomEmailSender_ForgotPassword", "654321", "654321"),
        ("CustomEmailSender_AdminCreateUser", "Tmp-Passw0rd!", "Tmp-Passw0rd!"),
    ],
)
def test_sends_the_decrypted_code_through_ses(source, code, words):
    kms = LocalKms(os.urandom(32))
    client, stubber = _ses()
    sent = {}

    def capture(params):
        sent.update(params)

    stubber.add_response(
        "send_email",
        {"MessageId": "m-1"},
        {"FromEmailAddress": "no-reply@example.com", "Destination": ANY, "Content": ANY},
    )
    client.meta.events.register(
        "provide-client-params.sesv2.SendEmail", lambda params, **_: capture(params)
    )
    with stubber:
        send_email(
            _event(source, code, kms),
            key_provider=kms.master_key(),
            deliver=ses_deliver(client, "no-reply@example.com"),
            base_url=BASE,
            branding_dir=BRANDING,
        )
        stubber.assert_no_pending_responses()
    assert sent["Destination"] == {"ToAddresses": ["ada@example.com"]}
    body = sent["Content"]["Simple"]["Body"]
    assert code in body["Text"]["Data"] and code in body["Html"]["Data"]
    assert words in body["Html"]["Data"]


def test_a_code_encrypted_with_another_key_is_refused():
    kms, other = LocalKms(os.urandom(32)), LocalKms(os.urandom(32))
    # The wrapped data key does not open with another key (its GCM tag fails).
    with pytest.raises((AWSEncryptionSDKClientError, InvalidTag)):
        decrypt_code(kms.encrypt("123456"), other.master_key())


def test_an_unknown_source_sends_nothing():
    kms = LocalKms(os.urandom(32))
    sent = []
    event = _event("CustomEmailSender_AccountTakeOverNotification", "", kms)
    send_email(
        event,
        key_provider=kms.master_key(),
        deliver=lambda to, message: sent.append(to),
        base_url=BASE,
        branding_dir=BRANDING,
    )
    assert sent == []


@pytest.mark.parametrize("code", ["", " ", "12 34\n", "123\x00456", "\u0661\u0662\u0663"])
def test_an_empty_or_unprintable_code_fails_the_lambda_and_sends_nothing(code):
    # Cognito then reports a delivery failure, rather than a person getting an email with no
    # usable code in it.
    kms = LocalKms(os.urandom(32))
    sent = []
    with pytest.raises(UnusableCode):
        send_email(
            _event("CustomEmailSender_ForgotPassword", code, kms),
            key_provider=kms.master_key(),
            deliver=lambda to, message: sent.append(to),
            base_url=BASE,
            branding_dir=BRANDING,
        )
    assert sent == []


def test_a_notice_without_a_code_is_not_decrypted_and_sends_nothing():
    # AccountTakeOverNotification: Cognito sends no code (null), and decrypting None would fail.
    kms = LocalKms(os.urandom(32))
    sent = []
    event = _event("CustomEmailSender_AccountTakeOverNotification", "", kms)
    event["request"]["code"] = None
    returned = send_email(
        event,
        key_provider=kms.master_key(),
        deliver=lambda to, message: sent.append(to),
        base_url=BASE,
        branding_dir=BRANDING,
    )
    assert returned is event and sent == []


def test_the_lambda_entry_point_reads_its_environment(monkeypatch):
    kms = LocalKms(os.urandom(32))
    monkeypatch.setenv("GATEHOUSE_BASE_URL", BASE)
    monkeypatch.setenv("GATEHOUSE_MAIL_FROM", "no-reply@example.com")
    monkeypatch.setenv("GATEHOUSE_KMS_KEY_ARN", "arn:aws:kms:us-east-1:111122223333:key/k")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    used = {}

    def provider(key_ids):
        used["key_ids"] = key_ids
        return kms.master_key()

    monkeypatch.setattr("aws_encryption_sdk.StrictAwsKmsMasterKeyProvider", provider)
    client, stubber = _ses()
    monkeypatch.setattr("boto3.client", lambda name, **_: client)
    stubber.add_response("send_email", {"MessageId": "m-1"})
    with stubber:
        Handler()(_event("CustomEmailSender_ResendCode", "112233", kms), None)
        stubber.assert_no_pending_responses()
    assert used["key_ids"] == ["arn:aws:kms:us-east-1:111122223333:key/k"]


def test_a_warm_lambda_makes_its_kms_and_ses_clients_once(monkeypatch):
    kms = LocalKms(os.urandom(32))
    monkeypatch.setenv("GATEHOUSE_BASE_URL", BASE)
    monkeypatch.setenv("GATEHOUSE_MAIL_FROM", "no-reply@example.com")
    monkeypatch.setenv("GATEHOUSE_KMS_KEY_ARN", "arn:aws:kms:us-east-1:111122223333:key/k")
    made = []
    monkeypatch.setattr(
        "aws_encryption_sdk.StrictAwsKmsMasterKeyProvider",
        lambda key_ids: made.append("kms") or kms.master_key(),
    )
    client, stubber = _ses()
    monkeypatch.setattr("boto3.client", lambda name, **_: made.append(name) or client)
    handler = Handler()
    with stubber:
        for code in ("112233", "445566"):
            stubber.add_response("send_email", {"MessageId": "m-1"})
            handler(_event("CustomEmailSender_ResendCode", code, kms), None)
        stubber.assert_no_pending_responses()
    assert made == ["kms", "sesv2"]  # once for both invocations
