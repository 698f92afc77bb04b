"""Finding out whether a change happened after the pool gave no clear answer.

Each function returns a ``reconcile`` callable for ``UserPool.call``: True when the change is
visible in the pool, False when it is visibly not made (so one more try is safe), None when the
pool's state cannot tell.
"""

from __future__ import annotations

from collections.abc import Callable

from . import errors
from .gateway import UserPool


def password_is(
    pool: UserPool, client_id: str, email: str, password: str
) -> Callable[[], bool | None]:
    """Whether ``password`` is now the account's password (after ChangePassword or a reset)."""

    def check() -> bool | None:
        """Sign in with it; a challenge (MFA, say) also proves the password was right."""
        try:
            result = pool.call(
                "InitiateAuth",
                ClientId=client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": password},
            )
        except errors.InvalidCredentials:
            return False
        except (errors.NotConfirmed, errors.PasswordResetRequired):
            return None
        refresh = result.get("AuthenticationResult", {}).get("RefreshToken")
        if refresh:
            try:  # the check's own sign-in must not leave a live refresh token behind
                pool.call("RevokeToken", ClientId=client_id, Token=refresh)
            except errors.UserPoolError:
                pass  # it expires on its own; the answer stands
        return True

    return check


def email_is(pool: UserPool, access_token: str, email: str) -> Callable[[], bool | None]:
    """Whether ``email`` is now the verified sign-in address (after VerifyUserAttribute)."""

    def check() -> bool | None:
        """Read the user back."""
        try:
            user = pool.call("GetUser", AccessToken=access_token)
        except errors.SessionExpired:
            return None
        attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
        return attributes.get("email") == email and attributes.get("email_verified") == "true"

    return check


def user_gone(pool: UserPool, sub: str) -> Callable[[], bool | None]:
    """Whether the user no longer exists (after DeleteUser)."""

    def check() -> bool | None:
        """Look the user up as an administrator."""
        try:
            pool.call("AdminGetUser", Username=sub)
        except errors.NotFound:
            return True
        return False

    return check
