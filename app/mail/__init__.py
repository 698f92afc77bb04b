"""Gatehouse's own emails (not the pool's): rendered from templates/email/ and delivered by the
app's sender — the outbox in local mode (``outbox``), Amazon SES (``GATEHOUSE_MAIL_FROM``) in
cognito mode.

Both senders take every ``To:`` through ``addresses.checked`` and fail in the same two ways
(``outbox``): ``MailUnavailable`` (try again later) or ``Undeliverable`` (never as it is).
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError
from flask import current_app, render_template, url_for

from .outbox import MailUnavailable, Outbox, Undeliverable, recipient

# SES refuses this message for good (its address or content); any other refusal (throttling,
# a paused account, an unverified sender) passes, so the same email may be sent again later.
SES_REFUSES_MESSAGE = frozenset({"MessageRejected", "BadRequestException"})
# SES replaces any Message-ID with its own; the follow-up's own id travels in this header.
MESSAGE_ID_HEADER = "X-Gatehouse-Message-ID"


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email, from GATEHOUSE_BASE_URL — never from the request's Host
    header, which a client chooses (links in emails must not be poisonable)."""
    base = current_app.extensions["gatehouse.settings"].base_url.rstrip("/")
    return base + url_for(endpoint, **values)


def render(template: str, **context) -> tuple[str, str, str]:
    """``email/<template>``'s subject, text and HTML, in the current request's language."""
    subject = render_template(f"email/{template}.subject.txt", **context).strip()
    text = render_template(f"email/{template}.txt", **context)
    html = render_template(f"email/{template}.html", **context)
    return subject, text, html


class SesSender:
    """Sends through Amazon SES (v2), from the configured address."""

    def __init__(self, client, sender: str) -> None:
        self.client = client
        self.sender = sender

    def send(self, to: str, subject: str, text: str, html: str, message_id: str = "") -> None:
        """One message with a text and an HTML part; SES's failures become mail errors."""
        content = {
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {
                "Text": {"Data": text, "Charset": "UTF-8"},
                "Html": {"Data": html, "Charset": "UTF-8"},
            },
        }
        if message_id:
            content["Headers"] = [{"Name": MESSAGE_ID_HEADER, "Value": message_id}]
        try:
            self.client.send_email(
                FromEmailAddress=self.sender,
                Destination={"ToAddresses": [recipient(to)]},
                Content={"Simple": content},
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in SES_REFUSES_MESSAGE:
                raise Undeliverable(f"SES refused the message: {code}") from exc
            raise MailUnavailable(f"SES: {code}") from exc
        except BotoCoreError as exc:
            raise MailUnavailable(f"SES unreachable: {type(exc).__name__}") from exc


def build_sender(settings):
    """The outbox in local mode; SES in cognito mode (one attempt per call: a failed email is
    sent again by the follow-up queue, never blindly by botocore)."""
    if settings.is_local:
        return Outbox(settings.outbox_dir)
    import boto3

    from ..userpool.client import client_config

    client = boto3.session.Session().client(
        "sesv2", region_name=settings.region, config=client_config(settings)
    )
    return SesSender(client, settings.mail_from)
