"""Software-token (TOTP) MFA: AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference."""

from __future__ import annotations

from typing import Any

import pyotp

from ..errors import PoolError, invalid_parameter
from . import operation


@operation("AssociateSoftwareToken", "UserUpdate")
def associate_software_token(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Start TOTP set-up: a new secret that becomes active once a code from it is verified."""
    if not params.get("AccessToken"):
        raise invalid_parameter(
            "The local pool supports AssociateSoftwareToken with an AccessToken."
        )
    user = pool.authenticate_access(conn, params["AccessToken"])
    user["mfa_pending_secret"] = pyotp.random_base32()
    pool.save_user(conn, user)
    return {"SecretCode": user["mfa_pending_secret"]}


@operation("VerifySoftwareToken", "UserUpdate")
def verify_software_token(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Confirm TOTP set-up with a code from the authenticator app."""
    user = pool.authenticate_access(conn, params.get("AccessToken"))
    secret = user["mfa_pending_secret"]
    if not secret:
        raise PoolError(
            "SoftwareTokenMFANotFoundException", "Software Token MFA has not been associated."
        )
    if not pyotp.TOTP(secret).verify(
        params.get("UserCode", ""), for_time=pool.clock(), valid_window=1
    ):
        raise PoolError(
            "EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA"
        )
    user["mfa_secret"] = secret
    user["mfa_pending_secret"] = None
    pool.save_user(conn, user)
    return {"Status": "SUCCESS"}


@operation("SetUserMFAPreference", "UserUpdate")
def set_user_mfa_preference(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Turn TOTP sign-in challenges on or off for the signed-in user."""
    user = pool.authenticate_access(conn, params.get("AccessToken"))
    settings = params.get("SoftwareTokenMfaSettings") or {}
    if settings.get("Enabled") or settings.get("PreferredMfa"):
        if not user["mfa_secret"]:
            raise invalid_parameter("User has not verified software token mfa")
        user["mfa_preferred"] = 1
    elif "Enabled" in settings:
        user["mfa_preferred"] = 0
        user["mfa_secret"] = None
    pool.save_user(conn, user)
    return {}
