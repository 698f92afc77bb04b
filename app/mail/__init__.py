"""Gatehouse's own emails (not the pool's): rendered from templates/email/ and delivered by the
app's sender — the outbox in local mode (``outbox``), Amazon SES (``GATEHOUSE_MAIL_FROM``) in
cognito mode.

Both senders take every ``To:`` through ``addresses.checked`` and fail in the same two ways
(``outbox``): ``MailUnavailable`` (try again later) or ``Undeliverable`` (never as it is).
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError
from flask import current_app, render_template, url_for

from ..branding import current_brand
from ..i18n import current
from .branded import email_brand
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


@dataclass(frozen=True)
class Email:
    """One rendered email: what every sender sends."""

    subject: str
    text: str
    html: str
    sender_name: str


def render(template: str, **context) -> Email:
    """``email/<template>`` in this request's language and brand, from the brand's sender name.

    The language is the request's (it caused the email); a follow-up keeps what is rendered
    here, so whoever delivers it later sends it in that language, not in its own.
    """
    brand = current_brand()
    settings = current_app.extensions["gatehouse.settings"]
    context["brand"] = email_brand(brand, settings.base_url, current())
    return Email(
        subject=render_template(f"email/{template}.subject.txt", **context).strip(),
        text=render_template(f"email/{template}.txt", **context),
        html=render_template(f"email/{template}.html", **context),
        sender_name=getattr(brand, "sender_name", "") or brand.display_name,
    )


def send(to: str, template: str, **context) -> None:
    """Render ``email/<template>`` and send it now (MailUnavailable or Undeliverable if not)."""
    mail = render(template, **context)
    current_app.extensions["gatehouse.mailer"].send(
        to, mail.subject, mail.text, mail.html, sender_name=mail.sender_name
    )


def from_address(address: str, sender_name: str) -> str:
    """``"<sender_name>" <address>`` (RFC 5322, a non-ASCII name encoded as RFC 2047 says, as SES
    takes it); the configured value as it is without a name."""
    if not sender_name:
        return address
    return email.utils.formataddr((sender_name, email.utils.parseaddr(address)[1]))


class SesSender:
    """Sends through Amazon SES (v2), from the configured address."""

    def __init__(self, client, sender: str) -> None:
        self.client = client
        self.sender = sender

    def send(
        self,
        to: str,
        subject: str,
        text: str,
        html: str,
        message_id: str = "",
        sender_name: str = "",
    ) -> None:
        """One message with a text and an HTML part, from ``sender_name`` at the configured
        address; SES's failures become mail errors."""
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
                FromEmailAddress=from_address(self.sender, sender_name),
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
