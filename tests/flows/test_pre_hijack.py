"""Pre-hijacking: an attacker claims a victim's address before the victim arrives (issue 10).

Every test plays two browsers against the local pool, which runs the project's own PreSignUp and
custom-auth triggers: the attacker's, who knows only the victim's address, and the victim's, who
owns the mailbox and a Google account for it.
"""

from __future__ import annotations

import re

from app.messages import text

from .conftest import PASSWORD, Browser, app_tokens
from .test_magic_link import ask, link_of
from .test_social import CALLBACK, authorize, continue_as

POOL = "us-east-1_gatehouse"
VICTIM = "victim@example.com"
ATTACKER_PASSWORD = "Att4cker-owns-this"
TEMPORARY = "Temp0rary-pass"


def _confirmation_link(outbox, email: str) -> str:
    """The confirmation link of the newest sign-up email to an address, as a path."""
    mail = [m for m in outbox.messages(email) if "/confirm?" in m.text][-1]
    return re.search(r"http://localhost:8000(/confirm\?[^)\s]+)", mail.text).group(1)


def _users_with(app, email: str) -> list[dict]:
    """Every user of the pool whose email attribute is this address."""
    idp = app.extensions["gatehouse.userpool"].client
    return idp.list_users(UserPoolId=POOL, Filter=f'email = "{email}"')["Users"]


def _google_sign_in(app, outbox, email: str):
    """The victim's "Continue with Google" for an app client; the last response (hops followed)."""
    browser = Browser(app, outbox)
    authorize(browser)
    response = browser.get(continue_as(browser, email))
    while response.status_code in (302, 303) and not response.location.startswith(CALLBACK):
        response = browser.get(response.location)
    return browser, response


def _invite(app, verified: bool) -> None:
    """An administrator's AdminCreateUser invitation to the victim's address."""
    idp = app.extensions["gatehouse.userpool"].client
    idp.admin_create_user(
        UserPoolId=POOL,
        Username=VICTIM,
        TemporaryPassword=TEMPORARY,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": VICTIM},
            {"Name": "email_verified", "Value": "true" if verified else "false"},
        ],
    )


def _choose_password(app, outbox) -> None:
    """The invitee signs in with the temporary password and chooses their own."""
    invitee = Browser(app, outbox)
    assert invitee.sign_in(VICTIM, TEMPORARY).location == "/login/challenge"
    invitee.open("/login/challenge")
    assert invitee.submit("/login/challenge", password=PASSWORD).location == "/account"


def _page(response) -> str:
    """A page's HTML with the apostrophes of catalogue texts as Jinja escapes them."""
    return response.get_data(as_text=True).replace("&#39;", "'")


def test_google_never_links_to_an_unconfirmed_sign_up_and_the_attacker_gets_nothing(app, outbox):
    attacker = Browser(app, outbox)
    attacker.open("/signup")
    attacker.submit("/signup", email=VICTIM, password=ATTACKER_PASSWORD)
    assert [u["UserStatus"] for u in _users_with(app, VICTIM)] == ["UNCONFIRMED"]

    victim, response = _google_sign_in(app, outbox, VICTIM)
    assert response.status_code == 303 and response.location.startswith(CALLBACK + "?code=")
    users = _users_with(app, VICTIM)
    assert [u["UserStatus"] for u in users] == ["EXTERNAL_PROVIDER"]  # the claim is gone
    assert users[0]["Username"].startswith("Google_")

    # The victim clicks the genuine confirmation email the attacker's sign-up sent: it confirms
    # nothing, because the account it was for no longer exists.
    link = _confirmation_link(outbox, VICTIM)
    clicker = Browser(app, outbox)
    clicker.open(link)
    code = re.search(r"code=(\d{6})", link).group(1)
    clicked = clicker.submit("/confirm", email=VICTIM, code=code)
    assert clicked.status_code == 200 and text("confirm_code_wrong") in _page(clicked)

    refused = attacker.sign_in(VICTIM, ATTACKER_PASSWORD)
    assert refused.status_code == 200 and text("invalid_credentials") in _page(refused)
    assert attacker.get("/account").status_code != 200

    # The victim's Google sign-in keeps working, and it is the only account for the address.
    _, again = _google_sign_in(app, outbox, VICTIM)
    assert again.location.startswith(CALLBACK + "?code=")
    assert [u["Username"] for u in _users_with(app, VICTIM)] == [users[0]["Username"]]


def test_an_invitation_waiting_at_the_address_is_neither_linked_nor_deleted(app, outbox):
    _invite(app, verified=False)
    _, response = _google_sign_in(app, outbox, VICTIM)
    assert response.status_code == 400
    assert text("invitation_pending") in _page(response)
    users = _users_with(app, VICTIM)
    assert [u["UserStatus"] for u in users] == ["FORCE_CHANGE_PASSWORD"]
    assert "identities" not in {a["Name"] for a in users[0]["Attributes"]}


def test_a_verified_invitation_links_once_its_password_is_chosen(app, outbox):
    _invite(app, verified=True)
    _, refused = _google_sign_in(app, outbox, VICTIM)
    assert text("invitation_pending") in _page(refused)
    _choose_password(app, outbox)
    _, linked = _google_sign_in(app, outbox, VICTIM)
    assert linked.location.startswith(CALLBACK + "?code=")
    users = _users_with(app, VICTIM)
    assert [u["UserStatus"] for u in users] == ["CONFIRMED"]
    identities = {a["Name"]: a["Value"] for a in users[0]["Attributes"]}["identities"]
    assert '"providerName": "Google"' in identities


def test_an_unverified_admin_created_account_is_not_linked(app, outbox):
    _invite(app, verified=False)
    _choose_password(app, outbox)  # CONFIRMED, the address never proven
    _, response = _google_sign_in(app, outbox, VICTIM)
    assert response.status_code == 400 and text("address_unproven") in _page(response)
    assert [u["UserStatus"] for u in _users_with(app, VICTIM)] == ["CONFIRMED"]


def _magic_links(outbox, email: str) -> list:
    """The magic-link emails sent to an address."""
    return [m for m in outbox.messages(email) if "/magic/" in m.text]


def test_no_magic_link_goes_to_an_unconfirmed_sign_up(app, outbox):
    attacker = Browser(app, outbox)
    attacker.open("/signup")
    attacker.submit("/signup", email=VICTIM, password=ATTACKER_PASSWORD)
    victim = Browser(app, outbox)
    assert ask(victim, VICTIM).location == "/magic-link/sent"
    assert _magic_links(outbox, VICTIM) == []
    assert victim.get("/account").status_code != 200


def test_no_magic_link_goes_to_an_invitation(app, outbox):
    _invite(app, verified=True)  # even one whose address the administrator marked verified
    ask(Browser(app, outbox), VICTIM)
    assert _magic_links(outbox, VICTIM) == []


def test_no_magic_link_goes_to_an_admin_created_account_whose_address_is_unverified(app, outbox):
    _invite(app, verified=False)
    _choose_password(app, outbox)
    ask(Browser(app, outbox), VICTIM)
    assert _magic_links(outbox, VICTIM) == []


def test_a_magic_link_stops_working_when_its_address_is_no_longer_proven(app, outbox):
    owner = Browser(app, outbox)
    owner.account(VICTIM)
    ask(owner, VICTIM)
    link = link_of(outbox, VICTIM)  # a proven address gets its link
    idp = app.extensions["gatehouse.userpool"].client
    idp.admin_update_user_attributes(
        UserPoolId=POOL,
        Username=VICTIM,
        UserAttributes=[{"Name": "email_verified", "Value": "false"}],
    )
    other = Browser(app, outbox)
    other.open(link)
    refused = other.submit(link, here="yes")
    assert refused.status_code == 400 and other.get("/account").status_code != 200


def test_a_password_reset_ends_every_session_whoever_knew_the_old_password(app, outbox):
    """Classic pre-hijack without any linking: the attacker signs up with the victim's address;
    the victim confirms it from the email (it is their address, after all), cannot sign in, and
    resets the password. The attacker, who signed in with his own password in between, must be
    signed out by that reset: Gatehouse's session and every app's refresh token."""
    attacker = Browser(app, outbox)
    attacker.open("/signup")
    attacker.submit("/signup", email=VICTIM, password=ATTACKER_PASSWORD)
    victim = Browser(app, outbox)
    link = _confirmation_link(outbox, VICTIM)
    victim.open(link)
    victim.submit("/confirm", **{"email": VICTIM, "code": victim.last_code(VICTIM)})
    assert attacker.sign_in(VICTIM, ATTACKER_PASSWORD).location == "/account"
    refresh = app_tokens(app, VICTIM, ATTACKER_PASSWORD)["RefreshToken"]
    victim.open("/forgotPassword")
    victim.submit("/forgotPassword", email=VICTIM)
    victim.open("/confirmForgotPassword")
    victim.submit(
        "/confirmForgotPassword", email=VICTIM, code=victim.last_code(VICTIM), password=PASSWORD
    )
    assert attacker.get("/account").status_code == 303  # signed out
    assert "/login" in attacker.page.location
    refused = Browser(app, outbox).http.post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "client_id": "demo", "refresh_token": refresh},
    )
    assert refused.status_code == 400 and refused.json["error"] == "invalid_grant"
    assert Browser(app, outbox).sign_in(VICTIM, PASSWORD).location == "/account"
