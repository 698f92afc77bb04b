"""Email change with double opt-in: the new address confirms (link or code), the old one is told
at once and again when it is done, and can secure the account (``secure_account``).

The user pool keeps the old address as the sign-in email until the new one is verified
(``AttributesRequireVerificationBeforeUpdate``); the code reaches the new address through the
CustomMessage trigger, branded and with a link.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from .. import followups, i18n
from ..followups import steps
from ..magic_link.tokens import masked
from ..messages import flash_message
from ..recent import recent_sign_in_required
from ..signin import signed_in_user, user_pool
from ..userpool import errors
from ..userpool.reconcile import email_is
from ..web.limits import limited, limiter
from ..web.timing import padded
from .account import current_email, session_ended
from .forms import ButtonForm, CodeForm, EmailForm
from .secure_account import secure_link

bp = Blueprint("email_change", __name__)
# The pending change lives in the store under the user's sub, not in one browser's session: the
# link may be opened in any browser where the person is signed in.
PENDING_PREFIX = "email_change:"
PENDING_SECONDS = 24 * 3600  # as long as the pool's verification code
# Below the pool's own limit of codes per hour, so that a free and a taken address are refused
# alike (the pool counts only the codes it sends, i.e. free addresses).
REQUESTS_PER_HOUR = "5 per hour"


def _access() -> str:
    """The signed-in person's access token."""
    return session["access_token"]


def _store():
    """The app's store."""
    return current_app.extensions["gatehouse.store"]


def _pending_key() -> str:
    """Where the signed-in person's pending change is kept."""
    return PENDING_PREFIX + session["user"]["sub"]


def forget_pending(sub: str) -> None:
    """Drop the account's pending change (the account was secured: nothing is pending now)."""
    _store().delete(PENDING_PREFIX + sub)


def _pending_address() -> str:
    """The new address waiting to be confirmed ('' if none)."""
    record = _store().get(_pending_key())
    return record["new"] if record else ""


def _requester_key() -> str:
    """Email changes are counted per account too, whichever address is typed."""
    return "email-change:" + session["user"]["sub"]


@bp.route("/account/email", methods=["GET", "POST"])
@recent_sign_in_required
@limited
@limiter.limit(REQUESTS_PER_HOUR, key_func=_requester_key, methods=["POST"])
def start():
    """Ask for the new address; it gets a link and code, the old address a notice.

    A free and a taken address look the same from here: the same page, the same notice to the
    old address, and everything that differs (the pool's code, the taken address's own notice)
    inside ``padded()``, so both take the same time.
    """
    form = EmailForm()
    if not form.validate_on_submit():
        return render_template("email_change/start.html", form=form)
    new = form.email.data.strip().lower()
    try:
        old = current_email()
    except errors.SessionExpired:
        return session_ended()
    if new == old:
        return redirect(url_for("account.overview"), 303)
    with padded():
        notice = steps.mail(
            old,
            "email_change_requested",
            new_masked=masked(new),
            secure_link=secure_link(session["user"]["sub"], old),
        )
        _store().put(_pending_key(), {"new": new}, PENDING_SECONDS)  # before the change, too
        try:
            with followups.intend([notice]) as intent:
                try:
                    user_pool().call(
                        "UpdateUserAttributes",
                        AccessToken=_access(),
                        UserAttributes=[{"Name": "email", "Value": new}],
                        ClientMetadata=i18n.client_metadata(client_id=user_pool().client_id),
                    )
                except errors.AlreadyExists:
                    # The owner of that address is told; the requester sees and gets the same.
                    intent.add(steps.mail(new, "email_change_taken"))
                except errors.DeliveryFailed:
                    pass  # pending, but its code did not go out (only a free address's can fail)
        except errors.UserPoolError as exc:
            _store().delete(_pending_key())
            if isinstance(exc, errors.SessionExpired):
                return session_ended()
            if not isinstance(exc, errors.TooManyAttempts):
                raise
            # Past the pool's hourly limit of codes. The pool may still hold the new address as
            # pending: setting the current one again clears it, so nothing is left half done.
            _clear_in_pool(old)
            flash_message("email_change_limit")
            return render_template("email_change/start.html", form=form)
    return redirect(url_for("email_change.sent"), 303)


def _clear_in_pool(current: str) -> None:
    """Set the current address again: the pool drops a pending change and its code."""
    user_pool().call(
        "UpdateUserAttributes",
        AccessToken=_access(),
        UserAttributes=[{"Name": "email", "Value": current}],
    )


@bp.route("/account/email/sent", methods=["GET", "POST"])
def sent():
    """Type the code from the new address (the link does the same)."""
    new = _pending_address() if signed_in_user() else ""
    if not new:
        return redirect(url_for("account.overview"), 303)
    form = CodeForm()
    if form.validate_on_submit():
        return _verify(form.code.data.strip(), new)
    return render_template("email_change/sent.html", form=form, new=new, buttons=ButtonForm())


@bp.route("/account/email/confirm", methods=["GET", "POST"])
def confirm():
    """The link from the new address: GET shows a button; POST confirms (signed in, in any
    browser)."""
    if not signed_in_user():
        flash_message("sign_in_to_confirm_email")
        return redirect(url_for("signin.login"), 303)
    form = CodeForm()
    if request.method == "GET":
        form.code.data = request.args.get("code", "")
        return render_template("email_change/confirm.html", form=form)
    if not form.validate_on_submit():
        return render_template("email_change/confirm.html", form=form)
    new = _pending_address()
    if not new:
        flash_message("email_change_none")
        return redirect(url_for("account.overview"), 303)
    return _verify(form.code.data.strip(), new)


def _verify(code: str, new: str):
    """VerifyUserAttribute; on success the old address is told, and the session follows the
    pool."""
    pool = user_pool()
    try:
        old = current_email()
        notice = steps.mail(old, "email_changed", new_masked=masked(new))
        planned = [steps.audit_line("email changed", session["user"]["sub"]), notice]
        with followups.intend(planned, check=steps.email_is(session["user"]["sub"], new)):
            pool.call(
                "VerifyUserAttribute",
                AccessToken=_access(),
                AttributeName="email",
                Code=code,
                reconcile=email_is(pool, _access(), new),
            )
    except (errors.CodeMismatch, errors.CodeExpired, errors.TooManyAttempts) as exc:
        flash_message(exc.key)
        return render_template(
            "email_change/sent.html", form=CodeForm(formdata=None), new=new, buttons=ButtonForm()
        )
    except errors.AlreadyExists:
        _store().delete(_pending_key())
        flash_message("already_exists")
        return redirect(url_for("account.overview"), 303)
    except errors.SessionExpired:
        return session_ended()
    _store().delete(_pending_key())
    try:
        current_email()  # the session follows the pool
    except errors.UserPoolError:
        session["user"] = {**session["user"], "email": new}  # verified, as the pool just said
    flash_message("email_changed")
    return redirect(url_for("account.overview"), 303)


@bp.post("/account/email/resend")
def resend():
    """A new code for the pending address."""
    form = ButtonForm()
    if signed_in_user() and form.validate_on_submit() and _pending_address():
        try:
            user_pool().call(
                "GetUserAttributeVerificationCode",
                AccessToken=_access(),
                AttributeName="email",
                ClientMetadata=i18n.client_metadata(client_id=user_pool().client_id),
            )
        except (errors.TooManyAttempts, errors.InvalidInput):
            flash_message("too_many_attempts")
        except errors.DeliveryFailed as exc:
            flash_message(exc.key)  # the person's own pending address: nothing to hide here
        except errors.SessionExpired:
            return session_ended()
        else:
            flash_message("code_sent")
    return redirect(url_for("email_change.sent"), 303)


@bp.post("/account/email/cancel")
def cancel():
    """Stop a pending change: setting the current address again clears the pending one."""
    form = ButtonForm()
    if signed_in_user() and form.validate_on_submit():
        try:
            _clear_in_pool(current_email())
        except errors.SessionExpired:
            return session_ended()
        _store().delete(_pending_key())
        flash_message("email_change_cancelled")
    return redirect(url_for("account.overview"), 303)
