"""InitiateAuth, RespondToAuthChallenge and GetTokensFromRefreshToken: password, SRP, refresh,
custom auth and choice-based sign-in (USER_AUTH), with their challenges."""

from __future__ import annotations

import json
from typing import Any

import pyotp

from ...web.signing import same_secret
from ..client_attributes import check_writable
from ..errors import PoolError, invalid_parameter, not_authorized
from ..passwords import check_policy, make_secret, secret_for
from ..seed import AppClient
from . import (
    acceptable,
    custom_auth,
    email_otp,
    known_client,
    migration,
    operation,
    password_auth,
    srp_auth,
    user_auth,
)
from .challenges import tokens_or_mfa

FLOW_PERMISSION = {
    "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
    "USER_SRP_AUTH": "ALLOW_USER_SRP_AUTH",
    "REFRESH_TOKEN_AUTH": "ALLOW_REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN": "ALLOW_REFRESH_TOKEN_AUTH",
    "CUSTOM_AUTH": "ALLOW_CUSTOM_AUTH",
    "USER_AUTH": "ALLOW_USER_AUTH",
}
MFA_TRIES = 3
# USER_AUTH's password challenges, prepared as the flows they stand for.
FIRST_FACTOR_FLOWS = {"PASSWORD": "USER_PASSWORD_AUTH", "PASSWORD_SRP": "USER_SRP_AUTH"}


def prepare_initiate(pool, params: dict[str, Any]) -> dict[str, Any]:
    """Before the transaction: the password's verdict (USER_PASSWORD_AUTH, or USER_AUTH with
    PASSWORD), or the numbers of the SRP challenge (USER_SRP_AUTH, or USER_AUTH with
    PASSWORD_SRP), for the user as read now."""
    client, flow = known_client(pool, params), params.get("AuthFlow")
    auth = params.get("AuthParameters")
    if client is None or FLOW_PERMISSION.get(flow) not in client.explicit_auth_flows:
        return {}
    if not isinstance(auth, dict) or not isinstance(auth.get("USERNAME"), str):
        return {}
    if flow == "USER_AUTH":
        flow = FIRST_FACTOR_FLOWS.get(auth.get("PREFERRED_CHALLENGE"), "")
    if flow == "USER_PASSWORD_AUTH":
        return prepare_password(pool, client, auth, params.get("ClientMetadata"))
    with pool.db.reading() as conn:
        user = pool.find_user(conn, auth["USERNAME"])
    big_a = srp_auth.parse_srp_a(auth.get("SRP_A"))
    if flow != "USER_SRP_AUTH" or big_a is None:
        return {}
    return {"challenge": srp_auth.numbers(pool, user, auth["USERNAME"], big_a)}


def prepare_password(pool, client: AppClient, auth: dict, metadata: Any) -> dict[str, Any]:
    """Before the transaction, for a password sign-in (InitiateAuth's and the admin flow's):
    the password's verdict for the user as read now and, for a user the pool does not know,
    the UserMigration trigger's answer (the trigger sees the password)."""
    with pool.db.reading() as conn:
        user = pool.find_user(conn, auth["USERNAME"])
    prepared = password_auth.prepare(pool, user, auth.get("PASSWORD"))
    if user is None:
        prepared.update(migration.prepare_sign_in(pool, client, auth, metadata))
    return prepared


@operation("InitiateAuth", "UserAuthentication", prepare=prepare_initiate)
def initiate_auth(pool, conn, params: dict[str, Any], prepared: dict) -> dict[str, Any]:
    """Start a sign-in with one of the flows the app client allows."""
    client = pool.client(params.get("ClientId"))
    flow = params.get("AuthFlow", "")
    if flow not in FLOW_PERMISSION:
        raise invalid_parameter(f"Unsupported auth flow {flow} for the local pool.")
    if FLOW_PERMISSION[flow] not in client.explicit_auth_flows:
        raise invalid_parameter(f"{flow} flow not enabled for this client")
    auth = params.get("AuthParameters") or {}
    metadata = params.get("ClientMetadata")
    if flow == "USER_PASSWORD_AUTH":
        return password_auth.sign_in(pool, conn, client, auth, prepared, metadata)
    if flow == "USER_SRP_AUTH":
        return srp_auth.start(pool, conn, client, auth, prepared, metadata)
    if flow == "USER_AUTH":
        return user_auth.start(pool, conn, client, auth, prepared, metadata)
    if flow == "CUSTOM_AUTH":
        return custom_auth.start(pool, conn, client, auth, metadata)
    return _refresh(pool, conn, client, auth)


def _refresh(pool, conn, client: AppClient, auth: dict[str, str]) -> dict[str, Any]:
    """REFRESH_TOKEN_AUTH: new ID and access tokens from a live refresh token."""
    user, record = pool.refresh_owner(conn, auth.get("REFRESH_TOKEN", ""), client)
    pool.check_secret_hash(
        client, [user["username"], user["sub"], user["email"] or ""], auth.get("SECRET_HASH")
    )
    result = pool.reissue(conn, user, client, record)
    return {"ChallengeParameters": {}, "AuthenticationResult": result}


@operation("GetTokensFromRefreshToken", "UserAuthentication")
def get_tokens_from_refresh_token(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """New ID and access tokens from a live refresh token of this client (Amplify v6 refreshes
    only this way). Without refresh-token rotation no new refresh token is issued."""
    client = pool.client(params.get("ClientId"))
    if "ALLOW_REFRESH_TOKEN_AUTH" not in client.explicit_auth_flows:
        raise invalid_parameter("Refresh token flow not enabled for this client")
    if client.secret:
        given = params.get("ClientSecret")
        if not given:
            raise not_authorized(
                f"Client {client.id} is configured with secret but ClientSecret was not received"
            )
        if not same_secret(client.secret, given):
            raise not_authorized(f"Unable to verify secret for client {client.id}")
    user, record = pool.refresh_owner(conn, params.get("RefreshToken", ""), client)
    result = pool.reissue(conn, user, client, record, params.get("ClientMetadata"))
    return {"AuthenticationResult": result}


# ---- responding to challenges --------------------------------------------------------------


def prepare_respond(pool, params: dict[str, Any]) -> dict[str, Any]:
    """Before the transaction: the SRP password claim's proof (PASSWORD_VERIFIER), the new
    password's secret (NEW_PASSWORD_REQUIRED), or what a password chosen in SELECT_CHALLENGE
    needs (its verdict, or the SRP challenge), for the pending challenge as read now."""
    name, responses = params.get("ChallengeName"), params.get("ChallengeResponses")
    if known_client(pool, params) is None or not isinstance(responses, dict):
        return {}
    if name == "PASSWORD_VERIFIER":
        try:
            timestamp = srp_auth.check_claim(responses)
        except PoolError:
            return {}
        session = responses["PASSWORD_CLAIM_SECRET_BLOCK"]
    elif name == "NEW_PASSWORD_REQUIRED" and acceptable(pool, responses.get("NEW_PASSWORD")):
        session = params.get("Session")
    elif name == "SELECT_CHALLENGE" and responses.get("ANSWER") in FIRST_FACTOR_FLOWS:
        session = params.get("Session")
    else:
        return {}
    with pool.db.reading() as conn:
        row = conn.execute(
            "SELECT * FROM auth_sessions WHERE id = ?",
            (session if isinstance(session, str) else "",),
        ).fetchone()
        user = pool.user_by_sub(conn, row["sub"]) if row and row["sub"] else None
    if row is None or row["challenge"] != name:
        return {}
    if name == "PASSWORD_VERIFIER":
        return {"proof": srp_auth.proof(pool, user, json.loads(row["data"]), responses, timestamp)}
    if name == "SELECT_CHALLENGE":
        return user_auth.prepare_selection(pool, user, row["username"], responses)
    if user is None:
        return {}
    return {"secret": make_secret(responses["NEW_PASSWORD"], user["username"], pool.id)}


@operation("RespondToAuthChallenge", "UserAuthentication", prepare=prepare_respond)
def respond_to_auth_challenge(pool, conn, params: dict[str, Any], prepared: dict) -> dict:
    """Answer a pending challenge; the session is single use except for a mistyped TOTP or
    email code."""
    client = pool.client(params.get("ClientId"))
    name = params.get("ChallengeName")
    responses = params.get("ChallengeResponses") or {}
    session, timestamp = params.get("Session") or "", ""
    if name == "PASSWORD_VERIFIER":
        # SRP's state travels in the secret block, as with Cognito: no Session is sent.
        timestamp = srp_auth.check_claim(responses)
        session = responses["PASSWORD_CLAIM_SECRET_BLOCK"]
    row = conn.execute("SELECT * FROM auth_sessions WHERE id = ?", (session,)).fetchone()
    if row is None or row["expires"] <= pool.clock() or row["client_id"] != client.id:
        raise not_authorized("Invalid session for the user, session is expired.")
    if name != row["challenge"]:
        raise invalid_parameter(f"Expected challenge {row['challenge']}, got {name}.")
    user = pool.user_by_sub(conn, row["sub"]) if row["sub"] else None
    names = [row["username"]] + (
        [user["username"], user["sub"], user["email"] or ""] if user else []
    )
    pool.check_secret_hash(client, names, responses.get("SECRET_HASH"))
    data = json.loads(row["data"])
    metadata = params.get("ClientMetadata")
    if name == "SOFTWARE_TOKEN_MFA":
        return _answer_mfa(pool, conn, client, user, row, data, responses, metadata)
    if name == "EMAIL_OTP":
        return email_otp.answer(pool, conn, client, user, row, data, responses, metadata)
    if name == "NEW_PASSWORD_REQUIRED":
        # A password the policy refuses leaves the session usable for another try.
        check_policy(pool.settings.password_policy, responses.get("NEW_PASSWORD", ""))
    conn.execute("DELETE FROM auth_sessions WHERE id = ?", (row["id"],))
    if name == "PASSWORD_VERIFIER":
        return srp_auth.answer(
            pool, conn, client, user, data, responses, timestamp, prepared, metadata
        )
    if name == "NEW_PASSWORD_REQUIRED":
        return _answer_new_password(pool, conn, client, user, responses, prepared, metadata)
    if name == "SELECT_CHALLENGE":
        return user_auth.select(pool, conn, client, user, data, responses, prepared, metadata)
    if name == "WEB_AUTHN":
        return user_auth.answer_passkey(pool, conn, client, user, data, responses, metadata)
    return custom_auth.answer(pool, conn, client, user, data, responses, metadata)


def _answer_new_password(pool, conn, client, user, responses, prepared, metadata) -> dict[str, Any]:
    """Set the permanent password of a user created with a temporary one."""
    password = responses.get("NEW_PASSWORD", "")
    check_policy(pool.settings.password_policy, password)
    given = {
        key.split(".", 1)[1]: value
        for key, value in responses.items()
        if key.startswith("userAttributes.")
    }
    pool.schema.check_update(given)
    check_writable(client, given)
    user["attributes"].update(given)
    user.update(secret_for(prepared.get("secret"), user["username"], password, pool.id).columns())
    user["status"] = "CONFIRMED"
    pool.save_user(conn, user)
    return tokens_or_mfa(pool, conn, client, user, "TokenGeneration_NewPasswordChallenge", metadata)


def _answer_mfa(pool, conn, client, user, row, data, responses, metadata) -> dict[str, Any]:
    """Check a TOTP code; a few mistakes are allowed before the session is spent."""
    code = responses.get("SOFTWARE_TOKEN_MFA_CODE", "")
    if not pyotp.TOTP(user["mfa_secret"]).verify(code, for_time=pool.clock(), valid_window=1):
        data["failures"] = data.get("failures", 0) + 1
        if data["failures"] >= MFA_TRIES:
            conn.execute("DELETE FROM auth_sessions WHERE id = ?", (row["id"],))
        else:
            conn.execute(
                "UPDATE auth_sessions SET data = ? WHERE id = ?", (json.dumps(data), row["id"])
            )
        raise PoolError("CodeMismatchException", "Invalid code received for user")
    conn.execute("DELETE FROM auth_sessions WHERE id = ?", (row["id"],))
    result = pool.issue_tokens(
        conn, user, client, data.get("source", "TokenGeneration_Authentication"), metadata=metadata
    )
    return {"ChallengeParameters": {}, "AuthenticationResult": result}
