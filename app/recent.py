"""A recent sign-in: account changes need the person to have signed in within a few minutes."""

from __future__ import annotations

from functools import wraps

from flask import current_app, redirect, request, session, url_for

RECENT_SECONDS = 5 * 60
# Where /account/confirm may send the person back to: endpoints, never URLs.
RETURNS = (
    "email_change.start",
    "account.password",
    "deletion.confirm",
    "two_step.start",
    "two_step.turn_off",
    "passkeys.add",
    "passkeys.overview",
)
# Kept beside the sign-in's own time, which stays the time of the sign-in.
CONFIRMED_AT = "confirmed_at"


def now() -> float:
    """The app's clock."""
    return current_app.extensions["gatehouse.settings"].clock()


def is_recent() -> bool:
    """True when this session's sign-in, or its last "confirm it's you", happened within the
    last few minutes."""
    user = session.get("user")
    if not user:
        return False
    latest = max(user.get("signed_in_at", 0), user.get(CONFIRMED_AT, 0))
    return now() - latest <= RECENT_SECONDS


def confirmed_now() -> None:
    """The person at this session has just confirmed it's them without signing in again (an
    emailed code): account changes are open for the next few minutes, as after a sign-in."""
    session["user"] = {**session["user"], CONFIRMED_AT: now()}


def recent_sign_in_required(view):
    """Send a person who is not signed in to sign in, and one who signed in long ago to confirm."""

    @wraps(view)
    def guarded(*args, **kwargs):
        """The view, once the sign-in is recent."""
        if not session.get("user"):
            return redirect(url_for("signin.login"), 303)
        if not is_recent():
            endpoint = request.endpoint
            return redirect(url_for("reconfirm.confirm", next=endpoint), 303)
        return view(*args, **kwargs)

    return guarded
