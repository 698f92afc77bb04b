"""The outbox writes an email whole or not at all, and only to an address that is one address."""

from __future__ import annotations

import builtins
import errno

import pytest

from app.mail import outbox as outbox_module
from app.mail.outbox import MailUnavailable, Outbox, Undeliverable

TEXT = "Hello.\n" * 200
HTML = "<p>Hello.</p>" * 200


@pytest.fixture
def full_disk(monkeypatch):
    """The outbox's files take 1 KiB, then the disk is full (ENOSPC), as a real one fails.

    Only the outbox module's ``open`` is replaced: a process-wide file-size limit would also
    stop the test runner writing its own log.
    """

    class FillsUp:
        """A real file that takes the first KiB of a write, then fails."""

        def __init__(self, file) -> None:
            self.file = file

        def write(self, data: bytes) -> int:
            self.file.write(data[:1024])
            self.file.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            self.file.close()

    monkeypatch.setattr(
        outbox_module, "open", lambda *a, **k: FillsUp(builtins.open(*a, **k)), raising=False
    )


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
