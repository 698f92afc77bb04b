"""Gatehouse's own emails (not the pool's): rendered from templates/email/, sent to the outbox.

In local mode the outbox is the delivery; in cognito mode messages also go through Amazon SES
when ``GATEHOUSE_MAIL_FROM`` is set.
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
    settings = current_app.extensions["gatehouse.settings"]
    Outbox(settings.outbox_dir).send(to, subject, text, html)
    log.info("sent %s email", template)
