"""``/account/two-step``: two-step verification with an authenticator app (TOTP), set up and
turned off from the account pages.

Setting up: AssociateSoftwareToken gives a secret, kept in the session (which lives in the
store) and never in a page's form or a URL; the page draws it as a QR code and as text; a code
from the app goes to VerifySoftwareToken, then SetUserMFAPreference turns the sign-in challenge
on. Turning off is SetUserMFAPreference with Enabled false. Each change tells the account's
address, through a follow-up written before the change (``followups``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import segno
from flask import Blueprint, redirect, render_template, session, url_for
from flask_babel import format_datetime

from .. import followups
from ..branding import current_brand
from ..followups import steps
from ..messages import flash_message
from ..recent import now, recent_sign_in_required
from ..signin import signed_in_user, user_pool
from ..userpool import errors
from ..web.limits import limited
from .account import has_mfa, session_ended
from .forms import AuthenticatorCodeForm, ButtonForm

bp = Blueprint("two_step", __name__)
SETUP = "two_step_setup"
# Long enough to install an app and scan; the set-up started after a recent sign-in.
SETUP_SECONDS = 10 * 60
# What the pool calls the app in its list of the user's devices (no person reads it here).
DEVICE_NAME = "Authenticator app"


def _account() -> tuple[dict, str]:
    """GetUser and the account's email."""
    user = user_pool().call("GetUser", AccessToken=session["access_token"])
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    return user, attributes.get("email", "")


@bp.route("/account/two-step", methods=["GET", "POST"])
@recent_sign_in_required
@limited
def start():
    """Whether two-step verification is on; the POST starts setting up an authenticator app."""
    form = ButtonForm()
    try:
        user, _email = _account()
        on = has_mfa(user)
        if on or not form.validate_on_submit():
            return render_template("account/two_step.html", form=form, on=on)
        token = session["access_token"]
        # A new secret replaces any earlier one, so sending it again is always safe.
        secret = user_pool().call(
            "AssociateSoftwareToken", AccessToken=token, reconcile=lambda: False
        )["SecretCode"]
    except errors.SessionExpired:
        return session_ended()
    session[SETUP] = {"secret": secret, "started": now(), "verified": False}
    return redirect(url_for("two_step.scan"), 303)


@bp.route("/account/two-step/app", methods=["GET", "POST"])
@limited
def scan():
    """The QR code and the secret to add to the app; the POST checks a code it shows."""
    if not signed_in_user():
        return redirect(url_for("signin.login"), 303)
    setup = session.get(SETUP)
    if not setup or now() - setup["started"] > SETUP_SECONDS:
        return _expired()
    form = AuthenticatorCodeForm()
    if not form.validate_on_submit():
        return _scan_page(setup["secret"], form)
    sub = session["user"]["sub"]
    try:
        _user, email = _account()
        planned = [steps.mail(email, "two_step_on", when=_when())]
        with followups.intend(planned, check=steps.totp_is(sub, True)):
            if not setup["verified"]:
                user_pool().call(
                    "VerifySoftwareToken",
                    AccessToken=session["access_token"],
                    UserCode=form.code.data,
                    FriendlyDeviceName=DEVICE_NAME,
                )
                # If turning it on fails now, a second try needs no second code.
                session[SETUP] = {**setup, "verified": True}
            _prefer(True)
    except errors.SessionExpired:
        return session_ended()
    except errors.CodeExpired:
        return _expired()
    except (errors.CodeMismatch, errors.TooManyAttempts) as exc:
        flash_message("two_step_code_wrong" if isinstance(exc, errors.CodeMismatch) else exc.key)
        return _scan_page(setup["secret"], form)
    session.pop(SETUP, None)
    flash_message("two_step_on")
    return redirect(url_for("account.overview"), 303)


@bp.route("/account/two-step/off", methods=["GET", "POST"])
@recent_sign_in_required
@limited
def turn_off():
    """What turning it off means, and the button; the POST turns it off."""
    form = ButtonForm()
    sub = session["user"]["sub"]
    try:
        user, email = _account()
        if not has_mfa(user):
            return redirect(url_for("two_step.start"), 303)
        if not form.validate_on_submit():
            return render_template("account/two_step_off.html", form=form)
        planned = [steps.mail(email, "two_step_off", when=_when())]
        with followups.intend(planned, check=steps.totp_is(sub, False)):
            _prefer(False)
    except errors.SessionExpired:
        return session_ended()
    except errors.InvalidInput:
        # The user pool requires two-step verification of every account.
        flash_message("two_step_required")
        return redirect(url_for("account.overview"), 303)
    flash_message("two_step_off")
    return redirect(url_for("account.overview"), 303)


def _prefer(enabled: bool) -> None:
    """SetUserMFAPreference for the authenticator app; after an unclear answer, GetUser tells
    whether it took (sending it again is harmless either way)."""
    pool = user_pool()
    token = session["access_token"]

    def took() -> bool:
        """The pool shows the preference asked for."""
        return steps.totp_on(pool.call("GetUser", AccessToken=token)) == enabled

    pool.call(
        "SetUserMFAPreference",
        AccessToken=token,
        SoftwareTokenMfaSettings={"Enabled": enabled, "PreferredMfa": enabled},
        reconcile=took,
    )


def _expired():
    """The set-up ran out of time (or the pool no longer has its secret): start again."""
    session.pop(SETUP, None)
    flash_message("two_step_setup_expired")
    return redirect(url_for("two_step.start"), 303)


def _when() -> str:
    """Now, as the notice email says it (in the request's language, in UTC)."""
    return format_datetime(datetime.fromtimestamp(now(), UTC), "long")


def otpauth_uri(secret: str, email: str) -> str:
    """``otpauth://totp/<brand>:<email>?secret=…&issuer=<brand>``, as authenticator apps read it."""
    brand = current_brand().display_name
    query = urlencode({"secret": secret, "issuer": brand}, quote_via=quote)
    return f"otpauth://totp/{quote(brand)}:{quote(email)}?{query}"


def qr_svg(uri: str) -> str:
    """The URI as a QR code: inline SVG (no script, no data: URI), dark on a light square."""
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _scan_page(secret: str, form: AuthenticatorCodeForm):
    """The set-up page for this secret."""
    uri = otpauth_uri(secret, session["user"].get("email", ""))
    return render_template(
        "account/two_step_app.html",
        form=form,
        qr=qr_svg(uri),
        uri=uri,
        secret=grouped(secret),
        minutes=SETUP_SECONDS // 60,
    )
