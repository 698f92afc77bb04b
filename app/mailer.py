"""Gatehouse's own emails (not the pool's): rendered from templates/email/ and delivered by the
app's sender — the outbox in local mode, Amazon SES (``GATEHOUSE_MAIL_FROM``) in cognito mode.
"""

from __future__ import annotations

import logging

from flask import current_app, render_template, url_for

from .mail import Outbox

log = logging.getLogger(__name__)


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email, from GATEHOUSE_BASE_URL — never from the request's Host
    header, which a client chooses (links in emails must not be poisonable)."""
    base = current_app.extensions["gatehouse.settings"].base_url.rstrip("/")
    return base + url_for(endpoint, **values)


def send(to: str, template: str, **context) -> None:
    """Render ``email/<template>.txt`` and ``.html`` (and ``.subject``) and send them."""
    subject = render_template(f"email/{template}.subject.txt", **context).strip()
    text = render_template(f"email/{template}.txt", **context)
    html = render_template(f"email/{template}.html", **context)
    current_app.extensions["gatehouse.mailer"].send(to, subject, text, html)
    log.info("sent %s email", template)


class SesSender:
    """Sends through Amazon SES (v2), from the configured address."""

    def __init__(self, client, sender: str) -> None:
        self.client = client
        self.sender = sender

    def send(self, to: str, subject: str, text: str, html: str) -> None:
        """One message with a text and an HTML part."""
        self.client.send_email(
            FromEmailAddress=self.sender,
            Destination={"ToAddresses": [to]},
            Content={
                "Simple": {
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": text, "Charset": "UTF-8"},
                        "Html": {"Data": html, "Charset": "UTF-8"},
                    },
                }
            },
        )


def build_sender(settings):
    """The outbox in local mode; SES in cognito mode (with botocore's standard retries)."""
    if settings.is_local:
        return Outbox(settings.outbox_dir)
    import boto3

    from .userpool.client import client_config

    client = boto3.session.Session().client(
        "sesv2", region_name=settings.region, config=client_config(settings)
    )
    return SesSender(client, settings.mail_from)
