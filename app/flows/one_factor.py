"""The one-factor rule for sign-ins by email (a magic link, an emailed code): proof of the
mailbox alone does not sign in an account that has an authenticator app.

Cognito asks no second factor after custom auth or an emailed sign-in code, so the tokens of
such a sign-in are revoked at once and the person signs in with password and code (one GetUser
per sign-in by email).
"""

from __future__ import annotations

from flask import redirect, url_for
from werkzeug.wrappers import Response

from ..messages import flash_message
from ..signin import outcome, user_pool
from .account import has_mfa


def signed_in_by_email(result: dict, email: str, client_id: str, needs_mfa: str) -> Response:
    """Finish a sign-in by email (``outcome``, method ``otp``), unless the account has an
    authenticator app: then revoke its tokens, flash ``needs_mfa`` and ask for the password."""
    tokens = result.get("AuthenticationResult")
    if tokens:
        pool = user_pool()
        user = pool.call("GetUser", AccessToken=tokens["AccessToken"])
        if has_mfa(user):
            pool.call("RevokeToken", ClientId=client_id, Token=tokens["RefreshToken"])
            flash_message(needs_mfa)
            return redirect(url_for("signin.login", login_hint=email), 303)
    return outcome(result, email, client_id, "otp")
