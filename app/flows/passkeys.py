"""``/account/passkeys``: the person's passkeys (kept in the user pool), adding, naming and
deleting them, and the offer of one after a password sign-in.

Adding runs in two requests: the page's script asks ``/account/passkeys/options`` (a POST with
the CSRF token in a header) for the pool's registration options (StartWebAuthnRegistration),
has the browser make the passkey, and posts its answer with the form
(CompleteWebAuthnRegistration). Without JavaScript the add buttons are absent; the list, the
names and deleting work.
"""

from __future__ import annotations

from datetime import datetime
from functools import wraps

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for

from .. import followups, passkeys
from ..followups import steps
from ..messages import flash_message, text
from ..recent import is_recent, recent_sign_in_required
from ..signin import detour_when, on_detour, proceed_after_detour, signed_in_user, user_pool
from ..signin_methods import offers
from ..userpool import errors
from ..web.limits import limited
from .account import current_email, own_sign_in_needed, session_ended
from .forms import ButtonForm, PasskeyAnswerForm, PasskeyNameForm

bp = Blueprint("passkeys", __name__)
# Cognito keeps at most this many passkeys per user.
MOST = 20
# ``then`` on the add page: back to the app's request (from the offer) instead of the list.
CONTINUE = "continue"


class NewPasskeyForm(PasskeyAnswerForm, PasskeyNameForm):
    """The browser's new passkey and the name the person gives it."""


def signed_in(view):
    """The view for a signed-in person; others sign in first. A refused token signs out."""

    @wraps(view)
    def guarded(*args, **kwargs):
        """The view, or the sign-in page."""
        if not signed_in_user():
            return redirect(url_for("signin.login"), 303)
        try:
            return view(*args, **kwargs)
        except errors.SessionExpired:
            return session_ended()

    return guarded


def listed() -> list[dict]:
    """The person's passkeys (ListWebAuthnCredentials, every page), newest first, each with
    the name to show."""
    credentials, token = [], None
    while True:
        extra = {"NextToken": token} if token else {}
        page = user_pool().call(
            "ListWebAuthnCredentials", AccessToken=session["access_token"], MaxResults=20, **extra
        )
        credentials += page.get("Credentials", [])
        token = page.get("NextToken")
        if not token or len(credentials) >= MOST:
            break
    sub = session["user"]["sub"]
    for credential in credentials:
        credential["name"] = passkeys.name_of(sub, credential)
    return sorted(credentials, key=_created, reverse=True)


def _created(credential: dict) -> float:
    """When a passkey was added (a timestamp), for ordering."""
    created = credential.get("CreatedAt")
    return created.timestamp() if isinstance(created, datetime) else float(created or 0)


@bp.get("/account/passkeys")
@signed_in
@own_sign_in_needed
def overview():
    """The passkeys, each with its name, when it was added, and rename and delete forms."""
    return render_template(
        "account/passkeys.html",
        credentials=listed(),
        rename_form=PasskeyNameForm(formdata=None),
        form=ButtonForm(),
        most=MOST,
    )


@bp.get("/account/passkeys/new")
@own_sign_in_needed
@recent_sign_in_required
@signed_in
def add():
    """The page that makes a passkey (its button is the script's)."""
    return render_template(
        "account/passkey_new.html",
        form=NewPasskeyForm(formdata=None),
        then=CONTINUE if request.args.get("then") == CONTINUE else "",
    )


@bp.post("/account/passkeys/options")
@limited
@own_sign_in_needed
def options():
    """The pool's registration options, for the add page's script (JSON)."""
    if not signed_in_user():
        return jsonify(error=text("session_expired")), 401
    if not is_recent():  # the add page stood open too long: "confirm it's you" first
        return jsonify(next=url_for("reconfirm.confirm", next="passkeys.add")), 401
    try:
        started = user_pool().call("StartWebAuthnRegistration", AccessToken=session["access_token"])
    except errors.SessionExpired:
        return jsonify(error=text("session_expired")), 401
    except errors.TooManyAttempts:
        return jsonify(error=text("passkey_limit")), 409
    except errors.UserPoolError as exc:
        status = 503 if isinstance(exc, errors.Unavailable) else 400
        return jsonify(error=text(exc.key)), status
    return jsonify(options=passkeys.creation_options(started["CredentialCreationOptions"]))


@bp.post("/account/passkeys/new")
@limited
@signed_in
@own_sign_in_needed
def complete():
    """Keep the browser's new passkey in the pool (CompleteWebAuthnRegistration), with its
    name; the account's address is told."""
    form = NewPasskeyForm()
    then = CONTINUE if request.form.get("then") == CONTINUE else ""
    if not is_recent():  # the add page stood open too long: confirm, then make it again
        return redirect(url_for("reconfirm.confirm", next="passkeys.add"), 303)
    credential = passkeys.parsed_credential(form.credential.data or "")
    if not form.validate_on_submit() or credential is None:
        flash_message("passkey_not_made")
        return render_template("account/passkey_new.html", form=form, then=then), 400
    email = current_email()
    try:
        added = steps.passkey_is(session["access_token"], credential["id"], present=True)
        with followups.intend([steps.mail(email, "passkey_added")], check=added):
            user_pool().call(
                "CompleteWebAuthnRegistration",
                AccessToken=session["access_token"],
                Credential=credential,
            )
    except (errors.PasskeyRefused, errors.InvalidInput, errors.TooManyAttempts) as exc:
        flash_message("passkey_limit" if isinstance(exc, errors.TooManyAttempts) else exc.key)
        return render_template("account/passkey_new.html", form=form, then=then), 400
    name = (form.name.data or "").strip()
    if name:
        passkeys.rename(session["user"]["sub"], credential["id"], name)
    flash_message("passkey_added")
    if then == CONTINUE:
        return proceed_after_detour()
    return redirect(url_for("passkeys.overview"), 303)


def _own(credential_id: str) -> dict | None:
    """The person's passkey with this id, or None (an id from another account, or gone)."""
    return next((c for c in listed() if c["CredentialId"] == credential_id), None)


@bp.post("/account/passkeys/<credential_id>/name")
@limited
@signed_in
def rename(credential_id: str):
    """Give a passkey a name of the person's choosing (kept by Gatehouse: Cognito has none)."""
    form = PasskeyNameForm()
    if not form.validate_on_submit():
        flash_message("passkey_name_invalid")
        return redirect(url_for("passkeys.overview"), 303)
    if _own(credential_id) is None:
        flash_message("passkey_gone")
        return redirect(url_for("passkeys.overview"), 303)
    passkeys.rename(session["user"]["sub"], credential_id, (form.name.data or "").strip())
    flash_message("passkey_renamed")
    return redirect(url_for("passkeys.overview"), 303)


@bp.post("/account/passkeys/<credential_id>/delete")
@limited
@signed_in
def delete(credential_id: str):
    """Delete a passkey from the pool, after a recent sign-in; the account's address is told."""
    form = ButtonForm()
    if not form.validate_on_submit():
        return redirect(url_for("passkeys.overview"), 303)
    if not is_recent():
        return redirect(url_for("reconfirm.confirm", next="passkeys.overview"), 303)
    credential = _own(credential_id)
    if credential is None:
        flash_message("passkey_gone")
        return redirect(url_for("passkeys.overview"), 303)
    email = current_email()
    try:
        gone = steps.passkey_is(session["access_token"], credential_id, present=False)
        with followups.intend([steps.mail(email, "passkey_removed")], check=gone):
            user_pool().call(
                "DeleteWebAuthnCredential",
                AccessToken=session["access_token"],
                CredentialId=credential_id,
            )
    except errors.NotFound:
        flash_message("passkey_gone")
        return redirect(url_for("passkeys.overview"), 303)
    passkeys.forget_name(session["user"]["sub"], credential_id)
    flash_message("passkey_deleted")
    return redirect(url_for("passkeys.overview"), 303)


# ---- the offer after a password sign-in -----------------------------------------------------


@bp.route("/account/passkeys/offer", methods=["GET", "POST"])
def offer():
    """ "Sign in faster next time": the page a password sign-in sends a browser that can make
    passkeys to, when the person has none and has not said "not now" lately (``_worth_offering``,
    asked during the sign-in). "Not now" (the POST) goes on to the app's request; the page
    reached any other way finishes nothing (a GET never does) and leads to the account."""
    if not signed_in_user():
        return redirect(url_for("signin.login"), 303)
    form = ButtonForm()
    if form.validate_on_submit():
        passkeys.decline(session["user"]["sub"])
        return proceed_after_detour()
    if not on_detour("passkeys.offer"):
        return redirect(url_for("passkeys.overview"), 303)
    return render_template("account/passkey_offer.html", form=form)


def _worth_offering() -> bool:
    """The brand and app client offer passkeys, the signed-in person has none and has not
    declined lately."""
    if not offers("passkey") or passkeys.declined_recently(session["user"]["sub"]):
        return False
    try:
        # One page of one is enough to know (the names need not be read).
        first = user_pool().call(
            "ListWebAuthnCredentials", AccessToken=session["access_token"], MaxResults=1
        )
    except errors.UserPoolError:
        return False  # no offer is better than an error page on the way to the app
    return not first.get("Credentials")


detour_when("passkeys.offer", _worth_offering)
