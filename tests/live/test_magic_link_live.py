"""Magic links live: gunicorn, the local pool running the project's triggers, two browsers."""

from __future__ import annotations

import re
import uuid

from app.mail.outbox import Outbox

from .person import Person
from .test_oauth2_front_door import sign_up_and_confirm


def test_ask_in_one_browser_sign_in_from_another(front_door):
    email = f"magic-{uuid.uuid4().hex[:8]}@example.com"
    asking = Person(front_door.url)
    sign_up_and_confirm(front_door, asking, email)
    asking.open("/magic-link")
    assert asking.submit("/magic-link", email=email).headers["Location"] == "/magic-link/sent"
    mail = Outbox(front_door.data_dir / "outbox").messages(email)[-1]
    link = re.search(r"(http://\S+/magic/\S+)", mail.text).group(1)
    assert link.startswith(front_door.url)
    other = Person(front_door.url)
    assert "Continue as" in other.open(link).text
    response = other.submit(link)
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    assert email in other.open("/account").text
    again = Person(front_door.url)
    again.open(link)
    assert again.submit(link).status_code == 400
    # The token travels in the path; gunicorn's access log must not print it.
    token = link.rsplit("/magic/", 1)[1]
    log = front_door.log.read_text()
    assert '"GET /magic/[redacted]"' in log and token not in log
