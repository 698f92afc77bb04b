"""USER_AUTH, Cognito's choice-based sign-in: the first factors the pool allows (PASSWORD and
PASSWORD_SRP, EMAIL_OTP, WEB_AUTHN), a preferred one answered at once when the user has it, else
SELECT_CHALLENGE with AvailableChallenges; and the WEB_AUTHN challenge of a passkey sign-in.

An unknown user is offered what a known user without passkeys is offered, and each choice then
fails as it fails for a known user (a wrong password, a wrong email code).

PreAuthentication runs once per sign-in, when the first factor starts (before the password is
checked, the email code sent or the passkey challenge made), not when the choice is offered;
PostAuthentication when the tokens are about to be minted (``pool.issue_tokens``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from webauthn.helpers import base64url_to_bytes

from ..errors import invalid_parameter, not_authorized
from ..passkeys import (
    RelyingParty,
    check_assertion,
    credential_json,
    request_options,
    user_passkeys,
)
from ..sign_in_triggers import pre_authentication
from . import email_otp, password_auth, srp_auth
from .challenges import challenge, check_can_sign_in, named_user

# Each first factor of SignInPolicy.AllowedFirstAuthFactors, as the challenges that answer it.
FACTOR_CHALLENGES = {
    "PASSWORD": ("PASSWORD", "PASSWORD_SRP"),
    "EMAIL_OTP": ("EMAIL_OTP",),
    "WEB_AUTHN": ("WEB_AUTHN",),
}
CHOICES = ("PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "WEB_AUTHN", "SMS_OTP")


@dataclass(frozen=True)
class FirstFactor:
    """The first factor a USER_AUTH sign-in goes on with: who, which, InitiateAuth's
    ClientMetadata (PreAuthentication's ``validationData``) and the ClientMetadata of the call
    that chose it (None at InitiateAuth), for the CustomMessage and PostAuthentication
    triggers."""

    username: str
    choice: str
    validation: dict[str, str] | None
    metadata: dict[str, str] | None


def start(pool, conn, client, auth: dict[str, str], prepared, metadata) -> dict[str, Any]:
    """InitiateAuth USER_AUTH: the preferred challenge if this user has it, else the choice.
    The call's ClientMetadata is kept for PreAuthentication, which runs when a first factor
    starts, now or after SELECT_CHALLENGE."""
    preferred = auth.get("PREFERRED_CHALLENGE")
    if preferred is not None and preferred not in CHOICES:
        raise invalid_parameter("PREFERRED_CHALLENGE is not a challenge of USER_AUTH.")
    username, user = named_user(pool, conn, client, auth)
    offered = available(pool, conn, user)
    validation = dict(metadata) if metadata else None
    if preferred in offered:
        # Cognito passes InitiateAuth's ClientMetadata to no CustomMessage trigger (only to
        # PreSignUp, PreAuthentication and UserMigration): an email code sent now gets none. A
        # caller that wants it there selects EMAIL_OTP in RespondToAuthChallenge, whose
        # ClientMetadata the trigger gets.
        factor = FirstFactor(username, preferred, validation, None)
        return _begin(pool, conn, client, user, factor, auth, prepared)
    data = {"username": username, "available": offered, "validation": validation}
    asked = challenge(pool, conn, client, user, "SELECT_CHALLENGE", data, {})
    return {**asked, "AvailableChallenges": offered}


def available(pool, conn, user) -> list[str]:
    """The challenges this user can answer, in the order of the pool's first factors: a passkey
    only for a user who has one for the relying party; the others for anyone (also unknown)."""
    # An unknown user's passkeys are looked up too (there are none): the same work either way.
    has_passkey = bool(user_passkeys(conn, user["sub"] if user else "", RelyingParty.of(pool).id))
    offered: list[str] = []
    for factor in pool.settings.allowed_first_auth_factors:
        if factor != "WEB_AUTHN" or has_passkey:
            offered.extend(FACTOR_CHALLENGES[factor])
    return offered


def prepare_selection(pool, user, username: str, responses: dict[str, Any]) -> dict[str, Any]:
    """Before the transaction: what a password chosen in SELECT_CHALLENGE needs (its verdict, or
    the SRP challenge's numbers)."""
    if responses.get("ANSWER") == "PASSWORD":
        return password_auth.prepare(pool, user, responses.get("PASSWORD"))
    big_a = srp_auth.parse_srp_a(responses.get("SRP_A"))
    return {} if big_a is None else {"challenge": srp_auth.numbers(pool, user, username, big_a)}


def select(pool, conn, client, user, data, responses, prepared, metadata) -> dict[str, Any]:
    """RespondToAuthChallenge SELECT_CHALLENGE: go on with the chosen challenge (ANSWER)."""
    choice = responses.get("ANSWER")
    if choice not in data["available"]:
        raise invalid_parameter("ANSWER is not one of the AvailableChallenges.")
    factor = FirstFactor(data["username"], choice, data.get("validation"), metadata)
    return _begin(pool, conn, client, user, factor, responses, prepared)


def _begin(pool, conn, client, user, factor: FirstFactor, given, prepared) -> dict:
    """Start (or, for a password, complete) the chosen first factor."""
    if factor.choice in ("PASSWORD", "PASSWORD_SRP"):
        key = "PASSWORD" if factor.choice == "PASSWORD" else "SRP_A"
        if not given.get(key):
            raise invalid_parameter(f"Missing required parameter {key}")
        auth = {
            "USERNAME": factor.username,
            key: given[key],
            "SECRET_HASH": given.get("SECRET_HASH"),
        }
        if factor.choice == "PASSWORD":
            return password_auth.sign_in(
                pool, conn, client, auth, prepared, factor.validation, factor.metadata
            )
        return srp_auth.start(pool, conn, client, auth, prepared, factor.validation)
    pre_authentication(pool, client, factor.username, user, factor.validation)
    if factor.choice == "EMAIL_OTP":
        return email_otp.start(pool, conn, client, factor.username, user, factor.metadata)
    rp = RelyingParty.of(pool)
    options = request_options(rp, user_passkeys(conn, user["sub"], rp.id))
    data = {"username": factor.username, "challenge": options["challenge"]}
    public = {"CREDENTIAL_REQUEST_OPTIONS": json.dumps(options)}
    return challenge(pool, conn, client, user, "WEB_AUTHN", data, public)


def answer_passkey(pool, conn, client, user, data, responses, metadata) -> dict[str, Any]:
    """RespondToAuthChallenge WEB_AUTHN: a passkey of this user signed this session's challenge.
    The session is already spent, so an assertion is never accepted twice."""
    credential = credential_json(responses.get("CREDENTIAL"))
    rp = RelyingParty.of(pool)
    passkey = conn.execute(
        "SELECT * FROM passkeys WHERE credential_id = ? AND sub = ? AND rp_id = ?",
        (credential["id"], user["sub"], rp.id),
    ).fetchone()
    if passkey is None:
        raise not_authorized("The passkey could not be verified.")
    handle = (credential.get("response") or {}).get("userHandle")
    if handle and _handle_bytes(handle) != user["sub"].encode():
        raise not_authorized("The passkey could not be verified.")
    count = check_assertion(rp, credential, data["challenge"], passkey)
    conn.execute(
        "UPDATE passkeys SET sign_count = ? WHERE credential_id = ?",
        (count, passkey["credential_id"]),
    )
    check_can_sign_in(user)
    # No TOTP challenge after a passkey, which is a factor of its own.
    result = pool.issue_tokens(
        conn, user, client, "TokenGeneration_Authentication", metadata=metadata
    )
    return {"ChallengeParameters": {}, "AuthenticationResult": result}


def _handle_bytes(handle: Any) -> bytes | None:
    """A credential's userHandle as bytes, or None when it is not base64url."""
    try:
        return base64url_to_bytes(handle) if isinstance(handle, str) else None
    except ValueError:
        return None
