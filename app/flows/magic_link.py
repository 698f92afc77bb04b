"""Magic links: ``/magic-link`` asks for an email; ``/magic/<token>`` is the emailed link.

The link's GET only shows a button (mail scanners open links); its POST signs in, in whichever
browser opened it. The asking browser can type the code from the email instead.
"""

from __future__ import annotations

import json

from flask import Blueprint, current_app, redirect, render_template, session, url_for

from ..branding import use_brand
from ..magic_link.tokens import LinkSigner, masked
from ..messages import flash_message
from ..oauth import pending
from ..signin import outcome, own_client_id, user_pool
from ..userpool import errors
from ..web.limits import limited
from ..web.timing import padded
from .forms import ButtonForm, CodeForm, EmailForm

bp = Blueprint("magic_link", __name__)
ASKED = "magic_link"


def _signer() -> LinkSigner:
    """The same key the triggers sign with."""
    return LinkSigner(current_app.extensions["gatehouse.settings"].link_key)


def _answer(email: str, client_id: str, answer: str, send: bool) -> dict:
    """Run CUSTOM_AUTH's two rounds: parameters (send a link or not), then the answer."""
    pool = user_pool()
    start = pool.call(
        "InitiateAuth",
        ClientId=client_id,
        AuthFlow="CUSTOM_AUTH",
        AuthParameters={"USERNAME": email},
    )
    username = start["ChallengeParameters"].get("USERNAME", email)
    metadata = {"send": "yes" if send else "no"}
    if send:
        metadata["pending"] = json.dumps(pending.pending())
    second = pool.call(
        "RespondToAuthChallenge",
        ClientId=client_id,
        ChallengeName="CUSTOM_CHALLENGE",
        Session=start["Session"],
        ClientMetadata=metadata,
        ChallengeResponses={"USERNAME": username, "ANSWER": "parameters"},
    )
    if send:
        return second
    return pool.call(
        "RespondToAuthChallenge",
        ClientId=client_id,
        ChallengeName="CUSTOM_CHALLENGE",
        Session=second["Session"],
        ClientMetadata=metadata,
        ChallengeResponses={"USERNAME": username, "ANSWER": answer},
    )


@bp.route("/magic-link", methods=["GET", "POST"])
@limited
def ask():
    """Ask for a link; every address gets the same "check your email" page."""
    form = EmailForm()
    if not form.validate_on_submit():
        return render_template("magic_link/ask.html", form=form)
    email = form.email.data.strip()
    client_id = own_client_id()  # the sign-in is Gatehouse's; the app's request travels along
    with padded():
        try:
            _answer(email, client_id, "", send=True)
        except (
            errors.NotConfirmed,
            errors.InvalidCredentials,
            errors.InvalidInput,
            errors.NotFound,
        ):
            pass  # unconfirmed or refused: the same page, and no email
    session[ASKED] = {"email": email, "client_id": client_id}
    return redirect(url_for("magic_link.sent"), 303)


@bp.route("/magic-link/sent", methods=["GET", "POST"])
@limited
def sent():
    """Check your email; or type the code here, in the browser that asked."""
    asked = session.get(ASKED)
    if not asked:
        return redirect(url_for("magic_link.ask"), 303)
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("magic_link/sent.html", form=form)
    try:
        result = _answer(asked["email"], asked["client_id"], form.code.data.strip(), send=False)
    except (errors.InvalidCredentials, errors.NotConfirmed, errors.CodeMismatch):
        flash_message("magic_code_wrong")
        return render_template("magic_link/sent.html", form=CodeForm(formdata=None))
    session.pop(ASKED, None)
    return _signed_in(result, asked["email"], asked["client_id"])


@bp.route("/magic/<token>", methods=["GET", "POST"])
def follow(token: str):
    """GET: "Continue as a•••@example.com" and a button. POST: sign in with the link."""
    payload = _signer().read(token)
    now = current_app.extensions["gatehouse.settings"].clock()
    if payload is None or payload.expired(now):
        return _spent()
    use_brand((payload.pending or {}).get("client_id") or payload.client_id)  # signed
    form = ButtonForm()
    if not form.validate_on_submit():
        return render_template("magic_link/continue.html", form=form, who=masked(payload.email))
    if payload.pending:
        pending.remember(payload.pending)  # the OAuth2 request continues in this browser
    try:
        result = _answer(payload.email, payload.client_id, token, send=False)
    except (errors.InvalidCredentials, errors.NotConfirmed):
        return _spent()
    return _signed_in(result, payload.email, payload.client_id)


def _signed_in(result: dict, email: str, client_id: str):
    """A link or code is one factor. Cognito asks no second factor after custom auth, so an
    account with an authenticator app is not signed in by a link: its tokens are revoked at
    once and the person signs in with password and code (one GetUser per link sign-in)."""
    tokens = result.get("AuthenticationResult")
    if tokens:
        pool = user_pool()
        user = pool.call("GetUser", AccessToken=tokens["AccessToken"])
        if "SOFTWARE_TOKEN_MFA" in user.get("UserMFASettingList", []):
            pool.call("RevokeToken", ClientId=client_id, Token=tokens["RefreshToken"])
            flash_message("magic_link_needs_mfa")
            return redirect(url_for("signin.login", login_hint=email), 303)
    return outcome(result, email, client_id, "otp")


def _spent():
    """One page for a used, expired, superseded or tampered link, with a way to get a new one."""
    return render_template("magic_link/spent.html", form=EmailForm(formdata=None)), 400
