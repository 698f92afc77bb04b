"""``/account``: who is signed in, and sign out everywhere."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, session, url_for

from ..messages import flash_message
from ..signin import sign_out, signed_in_user, user_pool
from ..userpool import errors
from .forms import ButtonForm

bp = Blueprint("account", __name__)


def _ended():
    """The session's tokens no longer work: sign out here too and ask for a new sign-in."""
    sign_out()
    flash_message("session_expired")
    return redirect(url_for("signin.login"), 303)


@bp.get("/account")
def overview():
    """The signed-in person's email and attributes."""
    if not signed_in_user():
        return redirect(url_for("signin.login"), 303)
    try:
        user = user_pool().call("GetUser", AccessToken=session["access_token"])
    except errors.SessionExpired:
        return _ended()
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    return render_template("account/overview.html", attributes=attributes, form=ButtonForm())


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
    sign_out()
    flash_message("signed_out_everywhere")
    return redirect(url_for("signin.login"), 303)


@bp.post("/account/signout")
def signout():
    """End Gatehouse's session here (tokens held by apps stay valid)."""
    form = ButtonForm()
    if form.validate_on_submit():
        sign_out()
        flash_message("signed_out")
    return redirect(url_for("signin.login"), 303)
