"""The "Not you? Secure your account" link in the notice an email change sends to the old address.

It works once for three days, and names the account and its old address. Whether the change is
still pending or already done, it gives the account back the old address (an administrator's
update with ``email_verified``), makes the password unusable and sends a reset code to the old
address (AdminResetUserPassword: the password someone else knows stops working), and signs the
account out everywhere. If the old address now belongs to another account it cannot be given
back: the account is locked instead (AdminDisableUser) and the page says exactly that — a reset
code would go to the new address.

Each link is a record in the store under the account's sub, and securing the account removes
every one of them, not only the link that was used: a later change started from someone else's
address sent that address a link of its own, which must not give the account back to them.
"""

from __future__ import annotations

import secrets
import string

from flask import Blueprint, current_app, redirect, render_template, session, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .. import mail
from ..messages import flash_message
from ..signin import sign_out, signed_out_everywhere, user_pool
from ..userpool import errors
from ..web.signing import serializer
from .forms import ButtonForm

bp = Blueprint("secure_account", __name__)
RECORD_PREFIX = "secure_account:"
CLAIM_PREFIX = "secure_account-claim:"
# Long enough to see the notice after a weekend, short enough that an old mailbox that changes
# hands later cannot take the account back.
LINK_SECONDS = 3 * 86400
CLAIM_SECONDS = 120
RESTORED, STOPPED, TAKEN = "restored", "stopped", "taken"


def _serializer() -> URLSafeTimedSerializer:
    """Signs the link's contents."""
    return serializer(current_app.secret_key, "gatehouse.secure-account")


def _store():
    """The app's store."""
    return current_app.extensions["gatehouse.store"]


def _record_key(sub: str, record_id: str) -> str:
    """Where one link's record lives: under its account, so all of them can be ended at once."""
    return f"{RECORD_PREFIX}{sub}:{record_id}"


def secure_link(sub: str, old: str) -> str:
    """A single-use link that secures this account and gives it back ``old``."""
    record_id = secrets.token_urlsafe(16)
    _store().put(_record_key(sub, record_id), {"sub": sub, "old": old}, LINK_SECONDS)
    token = _serializer().dumps({"id": record_id, "sub": sub, "old": old})
    return mail.external_url("secure_account.secure", token=token)


def _link(token: str) -> dict[str, str] | None:
    """The link's contents if it is genuine, recent and not yet used."""
    try:
        data = _serializer().loads(token, max_age=LINK_SECONDS)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not {"id", "sub", "old"} <= data.keys():
        return None
    record = _store().get(_record_key(data["sub"], data["id"]))
    if record != {"sub": data["sub"], "old": data["old"]}:
        return None
    return data


@bp.route("/account/secure/<token>", methods=["GET", "POST"])
def secure(token: str):
    """GET shows what securing does and a button; the POST secures the account, once."""
    link = _link(token)
    if link is None:
        return render_template("email_change/secure.html", state="invalid"), 400
    form = ButtonForm()
    if not form.validate_on_submit():
        return render_template("email_change/secure.html", state="ask", form=form)
    if not _store().add(CLAIM_PREFIX + link["id"], {}, CLAIM_SECONDS):
        return render_template("email_change/secure.html", state="busy"), 409
    try:
        outcome, code_sent = _secure(link["sub"], link["old"])
    except errors.NotFound:
        outcome, code_sent = None, False  # the account is gone: nothing to secure
    finally:
        # Steps done so far are safe to repeat: a failure leaves the link usable.
        _store().delete(CLAIM_PREFIX + link["id"])
    _end_links(link["sub"])  # used: neither it nor any other link of the account works again
    sign_out()
    if outcome is None:
        return render_template("email_change/secure.html", state="invalid"), 400
    if outcome == TAKEN or not code_sent:
        return render_template(
            "email_change/secure.html", state=outcome, email=link["old"], code_sent=code_sent
        )
    session["reset_email"] = link["old"]
    flash_message("account_restored" if outcome == RESTORED else "account_secured")
    return redirect(url_for("recovery.reset"), 303)


def _end_links(sub: str) -> None:
    """Remove every link the account's email changes sent, whichever address got it."""
    store = _store()
    for key in store.keys(_record_key(sub, "")):
        store.delete(key)


def _secure(sub: str, old: str) -> tuple[str, bool]:
    """Give the account back ``old``, stop its password, sign it out everywhere.

    Returns the outcome and whether a reset code was sent. The order matters: the address first
    (so that the code goes there), then the password (someone else's copy stops working), then
    every token (revoking anything obtained meanwhile).
    """
    pool = user_pool()
    user = pool.call("AdminGetUser", Username=sub)
    current = {a["Name"]: a["Value"] for a in user["UserAttributes"]}.get("email", "")
    try:
        # The current address set again, verified: a pending change and its code are dropped.
        pool.call(
            "AdminUpdateUserAttributes",
            Username=sub,
            UserAttributes=[
                {"Name": "email", "Value": old},
                {"Name": "email_verified", "Value": "true"},
            ],
        )
    except errors.AlreadyExists:
        pool.call("AdminDisableUser", Username=sub)
        pool.call("AdminUserGlobalSignOut", Username=sub)
        signed_out_everywhere(sub)
        return TAKEN, False
    code_sent = True
    try:
        pool.call("AdminResetUserPassword", Username=sub)
    except (errors.TooManyAttempts, errors.InvalidCredentials, errors.DeliveryFailed):
        # No code now (the hourly limit, or its email failed), or no password to reset: still,
        # no known password may keep working.
        pool.call("AdminSetUserPassword", Username=sub, Password=_unguessable(), Permanent=True)
        code_sent = False
    pool.call("AdminUserGlobalSignOut", Username=sub)
    signed_out_everywhere(sub)  # no session of the account signs in to apps by SSO any more
    from .email_change import forget_pending  # here: email_change imports this module

    forget_pending(sub)
    return (STOPPED if current == old else RESTORED), code_sent


def _unguessable() -> str:
    """A random password that meets any pool policy and that nobody is ever told."""
    groups = (string.ascii_uppercase, string.ascii_lowercase, string.digits, "!#%*+-=?@^_")
    pieces = [secrets.choice(group) for group in groups]
    return "".join(pieces) + secrets.token_urlsafe(32)
