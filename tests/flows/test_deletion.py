"""Account deletion: the happy path, Apple failing (nothing deleted), and the pool failing after
Apple succeeded (a durable follow-up, finished by ``flask followups run``, one email)."""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

from app.userpool import errors

from .conftest import PASSWORD, Browser
from .test_social import continue_as


def _gone(app, email: str) -> bool:
    """No user (native or federated) has this email any more."""
    idp = app.extensions["gatehouse.userpool"].client
    users = idp.list_users(UserPoolId="us-east-1_gatehouse", Filter=f'email = "{email}"')["Users"]
    if users:
        return False
    with pytest.raises(ClientError) as exc:  # as the issue asks: AdminGetUser says not found
        idp.admin_get_user(UserPoolId="us-east-1_gatehouse", Username=email)
    return exc.value.response["Error"]["Code"] == "UserNotFoundException"


def test_delete_a_password_account(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    browser.sign_in(email)
    page = browser.open("/account/delete").get_data(as_text=True)
    assert "can't be undone" in page and "Apple" not in page
    response = browser.submit("/account/delete")
    assert response.status_code == 200 and "Your account is deleted" in response.get_data(
        as_text=True
    )
    assert _gone(app, email)
    assert outbox.messages(email)[-1].subject == "Your account has been deleted"
    assert browser.get("/account").status_code == 303


def apple_account(app, outbox, email="apple.person@example.com") -> Browser:
    """A person signed in with (simulated) Sign in with Apple."""
    browser = Browser(app, outbox)
    browser.get(continue_as(browser, email, provider="SignInWithApple"))
    assert browser.get("/account").status_code == 200
    return browser


def through_apple(browser: Browser, email: str):
    """Confirm deletion, confirm at the simulated Apple; returns Gatehouse's answer."""
    browser.open("/account/delete")
    to_apple = browser.submit("/account/delete")
    assert "/_localpool/apple/auth/authorize" in to_apple.location
    page = browser.get(to_apple.location).get_data(as_text=True)
    request_id = re.search(r'name="request_id" value="([^"]+)"', page).group(1)
    back = browser.submit(
        "/_localpool/apple/auth/authorize", request_id=request_id, email=email, action="continue"
    )
    return browser.get(back.location)


def test_an_apple_account_is_revoked_at_apple_then_deleted(app, outbox):
    browser = apple_account(app, outbox)
    assert "confirm with Apple" in browser.open("/account/delete").get_data(as_text=True)
    response = through_apple(browser, "apple.person@example.com")
    assert response.status_code == 200 and "Your account is deleted" in response.get_data(
        as_text=True
    )
    assert _gone(app, "apple.person@example.com")


def test_apple_failing_deletes_nothing(app, outbox):
    browser = apple_account(app, outbox)
    app.extensions["gatehouse.localpool"].apple_revoke_fails = True
    response = through_apple(browser, "apple.person@example.com")
    assert response.status_code == 502 and "was not deleted" in response.get_data(as_text=True)
    assert not _gone(app, "apple.person@example.com")
    assert outbox.messages("apple.person@example.com") == []


def test_the_pool_failing_after_apple_leaves_a_follow_up_that_finishes_it(app, outbox, monkeypatch):
    browser = apple_account(app, outbox)
    gateway = app.extensions["gatehouse.userpool"]
    real_call = gateway.call

    def failing(operation, **params):
        if operation in ("DeleteUser", "AdminDeleteUser"):
            raise errors.Unavailable("InternalErrorException", operation)
        return real_call(operation, **params)

    monkeypatch.setattr(gateway, "call", failing)
    response = through_apple(browser, "apple.person@example.com")
    assert response.status_code == 202 and "being deleted" in response.get_data(as_text=True)
    assert not _gone(app, "apple.person@example.com")
    runner = app.test_cli_runner()
    still_down = runner.invoke(args=["followups", "run"])
    assert still_down.exit_code == 1 and "1 waiting" in still_down.output
    monkeypatch.setattr(gateway, "call", real_call)
    result = runner.invoke(args=["followups", "run"])
    assert result.exit_code == 0 and "1 delivered" in result.output
    assert _gone(app, "apple.person@example.com")
    again = runner.invoke(args=["followups", "run"])
    assert again.exit_code == 0 and "0 delivered" in again.output
    mails = [
        m
        for m in outbox.messages("apple.person@example.com")
        if m.subject == "Your account has been deleted"
    ]
    assert len(mails) == 1  # nothing sent twice


def test_deletion_needs_a_recent_sign_in(app, outbox, clock):
    browser = Browser(app, outbox)
    email = browser.account()
    browser.sign_in(email)
    clock.advance(6 * 60)
    assert browser.get("/account/delete").location.startswith(
        "/account/confirm?next=deletion.confirm"
    )
    assert not _gone(app, email)
    browser.open("/account/confirm?next=deletion.confirm")
    assert (
        browser.submit("/account/confirm?next=deletion.confirm", password=PASSWORD).location
        == "/account/delete"
    )


@pytest.mark.parametrize("path", ["/account/delete", "/account/email", "/account/password"])
def test_each_action_is_refused_without_csrf(app, outbox, path):
    browser = Browser(app, outbox)
    email = browser.account()
    browser.sign_in(email)
    response = browser.http.post(
        path, data={"email": "x@example.com", "current": PASSWORD, "password": "N3w-password!"}
    )
    assert response.status_code == 400
    assert not _gone(app, email)


def test_the_overview_lists_sign_in_methods(app, outbox):
    apple = apple_account(app, outbox)
    page = apple.open("/account").get_data(as_text=True)
    assert "<dt>Sign in with</dt>\n    <dd>Apple</dd>" in page
    linked = Browser(app, outbox)
    email = linked.account("linked@example.com")
    other = Browser(app, outbox)
    response = other.get(continue_as(other, email))  # linked, then retried once
    while response.status_code in (302, 303) and "/account" not in response.location:
        response = other.get(response.location)
    linked.sign_in(email)
    page = linked.open("/account").get_data(as_text=True)
    assert "<dt>Sign in with</dt>\n    <dd>Password, Google</dd>" in page
    assert "<dt>Two-step verification</dt>\n    <dd>Off</dd>" in page


def test_signed_out_everywhere_while_at_apple_asks_for_a_new_sign_in_not_a_500(app, outbox):
    browser = apple_account(app, outbox)
    browser.open("/account/delete")
    to_apple = browser.submit("/account/delete")
    page = browser.get(to_apple.location).get_data(as_text=True)
    request_id = re.search(r'name="request_id" value="([^"]+)"', page).group(1)
    idp = app.extensions["gatehouse.userpool"].client
    (user,) = idp.list_users(
        UserPoolId="us-east-1_gatehouse", Filter='email = "apple.person@example.com"'
    )["Users"]
    # "Sign out everywhere" from another device, meanwhile.
    idp.admin_user_global_sign_out(UserPoolId="us-east-1_gatehouse", Username=user["Username"])
    back = browser.submit(
        "/_localpool/apple/auth/authorize",
        request_id=request_id,
        email="apple.person@example.com",
        action="continue",
    )
    response = browser.get(back.location)
    assert response.status_code == 303 and response.location == "/login"
    assert not _gone(app, "apple.person@example.com")
