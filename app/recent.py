"""A recent sign-in: account changes need the person to have signed in within a few minutes."""

from __future__ import annotations

from functools import wraps

from flask import current_app, redirect, request, session, url_for

RECENT_SECONDS = 5 * 60
# Where /account/confirm may send the person back to: endpoints, never URLs.
RETURNS = ("email_change.start", "account.password", "deletion.confirm")


def now() -> float:
    """The app's clock."""
    return current_app.extensions["gatehouse.settings"].clock()


def is_recent() -> bool:
    """True when this session's sign-in happened within the last few minutes."""
    user = session.get("user")
    return bool(user) and now() - user.get("signed_in_at", 0) <= RECENT_SECONDS


def recent_sign_in_required(view):
    """Send a person who is not signed in to sign in, and one who signed in long ago to confirm."""

    @wraps(view)
    def guarded(*args, **kwargs):
        """The view, once the sign-in is recent."""
        if not session.get("user"):
            return redirect(url_for("signin.login"), 303)
        if not is_recent():
            endpoint = request.endpoint
            return redirect(url_for("account.confirm", next=endpoint), 303)
        return view(*args, **kwargs)

    return guarded
