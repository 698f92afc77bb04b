"""``/account/confirm``: "confirm it's you" before an account change, the way this person signs in.

- **Password**, for an account that has one: InitiateAuth as Gatehouse's own app client.
- **The provider again** (Google, Apple, ... linked to the account): a round trip through the
  pool's OAuth2 domain as Gatehouse's own app client, with social sign-in's state (signed, single
  use, ten minutes, bound to this browser), PKCE and nonce, and ``prompt=login``. The ID token must
  be for this session's ``sub`` (a different person is refused, and their tokens revoked) and its
  ``auth_time`` must be after the round trip began (a remembered old sign-in confirms nothing).
- **An emailed code** (``reconfirm_code``), for an account with a verified address.

The password and the provider are real sign-ins (``signin.start_session``: a fresh session, which
finishes no app's request); the code confirms this session (``recent.confirmed_now``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import Blueprint, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response
from wtforms import HiddenField

from ..magic_link.tokens import masked
from ..messages import flash_message
from ..recent import RETURNS, now
from ..signin import signed_in_user, start_session, user_pool
from ..userpool import errors
from ..userpool.domain import DomainError
from ..web.limits import limited
from . import social
from .account import (
    has_mfa,
    has_password,
    holds_an_apps_federated_tokens,
    identities,
    session_ended,
)
from .forms import ConfirmPasswordForm, Form, at_most, required

bp = Blueprint("reconfirm", __name__)
log = logging.getLogger(__name__)
# Clocks differ a little between Gatehouse and the pool's domain.
CLOCK_SKEW_SECONDS = 30


@dataclass
class Ways:
    """How the signed-in person can confirm it's them."""

    email: str
    password: bool
    providers: list[tuple[str, str]] = field(default_factory=list)  # (provider, label)
    code: bool = False


class ProviderForm(Form):
    """A "Continue with …" button: which provider to confirm with."""

    provider = HiddenField(validators=[required(), at_most(64)])


def ways() -> Ways:
    """This person's ways, from the pool (GetUser): a password if they have one, each linked
    provider that Gatehouse's own app client may use, and a code to a verified address.

    An account with an authenticator app gets no emailed code: its password leads to a full
    sign-in with the app's code, and a mailbox alone must not stand in for that second factor.
    """
    try:
        user = user_pool().call("GetUser", AccessToken=session["access_token"])
    except errors.SessionExpired:
        if not holds_an_apps_federated_tokens():
            raise
        return _provider_again_only()
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    usable = dict(social.providers_for(user_pool().client_id))
    linked = [i["providerName"] for i in identities(attributes)]
    email = attributes.get("email", "")
    return Ways(
        email=email,
        password=has_password(user["Username"], attributes),
        providers=[(name, usable[name]) for name in dict.fromkeys(linked) if name in usable],
        code=bool(email) and attributes.get("email_verified") == "true" and not has_mfa(user),
    )


def _provider_again_only() -> Ways:
    """A provider sign-in through an app whose tokens the pool refuses here: the provider
    again is the one way, read from the session (the pool will not answer these tokens)."""
    user = signed_in_user()
    usable = dict(social.providers_for(user_pool().client_id))
    provider = user.get("provider")
    offered = [(provider, usable[provider])] if provider in usable else []
    return Ways(email=user.get("email", ""), password=False, providers=offered)


def back() -> str:
    """Where to go once confirmed: an endpoint from the allowed list, never a URL."""
    endpoint = request.args.get("next", "account.overview")
    return endpoint if endpoint in RETURNS else "account.overview"


def page(found: Ways, form: ConfirmPasswordForm | None = None, status: int = 200):
    """The "confirm it's you" page with every way this person has."""
    return render_template(
        "account/confirm.html",
        form=form or ConfirmPasswordForm(formdata=None),
        buttons=ProviderForm(formdata=None),
        ways=found,
        who=masked(found.email),
        back=back(),
    ), status


@bp.route("/account/confirm", methods=["GET", "POST"])
@limited
def confirm():
    """The ways to confirm; a POST here is the password."""
    if not signed_in_user():
        return redirect(url_for("signin.login"), 303)
    try:
        found = ways()
    except errors.SessionExpired:
        return session_ended()
    form = ConfirmPasswordForm()
    if not found.password or not form.validate_on_submit():
        return page(found, form)
    try:
        result = user_pool().call(
            "InitiateAuth",
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": found.email, "PASSWORD": form.password.data},
        )
    except (errors.InvalidCredentials, errors.TooManyAttempts) as exc:
        flash_message(exc.key)
        return page(found, form)
    if "AuthenticationResult" not in result:
        return redirect(url_for("signin.login"), 303)  # MFA: a full sign-in is needed
    start_session(result["AuthenticationResult"])
    return redirect(url_for(back()), 303)


@bp.post("/account/confirm/provider")
@limited
def provider():
    """Send the browser to the pool's domain for one of this person's providers, as
    Gatehouse's own app client, with the state social sign-in uses (its callback returns here)."""
    user = signed_in_user()
    if not user:
        return redirect(url_for("signin.login"), 303)
    try:
        found = ways()
    except errors.SessionExpired:
        return session_ended()
    form = ProviderForm()
    if not form.validate_on_submit() or form.provider.data not in dict(found.providers):
        return redirect(url_for("reconfirm.confirm", next=back()), 303)
    return social.send_to_provider(
        form.provider.data,
        user_pool().client_id,
        social.OWN_SCOPE,
        # A confirmation is never retried unseen; the callback hands this record to ``returned``.
        {"retried": True, "confirm": {"sub": user["sub"], "next": back(), "started_at": now()}},
        prompt="login",
    )


def returned(record: dict) -> Response:
    """Back from the provider with a state social.callback has checked and spent: exchange the
    code, validate the ID token, and accept only the same person, freshly signed in."""
    asked = record["confirm"]
    user = signed_in_user()
    if not user or user["sub"] != asked["sub"]:
        return redirect(url_for("signin.login"), 303)
    if request.args.get("error"):
        cancelled = request.args["error"] == "access_denied"
        return _again("reconfirm_cancelled" if cancelled else "reconfirm_failed", asked["next"])
    try:
        tokens, claims = social.exchange(record)
    except DomainError:
        return _again("reconfirm_failed", asked["next"])
    if claims.get("sub") != asked["sub"]:
        _revoke(tokens["RefreshToken"])
        return _again("reconfirm_other_person", asked["next"])
    auth_time = claims.get("auth_time")
    if not isinstance(auth_time, int | float) or not (
        asked["started_at"] - CLOCK_SKEW_SECONDS <= auth_time <= now() + CLOCK_SKEW_SECONDS
    ):
        _revoke(tokens["RefreshToken"])
        return _again("reconfirm_not_fresh", asked["next"])
    start_session(tokens)
    return redirect(url_for(asked["next"]), 303)


def _again(key: str, next_endpoint: str) -> Response:
    """Back to the ways to confirm, saying what went wrong."""
    flash_message(key)
    return redirect(url_for("reconfirm.confirm", next=next_endpoint), 303)


def _revoke(refresh_token: str | None) -> None:
    """Tokens this confirmation must not keep (another person's, or a stale sign-in's): revoke
    their refresh token at the pool; if that fails they only expire, and the log says so."""
    if not refresh_token:
        return
    try:
        user_pool().call("RevokeToken", Token=refresh_token)
    except errors.UserPoolError as exc:
        log.warning("reconfirm: a refresh token was not revoked: %s", exc.code)
