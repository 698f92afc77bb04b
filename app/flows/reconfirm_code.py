""" "Confirm it's you" with an emailed code: for people who sign in by magic link (or with a
provider, or who have a password but prefer a code).

Gatehouse sends this code itself, through its mail module, rather than through the custom-auth
magic-link triggers: it confirms a session that already exists, so it needs no new tokens from
the pool (no UserAuthentication call spent), it works in every deployment (magic links and
ALLOW_CUSTOM_AUTH are optional), and its email says what it is for and carries no link that
would sign in whichever browser opens it.

A code is 6 digits, kept only as an HMAC, bound to the browser that asked (its id is in the
session) and to the account; it works once, for ten minutes; three wrong tries spend it; every
failure reads the same. Each guess takes the record out of the store (``take`` is atomic), so
parallel guesses cannot exceed the tries. An account gets at most five codes an hour.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets

from flask import Blueprint, current_app, redirect, render_template, session, url_for
from flask_limiter.util import get_remote_address

from .. import mail
from ..magic_link.tokens import masked
from ..mail.outbox import MailUnavailable, Undeliverable
from ..messages import flash_message
from ..recent import confirmed_now, now
from ..signin import signed_in_user
from ..userpool import errors
from ..web.limits import limited, limiter
from ..web.timing import padded
from .account import session_ended
from .forms import ButtonForm, CodeForm
from .reconfirm import back, ways

bp = Blueprint("reconfirm_code", __name__)
log = logging.getLogger(__name__)
CODE_SECONDS = 10 * 60
MAX_TRIES = 3
CODES_PER_HOUR = "5 per hour"
RECORD_PREFIX = "reconfirm-code:"
SESSION_KEY = "reconfirm_code"  # the id of this browser's live code


def _store():
    """The app's store."""
    return current_app.extensions["gatehouse.store"]


def _digest(code_id: str, code: str) -> str:
    """The code as kept: an HMAC under the app's secret, salted with the record's id."""
    key = current_app.secret_key.encode()
    return hmac.new(key, f"{code_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _requester_key() -> str:
    """Codes are counted per account, whichever browser asks (per IP before a sign-in)."""
    user = session.get("user")
    return "reconfirm-code:" + (user["sub"] if user else "ip:" + get_remote_address())


@bp.post("/account/confirm/code/send")
@limited
@limiter.limit(CODES_PER_HOUR, key_func=_requester_key, methods=["POST"])
def send():
    """Email a new code (it replaces this browser's last one); the answer is the same page
    whether or not an email could be sent."""
    user = signed_in_user()
    if not user or not ButtonForm().validate_on_submit():
        return redirect(url_for("signin.login"), 303)
    try:
        found = ways()
    except errors.SessionExpired:
        return session_ended()
    with padded():
        old = session.pop(SESSION_KEY, None)
        if old:
            _store().delete(RECORD_PREFIX + old)
        if found.code:
            _issue(user["sub"], found.email)
    flash_message("reconfirm_code_sent")
    return redirect(url_for("reconfirm_code.enter", next=back()), 303)


def _issue(sub: str, email: str) -> None:
    """Write the code's record, remember it in this session, and email the code."""
    code_id = secrets.token_urlsafe(16)
    code = f"{secrets.randbelow(10**6):06d}"
    record = {"sub": sub, "digest": _digest(code_id, code), "tries": 0}
    _store().put(RECORD_PREFIX + code_id, {**record, "until": now() + CODE_SECONDS}, CODE_SECONDS)
    session[SESSION_KEY] = code_id
    try:
        mail.send(email, "reconfirm_code", code=code, minutes=CODE_SECONDS // 60)
    except (MailUnavailable, Undeliverable) as exc:
        # A code is worth nothing later: no follow-up. The person asks again; the log says why.
        log.warning("reconfirm code not sent: %s", exc)


@bp.route("/account/confirm/code", methods=["GET", "POST"])
@limited
def enter():
    """Type the code; right, the account pages are open for a few minutes."""
    user = signed_in_user()
    if not user:
        return redirect(url_for("signin.login"), 303)
    form = CodeForm()
    if form.validate_on_submit():
        if _spend(user["sub"], form.code.data.strip()):
            confirmed_now()
            return redirect(url_for(back()), 303)
        flash_message("reconfirm_code_wrong")
        form = CodeForm(formdata=None)
    return render_template(
        "account/confirm_code.html",
        form=form,
        buttons=ButtonForm(formdata=None),
        who=masked(user["email"]),  # the session's address follows the pool's (account pages)
        back=back(),
    )


def _spend(sub: str, code: str) -> bool:
    """True, once, for this browser's live code; a wrong guess counts, the third spends it."""
    code_id = session.get(SESSION_KEY)
    record = _store().take(RECORD_PREFIX + code_id) if code_id else None
    if record is None or record["sub"] != sub:
        return False
    if hmac.compare_digest(record["digest"], _digest(code_id, code)):
        session.pop(SESSION_KEY, None)
        return True
    left = record["until"] - now()
    if record["tries"] + 1 < MAX_TRIES and left > 0:
        record["tries"] += 1
        _store().put(RECORD_PREFIX + code_id, record, math.ceil(left))
    return False
