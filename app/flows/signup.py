"""``/signup`` and email confirmation: by the emailed link (page with a button) or the code."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from .. import followups, i18n, observability
from ..followups import steps
from ..messages import flash_message, reason_key
from ..signin import target_client_id, user_pool
from ..userpool import errors
from ..web.limits import limited
from ..web.timing import padded
from .forms import ConfirmForm, EmailForm, signup_form
from .policy import password_rules, required_attributes

bp = Blueprint("signup", __name__)


@bp.route("/signup", methods=["GET", "POST"])
@limited
def signup():
    """Create an account; an address that already has one gets the same page and an email."""
    attributes = required_attributes()
    form = signup_form(attributes)
    if not form.validate_on_submit():
        return render_template(
            "signup/signup.html", form=form, rules=password_rules(), attributes=attributes
        )
    email = form.email.data.strip().lower()
    client_id = target_client_id()
    try:
        with padded():
            try:
                user_pool().call(
                    "SignUp",
                    ClientId=client_id,
                    Username=email,
                    Password=form.password.data,
                    UserAttributes=[
                        {"Name": name, "Value": form[f"attr_{name}"].data.strip()}
                        for name, _ in attributes
                    ]
                    + i18n.locale_attributes(client_id, dict(attributes)),
                    ClientMetadata=i18n.client_metadata(client_id=client_id),
                )
                observability.metrics().signed_up()
            except errors.DeliveryFailed:
                # Created, but its code did not go out: the same page, and it can be resent.
                observability.metrics().signed_up()
            except errors.AlreadyExists:
                # Tell the owner, not the person at the keyboard (no account enumeration), as a
                # follow-up: a mail failure (SES throttled by a flood of these, say) must not
                # answer differently from a new address, and the owner is told once it passes.
                followups.notify(
                    [steps.mail(email, "signup_exists", email=email, client_id=client_id)]
                )
    except (errors.PasswordPolicy, errors.InvalidInput, errors.Rejected) as exc:
        flash_message(reason_key(exc))
        form.password.data = ""
        return render_template(
            "signup/signup.html", form=form, rules=password_rules(), attributes=attributes
        )
    session["confirm_email"] = email
    return redirect(url_for("signup.confirm", sent=1), 303)


@bp.route("/confirm", methods=["GET", "POST"])
@limited
def confirm():
    """GET: the code form, or for a link (email and code in the URL) a page with a button.

    A GET never confirms: mail scanners open links. The POST confirms. A code that does not
    confirm gets one answer, whatever the address: a confirmed account (Cognito says so whatever
    the code), an unconfirmed one past its attempt limit and an unknown one must not differ.
    """
    form = ConfirmForm()
    if request.method == "GET":
        form.email.data = request.args.get("email") or session.get("confirm_email", "")
        form.code.data = request.args.get("code", "")
        from_link = bool(request.args.get("email") and request.args.get("code"))
        return render_template(
            "signup/confirm.html",
            form=form,
            from_link=from_link,
            resend=EmailForm(formdata=None, email=form.email.data),
            sent=request.args.get("sent"),
        )
    if not form.validate_on_submit():
        return _confirm_again(form)
    email = form.email.data.strip()
    refused = ""
    with padded():
        try:
            user_pool().call(
                "ConfirmSignUp",
                ClientId=target_client_id(),
                Username=email,
                ConfirmationCode=form.code.data.strip(),
            )
        except errors.CodeExpired as exc:
            refused = exc.key  # only the right code can be expired: its sender owns the mailbox
        except (
            errors.AlreadyConfirmed,
            errors.CodeMismatch,
            errors.TooManyAttempts,
            errors.InvalidCredentials,
            errors.InvalidInput,
        ):
            refused = "confirm_code_wrong"
    if refused:
        flash_message(refused)
        form.code.data = ""
        return _confirm_again(form)
    session.pop("confirm_email", None)
    flash_message("email_confirmed")
    return redirect(url_for("signin.login", login_hint=email), 303)


def _confirm_again(form: ConfirmForm):
    """The code form again, with the typed address kept for a new code."""
    return render_template(
        "signup/confirm.html",
        form=form,
        from_link=False,
        resend=EmailForm(formdata=None, email=form.email.data),
    )


@bp.post("/confirm/resend")
@limited
def resend():
    """Send a new code; every address gets the same answer."""
    form = EmailForm()
    if form.validate_on_submit():
        email = form.email.data.strip()
        session["confirm_email"] = email
        with padded():
            try:
                user_pool().call(
                    "ResendConfirmationCode",
                    ClientId=target_client_id(),
                    Username=email,
                    ClientMetadata=i18n.client_metadata(client_id=target_client_id()),
                )
            except (
                errors.AlreadyConfirmed,
                errors.TooManyAttempts,
                errors.InvalidCredentials,
                errors.NotFound,
                errors.InvalidInput,
                errors.DeliveryFailed,
            ):
                # The answer must not tell whether the address has an unconfirmed account
                # (only such an address can fail to be sent its code).
                pass
    return redirect(url_for("signup.confirm", sent=1), 303)
