"""``/login/email-code``: sign in with a code sent by email (Cognito's ``USER_AUTH`` with the
``EMAIL_OTP`` first factor), as Gatehouse's own app client; the pending app request travels along.

The code is asked for in two calls: InitiateAuth ``USER_AUTH`` (the choice, ``SELECT_CHALLENGE``),
then RespondToAuthChallenge choosing ``EMAIL_OTP``. Cognito passes no InitiateAuth ClientMetadata
to the CustomMessage trigger, a RespondToAuthChallenge's it does: so the page's language reaches
the email. The challenge session stays in Gatehouse's session, never in the page.

Every address gets the same "we've emailed you a code" page, and every wrong code the same answer
in the same time: an unknown address's challenge is the pool's decoy, and an address the pool
gave no challenge to (refused, or its email could not go out) is answered like a wrong code
without asking the pool, inside the same floor (``padded``).
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from .. import i18n
from ..magic_link.tokens import masked
from ..messages import flash_message, reason_key
from ..signin import own_client_id, user_pool
from ..signin_methods import offers
from ..userpool import errors
from ..web.limits import limited
from ..web.timing import padded
from .forms import CodeForm, EmailForm
from .one_factor import signed_in_by_email

bp = Blueprint("email_code", __name__)
KEY = "email_code"
# Wrong codes before the person asks for a new one: Cognito's three per challenge session.
TRIES = 3
# What the pool answers, for a known address as for any other, when it sends no code: the same
# page follows (nothing may tell the addresses apart).
NO_CODE = (
    errors.NotConfirmed,
    errors.InvalidCredentials,
    errors.InvalidInput,
    errors.NotFound,
    errors.DeliveryFailed,  # only an account's code can fail to go out
    errors.TooManyAttempts,
    errors.Rejected,
)
# What the pool may answer to a code; every other error is the pool's fault (its error page).
REFUSALS = (
    errors.CodeMismatch,
    errors.CodeExpired,
    errors.InvalidCredentials,
    errors.SessionExpired,
    errors.TooManyAttempts,
    errors.NotConfirmed,
    errors.PasswordResetRequired,
    errors.Rejected,
    errors.InvalidInput,
    errors.NotFound,
)


@bp.route("/login/email-code", methods=["GET", "POST"])
@limited
def ask():
    """Ask for the address (the sign-in page's button posts it here); send a code."""
    if not offers("email_code"):
        return redirect(url_for("signin.login"), 303)
    form = EmailForm()
    if not form.validate_on_submit():
        return render_template("email_code/ask.html", form=form)
    email = form.email.data.strip()
    with padded():
        challenge = _send_code(email)
    session[KEY] = {"email": email, "client_id": own_client_id(), "tries": 0, **challenge}
    return redirect(url_for("email_code.sent"), 303)


def _send_code(email: str) -> dict:
    """The pool's EMAIL_OTP challenge for ``email`` (``session``, ``username``), or an empty
    one when it sends no code."""
    pool = user_pool()
    metadata = i18n.client_metadata()
    try:
        choice = pool.call(
            "InitiateAuth",
            ClientId=own_client_id(),
            AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": email},
            ClientMetadata=metadata,
        )
        if "EMAIL_OTP" not in choice.get("AvailableChallenges", []):
            return {}
        username = (choice.get("ChallengeParameters") or {}).get("USERNAME", email)
        started = pool.call(
            "RespondToAuthChallenge",
            ClientId=own_client_id(),
            ChallengeName="SELECT_CHALLENGE",
            Session=choice["Session"],
            ChallengeResponses={"USERNAME": username, "ANSWER": "EMAIL_OTP"},
            ClientMetadata=metadata,
        )
    except NO_CODE:
        return {}
    if started.get("ChallengeName") != "EMAIL_OTP":
        return {}
    username = (started.get("ChallengeParameters") or {}).get("USERNAME", username)
    return {"session": started["Session"], "username": username}


@bp.route("/login/email-code/sent", methods=["GET", "POST"])
@limited
def sent():
    """ "We've emailed you a code", and the code typed here."""
    waiting = session.get(KEY)
    if not waiting:
        if request.method == "POST":  # a code for a sign-in that has ended
            flash_message("email_code_expired")
        return redirect(url_for("email_code.ask"), 303)
    form = CodeForm()
    if not form.validate_on_submit():
        return _sent_page(waiting, form)
    # The refusal is caught inside the floor: a wrong code takes as long for every address.
    with padded():
        result, refusal = _answer(waiting, form.code.data)
    if refusal is not None:
        return _refused(waiting, refusal)
    session.pop(KEY, None)
    return signed_in_by_email(
        result, waiting["email"], waiting["client_id"], "email_code_needs_mfa"
    )


def _answer(waiting: dict, code: str) -> tuple[dict, errors.UserPoolError | None]:
    """RespondToAuthChallenge EMAIL_OTP: the pool's answer, or its refusal. Without a challenge
    (no code was sent) every code is wrong, as it is for the pool's decoy."""
    if not waiting.get("session"):
        return {}, errors.CodeMismatch("no challenge", "RespondToAuthChallenge")
    try:
        result = user_pool().call(
            "RespondToAuthChallenge",
            ClientId=waiting["client_id"],
            ChallengeName="EMAIL_OTP",
            Session=waiting["session"],
            ChallengeResponses={"USERNAME": waiting["username"], "EMAIL_OTP_CODE": code},
            ClientMetadata=i18n.client_metadata(),
        )
    except REFUSALS as exc:
        return {}, exc
    return result, None


def _refused(waiting: dict, refusal: errors.UserPoolError):
    """The next page after a refused code: the same page for a wrong code (a few tries), else
    start again, or confirm the address or reset the password (after a right code only)."""
    if isinstance(refusal, errors.CodeMismatch):
        waiting["tries"] += 1
        if waiting["tries"] >= TRIES:
            return _start_again("email_code_tried_out")
        session[KEY] = waiting
        flash_message("email_code_wrong")
        return _sent_page(waiting, CodeForm(formdata=None))
    if isinstance(refusal, errors.NotConfirmed):
        session.pop(KEY, None)
        flash_message("not_confirmed")
        session["confirm_email"] = waiting["email"]
        return redirect(url_for("signup.confirm"), 303)
    if isinstance(refusal, errors.PasswordResetRequired):
        session.pop(KEY, None)
        flash_message("password_reset_required")
        return redirect(url_for("recovery.forgot", email=waiting["email"]), 303)
    if isinstance(refusal, (errors.InvalidCredentials, errors.SessionExpired, errors.CodeExpired)):
        return _start_again("email_code_expired")  # the code or its session is spent or expired
    return _start_again(reason_key(refusal))


def _sent_page(waiting: dict, form: CodeForm):
    """The code page, naming the address as typed (masked alike for every address)."""
    who = masked(waiting["email"].lower())
    return render_template("email_code/sent.html", form=form, who=who)


def _start_again(key: str):
    """The sign-in by code has ended: say why, and ask for a new code."""
    session.pop(KEY, None)
    flash_message(key)
    return redirect(url_for("email_code.ask"), 303)
