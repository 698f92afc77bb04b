"""``/account``: who is signed in and how, password change, sign out (everywhere).

"Confirm it's you" (``/account/confirm``) is ``reconfirm``.
"""

from __future__ import annotations

import json
from functools import wraps

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from .. import followups
from ..followups import steps
from ..messages import flash_message
from ..recent import RETURNS, recent_sign_in_required
from ..signin import (
    complete,
    sign_out,
    sign_out_here,
    signed_in_user,
    signed_out_everywhere,
    user_pool,
)
from ..userpool import errors
from ..userpool.reconcile import password_is
from ..web.limits import limited
from .forms import ButtonForm, ChangePasswordForm
from .policy import password_rules
from .social import LABELS

bp = Blueprint("account", __name__)


def session_ended():
    """The session's tokens no longer work: sign out here too and ask for a new sign-in.

    Except for a person who signed in with a provider through an app: the session holds that
    app's tokens, which the pool may refuse for the account pages (an app without the admin
    scope). They are asked to continue with their provider once more, as Gatehouse's own client
    (``reconfirm``), which gives the session tokens of its own."""
    if holds_an_apps_federated_tokens():
        flash_message("reconfirm_for_account")
        back = request.endpoint if request.endpoint in RETURNS else "account.overview"
        return redirect(url_for("reconfirm.confirm", next=back), 303)
    sign_out()
    flash_message("session_expired")
    return redirect(url_for("signin.login"), 303)


def holds_an_apps_federated_tokens() -> bool:
    """The session is a provider sign-in whose tokens were minted for an app, not for Gatehouse."""
    user = signed_in_user() or {}
    return bool(user.get("provider")) and user.get("client_id") != user_pool().client_id


@bp.get("/account")
def overview():
    """The signed-in person's email and attributes."""
    if not signed_in_user():
        return redirect(url_for("signin.login"), 303)
    try:
        user, attributes = _read_user()
    except errors.SessionExpired:
        return session_ended()
    return render_template(
        "account/overview.html",
        attributes=attributes,
        form=ButtonForm(),
        methods=sign_in_methods(user["Username"], attributes),
        has_password=has_password(user["Username"], attributes),
        mfa=has_mfa(user),
    )


def _read_user() -> tuple[dict, dict[str, str]]:
    """GetUser and its attributes; the session's email follows the pool's (the address may
    have been changed in another browser)."""
    user = user_pool().call("GetUser", AccessToken=session["access_token"])
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    signed_in = session["user"]
    if signed_in.get("email") != attributes.get("email", ""):
        session["user"] = {**signed_in, "email": attributes.get("email", "")}
    return user, attributes


def current_email() -> str:
    """The account's email as the pool has it now (and so the session's)."""
    return _read_user()[1].get("email", "")


def identities(attributes: dict[str, str]) -> list[dict[str, str]]:
    """The providers' identities linked to the account (the pool's ``identities`` attribute)."""
    return json.loads(attributes.get("identities", "[]"))


def has_password(username: str, attributes: dict[str, str]) -> bool:
    """A native user has a password; a user the pool created for a provider's identity (its
    username is ``<provider>_<subject>``, say ``Google_123``) has none."""
    return not any(username == f"{i['providerName']}_{i['userId']}" for i in identities(attributes))


def has_mfa(user: dict) -> bool:
    """An authenticator app is set up (GetUser's answer)."""
    return "SOFTWARE_TOKEN_MFA" in user.get("UserMFASettingList", [])


def sign_in_methods(username: str, attributes: dict[str, str]) -> list[str]:
    """How this person can sign in: a password (native users) and each linked provider."""
    providers = [LABELS.get(i["providerName"], i["providerName"]) for i in identities(attributes)]
    return ([gettext("Password")] if has_password(username, attributes) else []) + providers


def password_needed(view):
    """A person without a password has none to change: back to the overview, which says how
    they sign in (before "confirm it's you", which would ask for nothing useful)."""
    return _own_sign_in_needed(view, "no_password")


def own_sign_in_needed(view):
    """A person who signs in only through a provider cannot sign in through the pool's API
    (Cognito refuses federated users there), so a passkey would never work for them: back to
    the overview, which says how they sign in."""
    return _own_sign_in_needed(view, None)


def _own_sign_in_needed(view, message: str | None):
    """``view`` for a native account (or nobody signed in: the view decides); a provider-only
    account goes back to the overview, told ``message`` if given."""

    @wraps(view)
    def guarded(*args, **kwargs):
        """The view, for a person with a password of their own."""
        if signed_in_user():
            try:
                user, attributes = _read_user()
            except errors.SessionExpired:
                return session_ended()
            if not has_password(user["Username"], attributes):
                if message:
                    flash_message(message)
                return redirect(url_for("account.overview"), 303)
        return view(*args, **kwargs)

    return guarded


class PasswordChangeForm(ChangePasswordForm):
    """The current and the new password, and whether to sign out elsewhere (ASVS 7.4.3)."""

    sign_out_others = BooleanField(_l("Sign out on my other devices"), default=True)


@bp.route("/account/password", methods=["GET", "POST"])
@password_needed
@recent_sign_in_required
@limited
def password():
    """Change the password (current and new); the account's address is told.

    Signing out elsewhere is a step of the change's follow-up, before its notice: the notice
    then never claims a sign-out that did not happen, and a pool failure is retried. Signing
    out everywhere ends this session's tokens too, so it signs in again with the new password.
    """
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return render_template("account/password.html", form=form, rules=password_rules())
    pool = user_pool()
    sub = session["user"]["sub"]
    others = bool(form.sign_out_others.data)
    try:
        email = current_email()
        planned = [steps.audit_line("password changed", sub)]
        if others:
            planned.append(steps.sign_out_everywhere(sub))
        planned.append(steps.mail(email, "password_changed", signed_out_others=others))
        with followups.intend(planned, check=steps.password_changed(sub)) as intent:
            pool.call(
                "ChangePassword",
                AccessToken=session["access_token"],
                PreviousPassword=form.current.data,
                ProposedPassword=form.password.data,
                reconcile=password_is(pool, pool.client_id, email, form.password.data),
            )
    except errors.SessionExpired:
        return session_ended()
    except (errors.InvalidCredentials, errors.PasswordPolicy, errors.TooManyAttempts) as exc:
        flash_message(
            "current_password_wrong" if isinstance(exc, errors.InvalidCredentials) else exc.key
        )
        return render_template("account/password.html", form=form, rules=password_rules())
    if not others:
        flash_message("password_updated")
        return redirect(url_for("account.overview"), 303)
    return _sign_in_again(email, form.password.data, intent.done("sign_out_everywhere"))


def _sign_in_again(email: str, new_password: str, signed_out: bool):
    """After signing out everywhere: a fresh sign-in here, so the person stays signed in.

    If the sign-out is still waiting (it would end a fresh sign-in too), or the pool does not
    give tokens now (MFA, a failure), the person is told to sign in with the new password.
    """
    result: dict = {}
    if signed_out:
        try:
            result = user_pool().call(
                "InitiateAuth",
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": new_password},
            )
        except errors.UserPoolError:
            result = {}
    if "AuthenticationResult" not in result:
        sign_out()
        flash_message("password_updated_sign_in")
        return redirect(url_for("signin.login"), 303)
    response = complete(result["AuthenticationResult"])
    flash_message("password_updated_signed_out_others")
    return response


@bp.post("/account/signout-everywhere")
def signout_everywhere():
    """GlobalSignOut: every refresh token of the person is revoked, and this session ends."""
    form = ButtonForm()
    if not signed_in_user() or not form.validate_on_submit():
        return redirect(url_for("signin.login"), 303)
    try:
        user_pool().call("GlobalSignOut", AccessToken=session["access_token"])
    except errors.SessionExpired:
        pass  # already signed out everywhere
    signed_out_everywhere(session["user"]["sub"])  # no other browser signs in to apps by SSO
    sign_out()
    flash_message("signed_out_everywhere")
    return redirect(url_for("signin.login"), 303)


@bp.post("/account/signout")
def signout():
    """Sign out here, as ``/logout`` does: the refresh tokens this browser obtained for apps
    are revoked and the session ends (a shared computer is really signed out)."""
    form = ButtonForm()
    if form.validate_on_submit():
        sign_out_here()
        flash_message("signed_out")
    return redirect(url_for("signin.login"), 303)
