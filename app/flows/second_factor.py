"""One factor is not enough for an account with an authenticator app.

Cognito asks no second factor after a passwordless sign-in (a magic link's custom auth, an
emailed code, a passkey): its MFA follows only a password. So after such a sign-in Gatehouse
asks the pool whether the account has an authenticator app, and if it has, revokes the tokens
at once; the person signs in with password and code instead.
"""

from __future__ import annotations

from ..signin import user_pool
from .account import has_mfa


def needs_second_factor(result: dict, client_id: str) -> bool:
    """The sign-in's tokens belong to an account with an authenticator app: they are revoked
    and the caller sends the person to the password sign-in. One GetUser per sign-in."""
    tokens = result.get("AuthenticationResult")
    if not tokens:
        return False
    pool = user_pool()
    if not has_mfa(pool.call("GetUser", AccessToken=tokens["AccessToken"])):
        return False
    pool.call("RevokeToken", ClientId=client_id, Token=tokens["RefreshToken"])
    return True
