"""``/login/email-code``: sign in with a one-time code sent by email (Cognito's ``USER_AUTH``
with the ``EMAIL_OTP`` challenge), beside magic links, where the brand offers it.

The pool makes, sends (through the CustomMessage trigger, ``CustomMessage_Authentication``) and
checks the code, chosen in ``SELECT_CHALLENGE`` so that the page's language and brand reach the
email; the challenge session is kept in this browser's session. Every address gets the
same "check your email" page: an unknown, unconfirmed or refused one (PreAuthentication, which
the pool runs before it sends the code) keeps a session of none, and its codes fail exactly as
wrong ones do — the same message, the same three tries, the same lifetime, inside the same
response-time floor. After a right code, a trigger's refusal (PostAuthentication) is the
refusal page, as after a right password: the person has shown the mailbox is theirs. A code is
one factor: an account with an authenticator app is not signed in by it (``second_factor``).
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, session, url_for

from .. import i18n
from ..branding import current_brand
from ..messages import flash_message
from ..recent import now
from ..signin import outcome, own_client_id, user_pool
from ..signin_methods import offers
from ..userpool import errors
from ..web.limits import limited
from ..web.timing import padded
from .forms import CodeForm, EmailForm
from .second_factor import needs_second_factor

bp = Blueprint("email_code", __name__)
KEY = "email_code"
# Wrong codes before the code is spent, and how long one lives: the local pool's and Cognito's
# (three tries; the pool's auth session, three minutes by default).
TRIES = 3
LIFETIME_SECONDS = 180


@bp.route("/login/email-code", methods=["GET", "POST"])
@limited
def ask():
    """Ask for a code; every address gets the same "check your email" page."""
    form = EmailForm()
    if not offers("email_code"):
        return redirect(url_for("signin.login"), 303)
    if not form.validate_on_submit():
        return render_template("signin/email_code.html", form=form)
    email = form.email.data.strip()
    with padded():
        try:
            started = _start(email)
        except errors.TooManyAttempts:
            # The pool's hourly limit of codes counts unknown addresses too: the same for all.
            flash_message("too_many_attempts")
            return render_template("signin/email_code.html", form=form)
    session[KEY] = {
        "email": email,
        "client_id": own_client_id(),
        "session": started.get("Session"),
        "username": (started.get("ChallengeParameters") or {}).get("USERNAME", email),
        "asked_at": now(),
        "wrong": 0,
    }
    return redirect(url_for("email_code.sent"), 303)


def _start(email: str) -> dict:
    """USER_AUTH's choice, then EMAIL_OTP chosen (the pool sends the code); {} when the pool
    sends none (an unconfirmed or refused address, an email that could not go out, a pool
    without email codes). Cognito passes the ClientMetadata of RespondToAuthChallenge to the
    CustomMessage trigger, not InitiateAuth's: choosing the code in a second call is what brings
    the page's language and brand to the email."""
    pool = user_pool()
    # The email wears the brand of this page (the sign-in runs as Gatehouse's client).
    metadata = i18n.client_metadata(brand=current_brand().client_id)
    try:
        choice = pool.call(
            "InitiateAuth",
            ClientId=own_client_id(),
            AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": email},
            ClientMetadata=metadata,
        )
        if "EMAIL_OTP" not in (choice.get("AvailableChallenges") or []):
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
    except (
        errors.InvalidCredentials,
        errors.NotConfirmed,
        errors.InvalidInput,
        errors.NotFound,
        errors.Rejected,
        errors.DeliveryFailed,  # only an account's code can fail to go out
    ):
        return {}
    return started if started.get("ChallengeName") == "EMAIL_OTP" else {}


@bp.route("/login/email-code/sent", methods=["GET", "POST"])
@limited
def sent():
    """Check your email, and type the code here."""
    waiting = session.get(KEY)
    if not waiting:
        return redirect(url_for("email_code.ask"), 303)
    form = CodeForm()
    # The address as typed, in full: a person sees a typo at once (it tells nothing new).
    page = {"form": form, "email": waiting["email"]}
    if not form.validate_on_submit():
        return render_template("signin/email_code_sent.html", **page)
    try:
        with padded():
            verdict, result = _answer(waiting, form.code.data.strip())
    except errors.Rejected:
        session.pop(KEY, None)  # the pool spent the challenge: the refusal page ends it here too
        raise
    if verdict == "wrong":
        session[KEY] = {**waiting, "wrong": waiting["wrong"] + 1}
        flash_message("email_code_wrong")
        return render_template(
            "signin/email_code_sent.html", **{**page, "form": CodeForm(formdata=None)}
        )
    session.pop(KEY, None)
    if verdict == "spent":
        flash_message("email_code_spent")
        return redirect(url_for("email_code.ask"), 303)
    if needs_second_factor(result, waiting["client_id"]):
        flash_message("email_code_needs_mfa")
        return redirect(url_for("signin.login", login_hint=waiting["email"]), 303)
    return outcome(result, waiting["email"], waiting["client_id"], "otp")


def _answer(waiting: dict, code: str) -> tuple[str, dict]:
    """RespondToAuthChallenge EMAIL_OTP: ``("signed_in", result)``, ``("wrong", {})`` while tries
    are left, else ``("spent", {})``. A session of none fails as a wrong code does; a trigger's
    refusal after a right code (``errors.Rejected``) reaches the refusal page."""
    last_try = waiting["wrong"] + 1 >= TRIES
    if now() > waiting["asked_at"] + LIFETIME_SECONDS:
        return "spent", {}
    if not waiting.get("session"):
        return ("spent" if last_try else "wrong"), {}
    try:
        result = user_pool().call(
            "RespondToAuthChallenge",
            ClientId=waiting["client_id"],
            ChallengeName="EMAIL_OTP",
            Session=waiting["session"],
            ChallengeResponses={"USERNAME": waiting["username"], "EMAIL_OTP_CODE": code},
            ClientMetadata=i18n.client_metadata(),
        )
    except errors.CodeMismatch:
        return ("spent" if last_try else "wrong"), {}
    except (
        errors.InvalidCredentials,
        errors.SessionExpired,
        errors.CodeExpired,
        errors.TooManyAttempts,
        # After a right code only: the account cannot sign in (an unconfirmed address, or a
        # password to reset); the code is spent all the same.
        errors.NotConfirmed,
        errors.PasswordResetRequired,
        errors.InvalidInput,
        errors.NotFound,
    ):
        return "spent", {}
    return "signed_in", result
