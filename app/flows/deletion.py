"""Account deletion: say what will happen; revoke Sign in with Apple first (if linked), then delete
in the pool. The confirmation email and the audit line are a follow-up written before the
deletion; if the pool fails, finishing the deletion becomes that follow-up's first step, so a
deletion asked for is never lost."""

from __future__ import annotations

import json

import requests
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from .. import followups
from ..apple import AppleError, apple_base, apple_subject, exchange_code, revoke
from ..followups import steps
from ..recent import recent_sign_in_required
from ..signin import sign_out, user_pool
from ..userpool import errors
from ..userpool.reconcile import user_gone
from .forms import ButtonForm

bp = Blueprint("deletion", __name__)
DELETING = "deleting"


def _http() -> requests.Session:
    """HTTP for Apple's endpoints (in local mode answered in process)."""
    http = requests.Session()
    for prefix, adapter in current_app.extensions["gatehouse.domain"].adapters.items():
        http.mount(prefix, adapter)
    return http


def _callback() -> str:
    """Where Apple sends the person back (registered as a return URL of the services id)."""
    return (
        current_app.extensions["gatehouse.settings"].base_url.rstrip("/") + "/account/delete/apple"
    )


def _account() -> tuple[str, str, str | None]:
    """(sub, email, Apple subject or None) of the signed-in person."""
    user = user_pool().call("GetUser", AccessToken=session["access_token"])
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    identities = json.loads(attributes.get("identities", "[]"))
    return attributes["sub"], attributes.get("email", ""), apple_subject(identities)


@bp.route("/account/delete", methods=["GET", "POST"])
@recent_sign_in_required
def confirm():
    """What deletion does, and the button; the POST starts it."""
    form = ButtonForm()
    try:
        sub, email, apple = _account()
    except errors.SessionExpired:
        sign_out()
        return redirect(url_for("signin.login"), 303)
    if not form.validate_on_submit():
        return render_template("deletion/confirm.html", form=form, apple=bool(apple))
    if apple:
        settings = current_app.extensions["gatehouse.settings"]
        state = generate_token(32)
        session[DELETING] = {"state": state, "apple": apple}
        url = add_params_to_uri(
            f"{apple_base(settings)}/auth/authorize",
            [
                ("response_type", "code"),
                ("client_id", settings.apple().services_id),
                ("redirect_uri", _callback()),
                ("state", state),
                ("response_mode", "query"),
            ],
        )
        return redirect(url, 303)
    return _delete(sub, email)


@bp.get("/account/delete/apple")
def apple_callback():
    """Back from Apple: get a fresh token for the same Apple ID, revoke it, then delete."""
    pending = session.pop(DELETING, None)
    if not pending or request.args.get("state") != pending["state"] or "code" not in request.args:
        return render_template("deletion/apple_failed.html"), 400
    try:
        # The session first: if it ended meanwhile (signed out everywhere), nothing is revoked.
        sub, email, _ = _account()
    except errors.SessionExpired:
        sign_out()
        return redirect(url_for("signin.login"), 303)
    settings = current_app.extensions["gatehouse.settings"]
    apple = settings.apple()
    try:
        token, subject = exchange_code(
            apple, apple_base(settings), _http(), request.args["code"], _callback()
        )
        if subject != pending["apple"]:
            raise AppleError("a different Apple ID")
        revoke(apple, apple_base(settings), _http(), token)
    except (AppleError, requests.RequestException, KeyError, ValueError):
        return render_template("deletion/apple_failed.html"), 502  # nothing was deleted
    return _delete(sub, email)


def _delete(sub: str, email: str):
    """DeleteUser, with its follow-up written first; if the pool fails, say deletion is in
    progress (the follow-up finishes it)."""
    pool = user_pool()
    in_progress = False
    planned = [steps.audit_line("account deleted", sub), steps.mail(email, "account_deleted")]
    try:
        with followups.intend(planned, check=steps.user_gone(sub)) as intent:
            try:
                pool.call(
                    "DeleteUser",
                    AccessToken=session["access_token"],
                    reconcile=user_gone(pool, sub),
                )
            except (errors.Unavailable, errors.ConfigurationFault):
                intent.add(steps.delete_user(sub), first=True)
                intent.defer()
                in_progress = True
    except errors.SessionExpired:
        sign_out()
        return redirect(url_for("signin.login"), 303)
    sign_out()
    if in_progress:
        return render_template("deletion/in_progress.html"), 202
    return render_template("deletion/done.html", emailed=intent.outcome)
