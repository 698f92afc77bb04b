"""What a follow-up does, one step at a time, and how it finds out whether its change happened.

Steps and checks are plain JSON records, so that a follow-up outlives the process that wrote it.
A step is done at least once: an email is sent again with the same Message-ID (so the repeat is
recognisable), an audit line carries the follow-up's id, and the pool's steps (finishing a
deletion, signing out everywhere) are idempotent.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app

from ..mail import render
from ..mail.outbox import MailUnavailable, Undeliverable
from ..observability import audit
from ..userpool import errors


class Later(Exception):
    """The step failed for now: the follow-up waits and is tried again."""


class Never(Exception):
    """The step can never succeed: the follow-up is marked failed and logged."""


# ---- steps ---------------------------------------------------------------------------------


def mail(to: str, template: str, **context: Any) -> dict[str, Any]:
    """Send ``email/<template>``, rendered now: in this request's language, brand and links,
    whoever delivers it (the sweep runs in some other person's request, cron in none)."""
    rendered = render(template, **context)
    return {
        "kind": "mail",
        "template": template,
        "to": to,
        "subject": rendered.subject,
        "text": rendered.text,
        "html": rendered.html,
        "sender_name": rendered.sender_name,
    }


def audit_line(event: str, sub: str) -> dict[str, Any]:
    """Write ``<event> id=<hashed sub>`` to the audit stream (hashed now, as it is written)."""
    return {"kind": "audit", "event": event, "id": audit.audit_id(sub)}


def delete_user(sub: str) -> dict[str, Any]:
    """Finish a deletion the pool did not confirm: AdminDeleteUser (already gone is done)."""
    return {"kind": "delete_user", "sub": sub}


def sign_out_everywhere(sub: str) -> dict[str, Any]:
    """Revoke every refresh token of the user (AdminUserGlobalSignOut; idempotent). ``sub`` may
    be any name the pool knows the user by (its email too)."""
    return {"kind": "sign_out_everywhere", "sub": sub}


def message_id(follow_up_id: str, index: int) -> str:
    """The Message-ID of a follow-up's email: the same on every attempt."""
    host = urlsplit(current_app.extensions["gatehouse.settings"].base_url).hostname or "gatehouse"
    return f"<{follow_up_id}.{index}@{host}>"


def run(step: dict[str, Any], follow_up_id: str, index: int) -> None:
    """Do one step; raise Later or Never when it fails."""
    kind = step["kind"]
    if kind == "mail":
        _send(step, message_id(follow_up_id, index))
    elif kind == "audit":
        audit.write(step["event"], step["id"], follow_up=follow_up_id)
    elif kind == "delete_user":
        _admin("AdminDeleteUser", step["sub"])
    elif kind == "sign_out_everywhere":
        from ..signin import signed_out_everywhere

        _admin("AdminUserGlobalSignOut", step["sub"])
        signed_out_everywhere(step["sub"])  # and no Gatehouse session signs in to apps by SSO
    else:
        raise Never(f"unknown step {kind!r}")


def _send(step: dict[str, Any], msgid: str) -> None:
    """One email through the app's sender."""
    sender = current_app.extensions["gatehouse.mailer"]
    try:
        sender.send(
            step["to"],
            step["subject"],
            step["text"],
            step["html"],
            message_id=msgid,
            # A follow-up written before sender names were recorded has none: the default.
            sender_name=step.get("sender_name", ""),
        )
    except MailUnavailable as exc:
        raise Later(str(exc)) from exc
    except Undeliverable as exc:
        raise Never(str(exc)) from exc


def _admin(operation: str, sub: str) -> None:
    """An administrator's call about one user; a user already gone needs nothing more."""
    try:
        current_app.extensions["gatehouse.userpool"].call(operation, Username=sub)
    except errors.NotFound:
        return
    except (errors.Unavailable, errors.ConfigurationFault) as exc:
        raise Later(f"{operation}: {exc.code}") from exc
    except errors.UserPoolError as exc:
        raise Never(f"{operation}: {exc.code}") from exc


# ---- checks: did the change happen? ---------------------------------------------------------


def user_gone(sub: str) -> dict[str, Any]:
    """The change was a deletion: it happened if the user no longer exists."""
    return {"kind": "user_gone", "sub": sub}


def email_is(sub: str, email: str) -> dict[str, Any]:
    """The change was an email verification: it happened if ``email`` is the verified address."""
    return {"kind": "email_is", "sub": sub, "email": email}


def password_changed(sub: str) -> dict[str, Any]:
    """The change is a password change: it happened if the user was modified after now.

    The pool shows no password, only AdminGetUser's UserLastModifiedDate; it is read now, before
    the change, because the pool's clock is not ours.
    """
    user = current_app.extensions["gatehouse.userpool"].call("AdminGetUser", Username=sub)
    return {"kind": "modified_after", "sub": sub, "at": _modified(user)}


def totp_is(sub: str, enabled: bool) -> dict[str, Any]:
    """The change turned the authenticator app's sign-in challenge on (or off): it happened
    if the pool shows it so."""
    return {"kind": "totp_is", "sub": sub, "enabled": enabled}


def totp_on(user: dict[str, Any]) -> bool:
    """GetUser's or AdminGetUser's answer shows the authenticator app set up and preferred
    (a verified app that was never turned on does not count)."""
    return "SOFTWARE_TOKEN_MFA" in user.get("UserMFASettingList", []) and (
        user.get("PreferredMfaSetting") == "SOFTWARE_TOKEN_MFA"
    )


def _modified(user: dict[str, Any]) -> float:
    """AdminGetUser's UserLastModifiedDate as a timestamp."""
    return user["UserLastModifiedDate"].timestamp()


def passkey_is(access_token: str, credential_id: str, present: bool) -> dict[str, Any]:
    """The change adds (``present``) or deletes a passkey: it happened if the account lists it,
    or no longer does. Only the person's access token can list passkeys (Cognito has no admin
    call for them), so it is kept with the check; it lives an hour, the sweep comes in a minute."""
    return {
        "kind": "passkey_is",
        "access_token": access_token,
        "credential_id": credential_id,
        "present": present,
    }


def _passkey_listed(check: dict[str, Any]) -> bool | None:
    """Whether the account lists the passkey now (None: the token no longer says)."""
    pool = current_app.extensions["gatehouse.userpool"]
    token = None
    try:
        while True:
            page = pool.call(
                "ListWebAuthnCredentials",
                AccessToken=check["access_token"],
                MaxResults=20,
                **({"NextToken": token} if token else {}),
            )
            if any(c["CredentialId"] == check["credential_id"] for c in page["Credentials"]):
                return True
            token = page.get("NextToken")
            if not token:
                return False
    except errors.UserPoolError:
        return None


def happened(check: dict[str, Any] | None) -> bool | None:
    """True if the change happened, False if not, None if the pool cannot tell now.

    A follow-up without a check speaks of a request, not of its outcome (someone asked to
    change the address): it is delivered whatever the pool says.
    """
    if check is None:
        return True
    if check["kind"] == "passkey_is":
        listed = _passkey_listed(check)
        return None if listed is None else listed == check["present"]
    try:
        user = current_app.extensions["gatehouse.userpool"].call(
            "AdminGetUser", Username=check["sub"]
        )
    except errors.NotFound:
        return check["kind"] == "user_gone"
    except errors.UserPoolError:
        return None
    if check["kind"] == "user_gone":
        return False
    if check["kind"] == "email_is":
        attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
        return attributes.get("email") == check["email"] and (
            attributes.get("email_verified") == "true"
        )
    if check["kind"] == "totp_is":
        return totp_on(user) == check["enabled"]
    return _modified(user) > check["at"]
