"""USER_SRP_AUTH and the PASSWORD_VERIFIER challenge: the pool's side of Cognito's SRP, whose
arithmetic lives in ``srp.py``."""

from __future__ import annotations

from typing import Any

from .. import srp
from ..errors import invalid_parameter, not_authorized
from ..seed import AppClient
from ..sign_in_triggers import pre_authentication
from .challenges import after_password, keep_session

SRP_A_MAX_HEX = 2048  # A is below N (768 hex digits); longer input is refused unparsed


def parse_srp_a(text: Any) -> int | None:
    """The client's SRP_A as a number, or None when it is not one SRP accepts."""
    if not isinstance(text, str) or not text or len(text) > SRP_A_MAX_HEX:
        return None
    try:
        big_a = int(text, 16)
    except ValueError:
        return None
    return big_a if big_a % srp.N else None


def numbers(pool, user, username: str, big_a: int) -> dict[str, Any]:
    """The PASSWORD_VERIFIER challenge for a user (or, for one who is unknown, federated or has
    no verifier, a decoy derived from the name asked for); ``sub`` and ``verifier`` say which
    stored values it was made from."""
    if user is not None and user["native"] and user["srp_verifier"]:
        salt, verifier, user_id = user["srp_salt"], int(user["srp_verifier"], 16), user["username"]
        made_from = {"sub": user["sub"], "verifier": user["srp_verifier"]}
    else:
        salt, verifier, user_id = srp.decoy(pool.signer.derive("srp-decoy"), username)
        made_from = {"sub": None, "verifier": None}
    public, state = srp.challenge(big_a, salt, verifier, user_id)
    state["username"] = user_id
    if made_from["sub"] is None:
        state["decoy_verifier"] = f"{verifier:x}"
    return {**made_from, "public": public, "state": state}


def start(
    pool, conn, client: AppClient, auth: dict[str, str], prepared, metadata=None
) -> dict[str, Any]:
    """USER_SRP_AUTH: answer SRP_A with the PASSWORD_VERIFIER challenge; an unknown user's
    answer looks like a known user's and is the same on every call. PreAuthentication (given
    the call's ClientMetadata) may refuse first; UserMigration never runs (no password)."""
    username = auth.get("USERNAME", "")
    for key in ("USERNAME", "SRP_A"):
        if not auth.get(key):
            raise invalid_parameter(f"Missing required parameter {key}")
    big_a = parse_srp_a(auth["SRP_A"])
    if big_a is None:
        raise invalid_parameter("SRP_A is not a valid SRP value.")
    pool.check_secret_hash(client, [username], auth.get("SECRET_HASH"))
    user = pool.find_user(conn, username)
    native = user if user is not None and user["native"] else None
    pre_authentication(pool, client, username, native, metadata)
    if user is None or not user["native"] or not user["srp_verifier"]:
        user = None
    made = prepared.get("challenge")
    now = {"sub": user and user["sub"], "verifier": user and user["srp_verifier"]}
    if made is None or (made["sub"], made["verifier"]) != (now["sub"], now["verifier"]):
        made = numbers(pool, user, username, big_a)  # the user changed meanwhile (rare)
    state = made["state"]
    keep_session(pool, conn, state["block"], client, user, "PASSWORD_VERIFIER", state)
    return {"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": made["public"]}


PASSWORD_CLAIM = (
    "PASSWORD_CLAIM_SIGNATURE",
    "PASSWORD_CLAIM_SECRET_BLOCK",
    "TIMESTAMP",
    "USERNAME",
)


def check_claim(responses: dict[str, Any]) -> str:
    """Refuse an incomplete PASSWORD_VERIFIER answer; returns its TIMESTAMP as Cognito reads it."""
    for key in PASSWORD_CLAIM:
        if not isinstance(responses.get(key), str) or not responses[key]:
            raise invalid_parameter(f"Missing required parameter {key}")
    try:
        return srp.canonical_timestamp(responses["TIMESTAMP"])
    except srp.BadTimestamp as exc:
        raise invalid_parameter(
            f"TIMESTAMP format should be {srp.TIMESTAMP_FORMAT} in english."
        ) from exc


def proof(pool, user, state: dict, responses: dict, timestamp: str) -> dict[str, Any]:
    """Whether the password claim proves the password, and the verifier it was checked against."""
    stored = user["srp_verifier"] if user else state.get("decoy_verifier")
    proved = bool(stored) and srp.proves_password(
        state,
        int(stored, 16),
        srp.pool_name(pool.id),
        state["username"],
        timestamp,
        responses["PASSWORD_CLAIM_SIGNATURE"],
    )
    return {"block": state["block"], "verifier": stored, "proved": proved}


def answer(pool, conn, client, user, state, responses, timestamp, prepared, metadata=None):
    """Check the SRP password claim: a wrong one counts toward the lockout like a wrong password,
    and a decoy session fails the same way (``metadata``: the call's ClientMetadata, for
    PostAuthentication and PreTokenGeneration)."""
    named = pool.find_user(conn, responses["USERNAME"])
    if user is not None and (named is None or named["sub"] != user["sub"]):
        raise not_authorized()
    if user is not None:
        pool.check_not_locked(user)
    checked = prepared.get("proof")
    stored = user["srp_verifier"] if user else state.get("decoy_verifier")
    if checked is None or (checked["block"], checked["verifier"]) != (state["block"], stored):
        checked = proof(pool, user, state, responses, timestamp)  # changed meanwhile (rare)
    if user is None or not checked["proved"]:
        if user is not None:
            pool.record_password_failure(conn, user)
        raise not_authorized()
    user["failed_logins"] = 0
    pool.save_user(conn, user)
    return after_password(pool, conn, client, user, metadata)
