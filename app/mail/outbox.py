"""The outbox: every email written as one RFC 5322 ``.eml`` file (text and HTML parts), and the
two ways sending an email can fail, which every sender raises alike."""

from __future__ import annotations

import contextlib
import email.policy
import email.utils
import html
import os
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from pathlib import Path

from .addresses import InvalidAddress, checked

SENDER_NAME = "Gatehouse"
SENDER_ADDRESS = "no-reply@gatehouse.localhost"
DOMAIN = "gatehouse.localhost"


class MailError(Exception):
    """An email was not sent."""


class MailUnavailable(MailError):
    """Sending failed for now (SES down or refusing, a full disk): the same email may be sent
    again later."""


class Undeliverable(MailError):
    """This email can never be sent as it is (an address that cannot receive mail)."""


def recipient(address: str) -> str:
    """The one address an email goes to, through the one rule for addresses; else Undeliverable."""
    try:
        return checked(address)
    except InvalidAddress as exc:
        raise Undeliverable(f"not an address mail can be sent to: {exc}") from exc


@dataclass
class StoredMail:
    """One email read back from the outbox."""

    path: Path
    sender: str
    to: str
    subject: str
    date: str
    text: str
    html: str
    message_id: str


class Outbox:
    """Writes and reads the ``.eml`` files under one directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def send(
        self,
        to: str,
        subject: str,
        text: str,
        html_body: str,
        message_id: str = "",
        sender_name: str = "",
    ) -> Path:
        """Write one multipart/alternative message, whole or not at all; returns its path.

        ``message_id`` names the message (a follow-up sent again keeps its Message-ID, so the
        repeat is recognisable); without one, a fresh id is made. ``sender_name`` is the From
        display name (the brand's), as SES would send it.
        """
        msg = EmailMessage()
        msg["From"] = email.utils.formataddr((sender_name or SENDER_NAME, SENDER_ADDRESS))
        msg["To"] = recipient(to)
        msg["Subject"] = subject
        msg["Date"] = email.utils.formatdate(localtime=False)
        msg["Message-ID"] = message_id or email.utils.make_msgid(domain=DOMAIN)
        msg.set_content(text)
        msg.add_alternative(html_body, subtype="html")
        data = msg.as_bytes(policy=email.policy.SMTP)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        tmp = self.directory / f".{path.name}.tmp"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with open(tmp, "xb") as file:
                file.write(data)  # a full disk fails here (or on close), before the name is given
            os.replace(tmp, path)  # readers never see half a file
        except OSError as exc:
            # A full disk or a read-only directory: leave nothing behind, say it can be retried.
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise MailUnavailable(f"the outbox could not be written: {exc}") from exc
        return path

    def messages(self, to: str | None = None) -> list[StoredMail]:
        """All messages, oldest first, optionally only those to one address."""
        if not self.directory.exists():
            return []
        found = [read_eml(p) for p in sorted(self.directory.glob("*.eml"))]
        if to is not None:
            found = [m for m in found if m.to.lower() == to.lower()]
        return found


def read_eml(path: Path) -> StoredMail:
    """Parse one outbox file into its headers and its text and HTML parts."""
    msg = message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    return StoredMail(
        path=path,
        sender=str(msg["From"]),
        to=str(msg["To"]),
        subject=str(msg["Subject"]),
        date=str(msg["Date"]),
        text=text_part.get_content() if text_part else "",
        html=html_part.get_content() if html_part else "",
        message_id=str(msg["Message-ID"]),
    )


def html_to_text(markup: str) -> str:
    """A plain-text rendering of a small HTML message (for trigger-supplied emails)."""
    markup = re.sub(r"(?is)<(head|script|style)\b.*?</\1>", "", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</h\d>|</li>", "\n", markup)
    markup = re.sub(r'(?is)<a\s[^>]*href="([^"]*)"[^>]*>(.*?)</a>', r"\2 (\1)", markup)
    text = html.unescape(re.sub(r"<[^>]+>", "", markup))
    return re.sub(r"\n\s*\n+", "\n\n", text).strip() + "\n"
