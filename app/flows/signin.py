"""``/login``: email and password, then Cognito's follow-up challenges."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from .. import i18n, mfa_lockout, signin_line
from ..branding import current_brand, way_back_url
from ..messages import flash_message
from ..signin import CHALLENGE_KEY, outcome, own_client_id, target_client_id, user_pool
from ..signin_methods import offered
from ..userpool import errors
from ..web.error_pages import error_page
from ..web.limits import limited
from ..web.page_cache import cached_page
from .forms import AuthenticatorCodeForm, NewPasswordForm, SignInForm
from .policy import password_rules
from .refusal import refusal_page
from .social import providers_for

bp = Blueprint("signin", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limited
def login():
    """Show the sign-in form; on POST, sign in as Gatehouse's own app client (the pending app
    request is then finished with a session proof), in the sign-in's turn of the pool's quota:
    a turn further away than a short wait holds the person's place in line
    (``signin_line``)."""
    if request.method == "GET" and not request.args.get("login_hint"):
        return blank_login_page()
    form = SignInForm()
    if request.method == "GET":
        form.email.data = request.args["login_hint"]
    if not form.validate_on_submit():
        return login_page(form)
    email = form.email.data.strip()
    units = signin_line.sign_in_units()
    turn = signin_line.take_turn(units)
    wait = current_app.extensions["gatehouse.settings"].admission_wait_seconds
    if turn.delay > wait:
        place = signin_line.hold(email, form.password.data, form.webauthn.data, units, turn.delay)
        return line_page(place)
    now = current_app.extensions["gatehouse.settings"].clock()
    with signin_line.prepaid(units, now + turn.delay):
        return _sign_in(form, email, form.password.data, form.webauthn.data)


@bp.route("/login/resume")
def resume():
    """Where the "you're in line" page refreshes to: the same page until the turn comes, then
    the sign-in with what was typed (once: the place is spent)."""
    place = signin_line.current()
    if place is None:
        flash_message("session_expired")
        return redirect(url_for("signin.login"), 303)
    now = current_app.extensions["gatehouse.settings"].clock()
    if place.due - now > 1:
        return line_page(place)
    place = signin_line.leave()
    if place is None:  # another load of this page took the turn a moment ago
        return redirect(url_for("signin.login"), 303)
    form = SignInForm(formdata=None, email=place.email)
    with signin_line.prepaid(place.units, place.due):
        return _sign_in(form, place.email, place.password, place.webauthn)


def line_page(place: signin_line.Place):
    """ "You're in line": 202, ``Retry-After`` and the words from the same number of seconds,
    and a ``Refresh`` header (no script needed) to ``/login/resume`` when the turn comes.

    The refresh is the HTTP header rather than a ``<meta>``, and comes once, at the turn, not
    every few seconds: a timed refresh inside the page is an accessibility failure (a screen
    reader's place is lost on each reload, axe-core's ``meta-refresh``), while the one reload
    the page announces is the sign-in the person is waiting for. It lands at or just before
    the turn, never after it: a late resume would leave its turn unused."""
    now = current_app.extensions["gatehouse.settings"].clock()
    seconds = max(1, place.seconds_left(now))
    refresh = max(1, int(place.due - now))
    body = render_template("signin/line.html", seconds=seconds, email=place.email)
    return (
        body,
        202,
        {
            "Retry-After": str(seconds),
            "Refresh": f"{refresh};url={url_for('signin.resume')}",
            "Cache-Control": "no-store",
        },
    )


def _sign_in(form: SignInForm, email: str, password: str, webauthn: str):
    """InitiateAuth with email and password; the answer's next page (``outcome``), or the
    form again with the reason."""
    try:
        result = user_pool().call(
            "InitiateAuth",
            ClientId=own_client_id(),
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
    except errors.NotConfirmed:
        flash_message("not_confirmed")
        session["confirm_email"] = email
        return redirect(url_for("signup.confirm"), 303)
    except errors.PasswordResetRequired:
        flash_message("password_reset_required")
        return redirect(url_for("recovery.forgot", email=email), 303)
    except (errors.InvalidCredentials, errors.TooManyAttempts, errors.InvalidInput) as exc:
        flash_message(exc.key)
        form.password.data = ""
        return login_page(form)
    except errors.Rejected as exc:
        # A sign-in trigger said no (UserMigration's legacy directory, PreAuthentication).
        return refusal_page(exc, target_client_id())
    # A browser that can make passkeys (its script said so) is offered one once signed in.
    offer = "passkeys.offer" if webauthn == "1" else None
    return outcome(result, email, detour=offer)


def login_page(form: SignInForm):
    """The sign-in page: the ways in the brand offers (in its order) and the providers."""
    return render_template(
        "signin/login.html",
        form=form,
        providers=providers_for(target_client_id()),
        ways=offered(),
    )


def blank_login_page() -> str:
    """The sign-in page as everyone first sees it (nothing typed), from the page cache: its
    key names every input the page reads (see ``templates/signin/login.html``): the language,
    the brand, the app client and its providers, the ways in, the way back to the app and the
    address the language link returns to."""
    brand = current_brand()
    client_id = target_client_id()
    providers = providers_for(client_id)
    ways = offered()
    back = way_back_url()
    key = (
        "signin/login.html",
        i18n.select_locale(),
        id(brand),
        client_id,
        tuple(providers),
        tuple(ways),
        (back[0], back[1] is not None) if back else None,
        i18n.here(),
    )
    # On a miss only: the form, and the page from the same inputs the key names.
    return cached_page(key, lambda: login_page(SignInForm()), held=brand)


@bp.route("/login/challenge", methods=["GET", "POST"])
@limited
def challenge():
    """Answer NEW_PASSWORD_REQUIRED or SOFTWARE_TOKEN_MFA."""
    pending = session.get(CHALLENGE_KEY)
    if not pending:
        flash_message("session_expired")
        return redirect(url_for("signin.login"), 303)
    new_password = pending["name"] == "NEW_PASSWORD_REQUIRED"
    form = NewPasswordForm() if new_password else AuthenticatorCodeForm()
    template = "signin/new_password.html" if new_password else "signin/mfa.html"
    if not form.validate_on_submit():
        return render_template(template, form=form, rules=password_rules())
    if new_password:
        answer = {"USERNAME": pending["username"], "NEW_PASSWORD": form.password.data}
        return _respond(pending, answer, template, form)
    return _answer_code(pending, form, template)


def _answer_code(pending: dict, form: AuthenticatorCodeForm, template: str):
    """SOFTWARE_TOKEN_MFA, within the account's allowance of wrong codes (``mfa_lockout``)."""
    store = current_app.extensions["gatehouse.store"]
    now = current_app.extensions["gatehouse.settings"].clock()
    slot = mfa_lockout.take_slot(store, pending["username"], now)
    if slot is None:
        session.pop(CHALLENGE_KEY, None)
        return error_page(
            "mfa_locked", 429, mfa_lockout.seconds_paused(store, pending["username"], now)
        )
    answer = {"USERNAME": pending["username"], "SOFTWARE_TOKEN_MFA_CODE": form.code.data.strip()}
    try:
        return _respond(pending, answer, template, form)
    except errors.CodeMismatch:
        slot = None  # a wrong code keeps its slot for the whole window
        flash_message("mfa_code_wrong")
        return render_template(template, form=form, rules=password_rules())
    finally:
        if slot is not None:
            mfa_lockout.give_back(store, slot)


def _respond(pending: dict, answer: dict, template: str, form):
    """RespondToAuthChallenge; a spent or expired challenge session starts the sign-in again."""
    try:
        result = user_pool().call(
            "RespondToAuthChallenge",
            ClientId=pending["client_id"],
            ChallengeName=pending["name"],
            Session=pending["session"],
            ChallengeResponses=answer,
        )
    except errors.PasswordPolicy as exc:
        flash_message(exc.key)
        return render_template(template, form=form, rules=password_rules())
    except (errors.InvalidCredentials, errors.SessionExpired):
        session.pop(CHALLENGE_KEY, None)
        flash_message("session_expired")
        return redirect(url_for("signin.login"), 303)
    except errors.Rejected as exc:
        # PostAuthentication runs when the challenge that ends the sign-in is answered; its
        # refusal spends the challenge as on Cognito.
        session.pop(CHALLENGE_KEY, None)
        return refusal_page(exc, target_client_id())
    session.pop(CHALLENGE_KEY, None)
    method = pending.get("method", "pwd")
    if pending["name"] == "SOFTWARE_TOKEN_MFA":
        method = f"{method} mfa"
    return outcome(result, pending["email"], pending["client_id"], method, pending.get("detour"))
