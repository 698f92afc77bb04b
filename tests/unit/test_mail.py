"""The outbox writes an email whole or not at all, and only to an address that is one address."""

from __future__ import annotations

import resource
import signal

import pytest

from app.mail.outbox import MailUnavailable, Outbox, Undeliverable

TEXT = "Hello.\n" * 200
HTML = "<p>Hello.</p>" * 200


@pytest.fixture
def full_disk():
    """Writes past 1 KiB fail with EFBIG, as on a full disk (no signal kills the process)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def test_a_full_disk_leaves_nothing_in_the_outbox(tmp_path, full_disk):
    outbox = Outbox(tmp_path / "outbox")
    (tmp_path / "outbox").mkdir()
    with pytest.raises(MailUnavailable):
        outbox.send("person@example.com", "Subject", TEXT, HTML)
    assert list((tmp_path / "outbox").iterdir()) == []


def test_a_written_email_is_whole_and_keeps_the_message_id_it_is_given(tmp_path):
    outbox = Outbox(tmp_path / "outbox")
    outbox.send("person@example.com", "Subject", TEXT, HTML, message_id="<f1.0@gatehouse.test>")
    (mail,) = outbox.messages("person@example.com")
    assert mail.text.replace("\r\n", "\n") == TEXT and mail.html.strip() == HTML
    assert mail.message_id == "<f1.0@gatehouse.test>"


@pytest.mark.parametrize(
    "to",
    [
        "a,x@evil.co",  # two recipients
        "person@example.com\r\nBcc: x@evil.co",  # a header break
        "person@example.com\n",
        "not an address",
        "",
    ],
)
def test_an_address_that_is_not_one_address_gets_no_email(tmp_path, to):
    outbox = Outbox(tmp_path / "outbox")
    with pytest.raises(Undeliverable):
        outbox.send(to, "Subject", "text", "<p>html</p>")
    assert outbox.messages() == []
