"""Magic links: ``/magic-link`` asks for an email; ``/magic/<token>`` is the emailed link.

The link's GET only shows a page (mail scanners open links); its POST signs in. Opened in the
browser that asked, the link signs that browser in. Opened on another device, it finishes the
sign-in in the browser that asked (``app.magic_link.handoff``), where the app's request lives:
the other device types the number the asking browser shows, spends the link, and says "you're
signed in on your other device"; the asking browser's "check your email" page refreshes itself
until it collects the answer. The asking browser can type the code from the email instead.
"""

from __future__ import annotations

import hmac
import json

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from .. import i18n, observability
from ..branding import use_brand
from ..magic_link import handoff
from ..magic_link.tokens import LIFETIME_SECONDS, LinkPayload, LinkSigner, masked
from ..messages import flash_message
from ..oauth import pending
from ..recent import now
from ..signin import outcome, own_client_id, signed_in_user, user_pool
from ..userpool import errors
from ..web.limits import limited
from ..web.timing import padded
from .forms import ButtonForm, CodeForm, ElsewhereForm, EmailForm
from .second_factor import needs_second_factor

bp = Blueprint("magic_link", __name__)
ASKED = "magic_link"
# How often the asking browser's page looks for a sign-in finished on another device.
REFRESH_SECONDS = 5


def _signer() -> LinkSigner:
    """The same key the triggers sign with."""
    return LinkSigner(current_app.extensions["gatehouse.settings"].link_key)


def _store():
    """The app's store (hand-offs between devices live there)."""
    return current_app.extensions["gatehouse.store"]


def _answer(email: str, client_id: str, answer: str, send: bool, asker: str | None = None) -> dict:
    """Run CUSTOM_AUTH's two rounds: parameters (send a link or not, and for which asking
    browser), then the answer."""
    pool = user_pool()
    start = pool.call(
        "InitiateAuth",
        ClientId=client_id,
        AuthFlow="CUSTOM_AUTH",
        AuthParameters={"USERNAME": email},
    )
    username = start["ChallengeParameters"].get("USERNAME", email)
    metadata = i18n.client_metadata(send="yes" if send else "no")
    if send:
        metadata["pending"] = json.dumps(pending.sealed(pending.pending()))
        metadata["asker"] = handoff.tag_of(asker or "")
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
    asker = handoff.new_asker()
    with padded():
        try:
            _answer(email, client_id, "", send=True, asker=asker)
            observability.metrics().magic_link("sent")
        except (
            errors.NotConfirmed,
            errors.InvalidCredentials,
            errors.InvalidInput,
            errors.NotFound,
            errors.Rejected,  # PreAuthentication said no (CUSTOM_AUTH runs it): no link either
        ):
            pass  # unconfirmed or refused: the same page, and no email
    session[ASKED] = {
        "email": email,
        "client_id": client_id,
        "asker": asker,
        "asked_at": int(now()),
    }
    return redirect(url_for("magic_link.sent"), 303)


@bp.route("/magic-link/sent", methods=["GET", "POST"])
@limited
def sent():
    """Check your email: this page finishes a sign-in confirmed on another device (it refreshes
    itself until then, while the link lives), or takes the code typed here."""
    asked = session.get(ASKED)
    if not asked:
        if signed_in_user():  # finished in another tab of this browser
            return redirect(url_for("account.overview"), 303)
        return redirect(url_for("magic_link.ask"), 303)
    # A GET that finishes a sign-in, by design (DESIGN.md wants state changes as POSTs; see the
    # README): this page's own refresh, without JavaScript, collects what the other device
    # handed over. Only the session that holds the asker secret can name the record, and it
    # completes this browser's own sign-in and nothing else, as an OAuth2 callback does.
    finished = None
    if "asker" in asked:  # a session from before cross-device links has none
        finished = handoff.collect(_store(), handoff.tag_of(asked["asker"]))
    if finished is not None:
        return _finish_handed_over(asked, finished)
    form = CodeForm()
    if not form.validate_on_submit():
        return _sent_page(asked, form, typing=request.args.get("typing") == "1")
    try:
        result = _answer(asked["email"], asked["client_id"], form.code.data.strip(), send=False)
    except (errors.InvalidCredentials, errors.NotConfirmed, errors.CodeMismatch):
        flash_message("magic_code_wrong")
        return _sent_page(asked, CodeForm(formdata=None), typing=True)
    session.pop(ASKED, None)
    return _signed_in(result, asked["email"], asked["client_id"])


def _sent_page(asked: dict, form: CodeForm, typing: bool):
    """ "Check your email", with the number the other device must type; it refreshes itself
    while the link may still be opened elsewhere, except while a code is being typed (a
    refresh would wipe it)."""
    waiting = "asker" in asked and now() < asked.get("asked_at", 0) + LIFETIME_SECONDS
    number = None
    if "asker" in asked:
        number = handoff.match_number(_link_key(), handoff.tag_of(asked["asker"]))
    return render_template(
        "magic_link/sent.html",
        form=form,
        number=number,
        refresh=REFRESH_SECONDS if waiting and not typing else None,
        typing=typing,
    )


def _finish_handed_over(asked: dict, finished: dict):
    """The other device's verdict: finish the sign-in here, or say why it stopped."""
    session.pop(ASKED, None)
    if finished["state"] == "done":
        return _signed_in(finished["result"], asked["email"], asked["client_id"])
    if finished["state"] == "refused":
        return render_template("magic_link/stopped.html", form=EmailForm(formdata=None))
    return _spent()


@bp.route("/magic/<token>", methods=["GET", "POST"])
def follow(token: str):
    """GET: "Continue as a•••@example.com". POST: sign in with the link — here if this is the
    browser that asked (or the link names none), else for the browser that asked."""
    payload = _signer().read(token)
    if payload is None or payload.expired(now()):
        return _spent()
    # Only a request Gatehouse sealed continues: anyone may ask the pool for a link to any
    # address, with a request of their choosing (another app's scopes, say).
    payload.pending = pending.unsealed(payload.pending)
    use_brand((payload.pending or {}).get("client_id") or payload.client_id)  # signed
    if payload.asker and not _asked_here(payload):
        return _elsewhere(token, payload)
    form = ButtonForm()
    if not form.validate_on_submit():
        return render_template("magic_link/continue.html", form=form, who=masked(payload.email))
    return _sign_in_here(token, payload)


def _asked_here(payload: LinkPayload) -> bool:
    """This browser asked for the link (it holds the asker whose tag the link carries)."""
    asked = session.get(ASKED) or {}
    return bool(asked.get("asker")) and hmac.compare_digest(
        handoff.tag_of(asked["asker"]), payload.asker or ""
    )


def _sign_in_here(token: str, payload: LinkPayload):
    """Spend the link and sign this browser in."""
    if payload.pending:
        pending.remember(payload.pending)  # the OAuth2 request continues in this browser
    try:
        result = _answer(payload.email, payload.client_id, token, send=False)
    except (errors.InvalidCredentials, errors.NotConfirmed):
        return _spent()
    session.pop(ASKED, None)
    return _signed_in(result, payload.email, payload.client_id)


def _signed_in(result: dict, email: str, client_id: str):
    """A link or code is one factor: an account with an authenticator app signs in with
    password and code instead (``second_factor``)."""
    observability.metrics().magic_link("used")
    if needs_second_factor(result, client_id):
        flash_message("magic_link_needs_mfa")
        return redirect(url_for("signin.login", login_hint=email), 303)
    return outcome(result, email, client_id, "otp")


def _elsewhere(token: str, payload: LinkPayload):
    """Another device opened the link: after the right number, spend it for the browser that
    asked and say so; a wrong number stops that sign-in. Without an app waiting, this device
    may sign in itself instead (it holds the mailbox, so that is safe)."""
    key, tag = _link_key(), payload.asker or ""
    form = ElsewhereForm()
    page = {
        "form": form,
        "who": masked(payload.email),
        "here_allowed": not payload.pending,
    }
    if not form.validate_on_submit():
        return render_template("magic_link/elsewhere.html", **page)
    if form.here.data == "yes" and not payload.pending:
        return _sign_in_here(token, payload)
    if form.number.data is None:  # no number typed (or "here" while an app waits elsewhere)
        return render_template("magic_link/elsewhere.html", **page)
    if form.number.data != handoff.match_number(key, tag):
        handoff.refuse(_store(), tag)
        return render_template("magic_link/refused.html")
    if not handoff.claim(_store(), tag):
        return _spent()  # already used from this or another device, or stopped
    try:
        result = _answer(payload.email, payload.client_id, token, send=False)
    except (errors.InvalidCredentials, errors.NotConfirmed):
        handoff.failed(_store(), tag)
        return _spent()
    handoff.hand_over(_store(), tag, result)
    return render_template("magic_link/signed_in_elsewhere.html")


def _link_key() -> str:
    """The managed link key (the numbers to match are derived with it)."""
    return current_app.extensions["gatehouse.settings"].link_key


def _spent():
    """One page for a used, expired, superseded or tampered link, with a way to get a new one."""
    return render_template("magic_link/spent.html", form=EmailForm(formdata=None)), 400
