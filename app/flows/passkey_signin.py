"""``/login/passkey``: sign in with a passkey, email first (Cognito's ``USER_AUTH`` with the
``WEB_AUTHN`` challenge: the pool needs the username before it makes a challenge).

The sign-in page's "Sign in with a passkey" button (added by its script where the browser has
WebAuthn) posts the email here. The pool's challenge is kept in the session; the page's script
asks the browser for the passkey and posts its answer to ``/login/passkey/answer``. Where the
browser has passkey autofill, the sign-in page's script asks ``/login/passkey/options`` once an
address is typed and the password field offers the passkey (``mediation: "conditional"``).
That request runs while the person may already be pressing "Sign in", so it writes no session
(the later answer's copy would undo the sign-in): its challenge is kept in the store under a
one-time handle, tied to the browser's CSRF token, that the page posts back with the answer.
Every address gets the same page: one without a passkey, or without an account, gets decoy
options (``app.passkeys.request_options``) and, whatever is answered, the same refusal as a
wrong passkey, in the same time. A sign-in trigger's refusal is its page, as for a password:
PreAuthentication's when the button asks for the challenge (told to anyone who types the
address, as at the password sign-in), PostAuthentication's after a right passkey. Autofill's
options never tell it: a refused address gets decoy options there, like any other.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from flask import Blueprint, current_app, jsonify, redirect, render_template, session, url_for

from .. import i18n, passkeys
from ..magic_link.tokens import masked
from ..messages import flash_message, text
from ..signin import outcome, own_client_id, user_pool
from ..signin_methods import offers
from ..userpool import errors
from ..web.limits import limited
from ..web.timing import padded
from .forms import EmailForm, PasskeyAnswerForm, SignInForm
from .second_factor import needs_second_factor
from .signin import login_page

bp = Blueprint("passkey_signin", __name__)
KEY = "passkey_sign_in"
# Autofill's waiting challenges: in the store under a handle, as long as the browser's request.
WAITING_PREFIX = "passkey-waiting:"
WAITING_SECONDS = passkeys.TIMEOUT_MS // 1000 + 60
HANDLE_MAX = 64


@bp.post("/login/passkey")
@limited
def start():
    """Ask the pool for a passkey challenge for the typed address; show the passkey page."""
    form = EmailForm()
    if not offers("passkey"):
        return redirect(url_for("signin.login"), 303)
    if not form.validate_on_submit():
        return _login_page(form)
    session[KEY] = _wait_for(form.email.data.strip())
    return redirect(url_for("passkey_signin.page"), 303)


@bp.post("/login/passkey/options")
@limited
def options():
    """Passkey autofill: the sign-in page's script sends the typed address (the CSRF token in
    a header) and gets the options for a ``mediation: "conditional"`` request, so the browser
    offers the passkey in the password field's autofill. The same for every address."""
    form = EmailForm()
    if not offers("passkey") or not form.validate_on_submit():
        return jsonify(error=text("invalid_input")), 400
    waiting = _wait_for(form.email.data.strip(), tell_refusal=False)
    return jsonify(options=waiting["options"], waiting=_keep(waiting))


def _wait_for(email: str, tell_refusal: bool = True) -> dict:
    """Start a passkey sign-in for ``email`` (a decoy's for an address without a passkey);
    returns what its answer needs, the browser's options among it. A trigger's refusal
    (``errors.Rejected``) reaches the refusal page unless ``tell_refusal`` is false, when the
    address gets a decoy's options."""
    with padded():
        try:
            parameters = _challenge(email) or {}
        except errors.Rejected:
            if tell_refusal:
                raise
            parameters = {}
    return {
        "email": email,
        "client_id": own_client_id(),
        "session": parameters.get("session"),
        "username": parameters.get("username", email),
        "options": passkeys.request_options(parameters.get("challenge")),
    }


def _browser_mark() -> str:
    """A digest of this browser's raw CSRF token (kept in its session): ties an autofill
    handle to the browser that asked for it, without writing anything."""
    return hashlib.sha256(str(session.get("csrf_token", "")).encode()).hexdigest()


def _keep(waiting: dict) -> str:
    """Keep an autofill's waiting sign-in in the store; returns its handle for the page."""
    handle = secrets.token_urlsafe(32)
    record = dict(waiting, browser=_browser_mark())
    current_app.extensions["gatehouse.store"].put(WAITING_PREFIX + handle, record, WAITING_SECONDS)
    return handle


def _kept(handle: str) -> dict | None:
    """The autofill sign-in kept under ``handle``, once, and only for the browser that asked."""
    if len(handle) > HANDLE_MAX:
        return None
    record = current_app.extensions["gatehouse.store"].take(WAITING_PREFIX + handle)
    if record is None or not hmac.compare_digest(record.pop("browser", ""), _browser_mark()):
        return None
    return record


def _challenge(email: str) -> dict | None:
    """InitiateAuth USER_AUTH preferring WEB_AUTHN; None when the pool offers no passkey
    challenge (no passkey, an unknown or unconfirmed address: all look the same)."""
    try:
        result = user_pool().call(
            "InitiateAuth",
            ClientId=own_client_id(),
            AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": email, "PREFERRED_CHALLENGE": "WEB_AUTHN"},
            ClientMetadata=i18n.client_metadata(),
        )
    except (errors.InvalidCredentials, errors.NotConfirmed, errors.InvalidInput, errors.NotFound):
        return None
    if result.get("ChallengeName") != "WEB_AUTHN":
        return None
    parameters = result.get("ChallengeParameters") or {}
    return {
        "session": result["Session"],
        "username": parameters.get("USERNAME", email),
        "challenge": parameters,
    }


def _login_page(form: EmailForm):
    """The sign-in page again, with the email's error (nothing typed is lost)."""
    login = SignInForm(formdata=None)
    login.email.data = form.email.data
    login.email.errors = list(form.email.errors)
    return login_page(login)


@bp.get("/login/passkey")
def page():
    """The passkey page: its script asks the browser for the passkey at once, and again from
    the button; without a challenge waiting, back to the sign-in page."""
    waiting = session.get(KEY)
    if not waiting:
        return redirect(url_for("signin.login"), 303)
    return render_template(
        "signin/passkey.html",
        form=PasskeyAnswerForm(formdata=None),
        who=masked(waiting["email"]),
        email=waiting["email"],
        options=waiting["options"],
    )


@bp.post("/login/passkey/answer")
@limited
def answer():
    """Send the browser's answer to the pool; signed in, or the one refusal for every failure.
    The sign-in answered is autofill's when the form names one (``waiting``), else the passkey
    page's."""
    form = PasskeyAnswerForm()
    handle = form.waiting.data or ""
    waiting = _kept(handle) if handle else session.pop(KEY, None)
    if not waiting:
        flash_message("session_expired")
        return redirect(url_for("signin.login"), 303)
    credential = passkeys.parsed_credential(form.credential.data or "")
    with padded():
        result = _respond(waiting, credential) if form.validate_on_submit() else None
    if result is None:
        flash_message("passkey_refused")
        return redirect(url_for("signin.login", login_hint=waiting["email"]), 303)
    # A passkey that verified the person (fingerprint, face, PIN) is two factors; one that did
    # not is one, not enough for an account with an authenticator app.
    if not passkeys.user_verified(credential) and needs_second_factor(result, waiting["client_id"]):
        flash_message("passkey_needs_mfa")
        return redirect(url_for("signin.login", login_hint=waiting["email"]), 303)
    return outcome(result, waiting["email"], waiting["client_id"], "passkey")


def _respond(waiting: dict, credential: dict | None) -> dict | None:
    """RespondToAuthChallenge WEB_AUTHN; None for a decoy, a malformed answer or a refusal."""
    if not waiting.get("session") or credential is None:
        return None
    try:
        return user_pool().call(
            "RespondToAuthChallenge",
            ClientId=waiting["client_id"],
            ChallengeName="WEB_AUTHN",
            Session=waiting["session"],
            ChallengeResponses={
                "USERNAME": waiting["username"],
                "CREDENTIAL": json.dumps(credential),
            },
            ClientMetadata=i18n.client_metadata(),
        )
    except (
        errors.PasskeyRefused,
        errors.InvalidCredentials,
        errors.SessionExpired,
        errors.InvalidInput,
        errors.CodeMismatch,
        errors.NotFound,
    ):
        return None
