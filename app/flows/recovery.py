"""``/forgotPassword`` and ``/confirmForgotPassword``: an emailed code (link or typed)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from .. import followups, i18n
from ..followups import steps
from ..messages import flash_message
from ..signin import target_client_id, user_pool
from ..userpool import errors
from ..userpool.reconcile import password_is
from ..web.limits import limited
from ..web.timing import padded
from .forms import EmailForm, ResetForm
from .policy import meets_password_policy, password_rules
from .refusal import PAGES, refusal_page

bp = Blueprint("recovery", __name__)


@bp.route("/forgotPassword", methods=["GET", "POST"])
@limited
def forgot():
    """Ask for a reset code; every address gets the same "check your email" page."""
    form = EmailForm()
    if request.method == "GET":
        form.email.data = request.args.get("email", "")
    if not form.validate_on_submit():
        return render_template("recovery/forgot.html", form=form)
    email = form.email.data.strip()
    with padded():
        try:
            user_pool().call(
                "ForgotPassword",
                ClientId=target_client_id(),
                Username=email,
                ClientMetadata=i18n.client_metadata(client_id=target_client_id()),
            )
        except (
            errors.NotConfirmed,
            errors.TooManyAttempts,
            errors.InvalidCredentials,
            errors.NotFound,
            errors.InvalidInput,
            errors.DeliveryFailed,  # only an account's code can fail to go out
        ):
            pass  # the same page for every address: no account enumeration
        except errors.Rejected as exc:
            # A UserMigration trigger that names a reason for a reset chose to say it (this
            # project's example trigger never does: a reset tells no one anything); any
            # other refusal gets the page every address gets.
            if exc.reason in PAGES:
                return refusal_page(exc, target_client_id())
    session["reset_email"] = email
    return redirect(url_for("recovery.reset", sent=1), 303)


@bp.route("/confirmForgotPassword", methods=["GET", "POST"])
@limited
def reset():
    """Choose a new password with the code; the link from the email fills in email and code.

    A refusal must not tell a known address from an unknown one: the password's policy is
    checked before the pool is asked, and a wrong code answers alike whether or not the pool's
    limit of wrong codes was reached (only an address with a code waiting can reach it).
    """
    form = ResetForm()
    if request.method == "GET":
        form.email.data = request.args.get("email") or session.get("reset_email", "")
        form.code.data = request.args.get("code", "")
    if not form.validate_on_submit():
        return render_template(
            "recovery/reset.html", form=form, rules=password_rules(), sent=request.args.get("sent")
        )
    email = form.email.data.strip()
    if not meets_password_policy(form.password.data):
        return _reset_again(form, "password_policy")
    pool = user_pool()
    try:
        # Whoever knew the old password may hold sessions (someone who signed up with this
        # address before its owner confirmed it, say): a reset ends them all, as a follow-up so
        # that a failure of the pool right after the reset cannot leave them alive.
        with followups.intend([steps.sign_out_everywhere(email)]):
            pool.call(
                "ConfirmForgotPassword",
                ClientId=target_client_id(),
                Username=email,
                ConfirmationCode=form.code.data.strip(),
                Password=form.password.data,
                reconcile=password_is(pool, target_client_id(), email, form.password.data),
            )
    except errors.CodeExpired as exc:
        return _reset_again(form, exc.key)  # only the right code can be expired
    except errors.PasswordPolicy as exc:
        return _reset_again(form, exc.key)  # a rule beyond the policy (a password used before)
    except (
        errors.CodeMismatch,
        errors.TooManyAttempts,
        errors.InvalidCredentials,
        errors.InvalidInput,
    ):
        return _reset_again(form, "reset_code_wrong")
    session.pop("reset_email", None)
    flash_message("password_changed")
    return redirect(url_for("signin.login", login_hint=email), 303)


def _reset_again(form: ResetForm, key: str):
    """The reset form again, with the reason, the typed address and code, and no password."""
    flash_message(key)
    form.password.data = ""
    return render_template("recovery/reset.html", form=form, rules=password_rules())
