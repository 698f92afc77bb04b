"""Gatehouse's own emails: SES in cognito mode (checked with Stubber), the outbox locally."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber

from app.mail import SesSender, build_sender
from app.mail.outbox import MailUnavailable, Outbox, Undeliverable

SENDER = "Example <no-reply@example.com>"


def _client():
    return boto3.client(
        "sesv2", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y"
    )


def _request(to: str, headers: list | None = None) -> dict:
    simple = {
        "Subject": {"Data": "Hello", "Charset": "UTF-8"},
        "Body": {
            "Text": {"Data": "text", "Charset": "UTF-8"},
            "Html": {"Data": "<p>html</p>", "Charset": "UTF-8"},
        },
    }
    if headers:
        simple["Headers"] = headers
    return {
        "FromEmailAddress": SENDER,
        "Destination": {"ToAddresses": [to]},
        "Content": {"Simple": simple},
    }


def test_ses_sender_sends_text_and_html_from_the_configured_address():
    client = _client()
    with Stubber(client) as stubber:
        stubber.add_response("send_email", {"MessageId": "m-1"}, _request("person@example.com"))
        SesSender(client, SENDER).send("person@example.com", "Hello", "text", "<p>html</p>")
        stubber.assert_no_pending_responses()


def test_ses_sender_carries_the_follow_ups_message_id_in_its_own_header():
    client = _client()
    headers = [{"Name": "X-Gatehouse-Message-ID", "Value": "<f1.0@example.com>"}]
    with Stubber(client) as stubber:
        stubber.add_response(
            "send_email", {"MessageId": "m-1"}, _request("person@example.com", headers)
        )
        SesSender(client, SENDER).send(
            "person@example.com", "Hello", "text", "<p>html</p>", message_id="<f1.0@example.com>"
        )
        stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("MessageRejected", Undeliverable),
        ("BadRequestException", Undeliverable),
        ("TooManyRequestsException", MailUnavailable),
        ("SendingPausedException", MailUnavailable),
        ("MailFromDomainNotVerifiedException", MailUnavailable),
    ],
)
def test_ses_refusals_say_whether_the_email_may_be_sent_again(code, error):
    client = _client()
    with Stubber(client) as stubber, pytest.raises(error):
        stubber.add_client_error("send_email", service_error_code=code)
        SesSender(client, SENDER).send("person@example.com", "Hello", "text", "<p>html</p>")


def test_ses_unreachable_may_be_sent_again():
    client = _client()

    def refuse(request, **_):
        raise EndpointConnectionError(endpoint_url=request.url)

    client.meta.events.register_first("before-send.sesv2", refuse)
    with pytest.raises(MailUnavailable):
        SesSender(client, SENDER).send("person@example.com", "Hello", "text", "<p>html</p>")


def test_ses_is_never_asked_to_mail_two_recipients_or_a_header_break():
    client = _client()
    with Stubber(client) as stubber:  # no response queued: any call would fail the test
        for to in ("a,x@evil.co", "person@example.com\r\nBcc: x@evil.co"):
            with pytest.raises(Undeliverable):
                SesSender(client, SENDER).send(to, "Hello", "text", "<p>html</p>")
        stubber.assert_no_pending_responses()


def test_local_mode_sends_to_the_outbox(app):
    assert isinstance(build_sender(app.extensions["gatehouse.settings"]), Outbox)
