"""The outbox: every email written as one RFC 5322 ``.eml`` file (text and HTML parts)."""

from __future__ import annotations

import email.policy
import email.utils
import html
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from pathlib import Path

SENDER = "Gatehouse <no-reply@gatehouse.localhost>"


@dataclass
class StoredMail:
    """One email read back from the outbox."""

    path: Path
    to: str
    subject: str
    date: str
    text: str
    html: str


class Outbox:
    """Writes and reads the ``.eml`` files under one directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def send(self, to: str, subject: str, text: str, html_body: str) -> Path:
        """Write one multipart/alternative message; returns its path."""
        msg = EmailMessage()
        msg["From"] = SENDER
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = email.utils.formatdate(localtime=False)
        msg["Message-ID"] = email.utils.make_msgid(domain="gatehouse.localhost")
        msg.set_content(text)
        msg.add_alternative(html_body, subtype="html")
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(msg.as_bytes(policy=email.policy.SMTP))
        tmp.rename(path)  # readers never see half a file
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
        to=str(msg["To"]),
        subject=str(msg["Subject"]),
        date=str(msg["Date"]),
        text=text_part.get_content() if text_part else "",
        html=html_part.get_content() if html_part else "",
    )


def html_to_text(markup: str) -> str:
    """A plain-text rendering of a small HTML message (for trigger-supplied emails)."""
    markup = re.sub(r"(?is)<(script|style).*?</\1>", "", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</h\d>|</li>", "\n", markup)
    markup = re.sub(r'(?is)<a\s[^>]*href="([^"]*)"[^>]*>(.*?)</a>', r"\2 (\1)", markup)
    text = html.unescape(re.sub(r"<[^>]+>", "", markup))
    return re.sub(r"\n\s*\n+", "\n\n", text).strip() + "\n"
