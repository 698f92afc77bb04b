"""The whole email change live: the new address gets the link and code, the old one the notice;
GetUser shows the old email until confirmation, the new one after; only then does it sign in."""

from __future__ import annotations

import re
import uuid

from app.mail.outbox import Outbox

from .conftest import local_idp
from .person import Person
from .test_oauth2_front_door import PASSWORD, sign_up_and_confirm


def test_email_change_live(front_door):
    old = f"old-{uuid.uuid4().hex[:8]}@example.com"
    new = f"new-{uuid.uuid4().hex[:8]}@example.com"
    outbox = Outbox(front_door.data_dir / "outbox")
    person = Person(front_door.url)
    sign_up_and_confirm(front_door, person, old)
    person.open("/login")
    assert person.submit("/login", email=old, password=PASSWORD).headers["Location"] == "/account"
    idp = local_idp(front_door)
    tokens = idp.initiate_auth(
        ClientId="demo",
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": old, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]

    def email_in_get_user() -> str:
        attributes = idp.get_user(AccessToken=tokens["AccessToken"])["UserAttributes"]
        return {a["Name"]: a["Value"] for a in attributes}["email"]

    person.open("/account/email")
    assert person.submit("/account/email", email=new).headers["Location"] == "/account/email/sent"
    verify = outbox.messages(new)[-1]
    link = re.search(r"(http://\S+/account/email/confirm\?code=(\d{6}))", verify.text)
    assert link and link.group(2) in verify.text
    assert outbox.messages(old)[-1].subject == "An email change was requested for your account"
    assert email_in_get_user() == old
    stranger = Person(front_door.url)
    stranger.open("/login")
    assert stranger.submit("/login", email=new, password=PASSWORD).status_code == 200  # not yet
    assert "Confirm this address" in person.open(link.group(1)).text
    assert (
        person.submit("/account/email/confirm", code=link.group(2)).headers["Location"]
        == "/account"
    )
    assert email_in_get_user() == new
    assert outbox.messages(old)[-1].subject == "Your account's email address was changed"
    later = Person(front_door.url)
    later.open("/login")
    assert later.submit("/login", email=new, password=PASSWORD).headers["Location"] == "/account"
