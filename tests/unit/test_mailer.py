"""Gatehouse's own emails: SES in cognito mode (checked with Stubber), the outbox locally."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber

from app.mail import Outbox
from app.mailer import SesSender, build_sender


def test_ses_sender_sends_text_and_html_from_the_configured_address():
    client = boto3.client(
        "sesv2", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    with Stubber(client) as stubber:
        stubber.add_response(
            "send_email",
            {"MessageId": "m-1"},
            {
                "FromEmailAddress": "Example <no-reply@example.com>",
                "Destination": {"ToAddresses": ["person@example.com"]},
                "Content": {
                    "Simple": {
                        "Subject": {"Data": "Hello", "Charset": "UTF-8"},
                        "Body": {
                            "Text": {"Data": "text", "Charset": "UTF-8"},
                            "Html": {"Data": "<p>html</p>", "Charset": "UTF-8"},
                        },
                    }
                },
            },
        )
        SesSender(client, "Example <no-reply@example.com>").send(
            "person@example.com", "Hello", "text", "<p>html</p>"
        )
        stubber.assert_no_pending_responses()


def test_local_mode_sends_to_the_outbox(app):
    assert isinstance(build_sender(app.extensions["gatehouse.settings"]), Outbox)
