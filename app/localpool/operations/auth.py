"""InitiateAuth, RespondToAuthChallenge and GetTokensFromRefreshToken: password, SRP, refresh,
and custom auth with challenges."""

from __future__ import annotations

import hmac
import json
import secrets
from typing import Any

import pyotp

from .. import srp
from ..errors import PoolError, invalid_parameter, not_authorized
from ..passwords import check_policy, credentials, matches
from ..seed import AppClient
from . import operation

FLOW_PERMISSION = {
    "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
    "USER_SRP_AUTH": "ALLOW_USER_SRP_AUTH",
    "REFRESH_TOKEN_AUTH": "ALLOW_REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN": "ALLOW_REFRESH_TOKEN_AUTH",
    "CUSTOM_AUTH": "ALLOW_CUSTOM_AUTH",
}
MFA_TRIES = 3


@operation("InitiateAuth", "UserAuthentication")
def initiate_auth(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Start a sign-in with one of the flows the app client allows."""
    client = pool.client(params.get("ClientId"))
    flow = params.get("AuthFlow", "")
    if flow not in FLOW_PERMISSION:
        raise invalid_parameter(f"Unsupported auth flow {flow} for the local pool.")
    if FLOW_PERMISSION[flow] not in client.explicit_auth_flows:
        raise invalid_parameter(f"{flow} flow not enabled for this client")
    auth = params.get("AuthParameters") or {}
    if flow == "USER_PASSWORD_AUTH":
        return _password(pool, conn, client, auth)
    if flow == "USER_SRP_AUTH":
        return _srp_start(pool, conn, client, auth)
    if flow == "CUSTOM_AUTH":
        return _custom_start(pool, conn, client, auth, params.get("ClientMetadata"))
    return _refresh(pool, conn, client, auth)


def _password(pool, conn, client: AppClient, auth: dict[str, str]) -> dict[str, Any]:
    """USER_PASSWORD_AUTH: an unknown user and a wrong password get the same answer."""
    username = auth.get("USERNAME", "")
    if not username:
        raise invalid_parameter("Missing required parameter USERNAME")
    pool.check_secret_hash(client, [username], auth.get("SECRET_HASH"))
    user = pool.find_user(conn, username)
    if user is not None and not user["native"]:
        user = None  # federated users have no password
    if user is not None:
        pool.check_not_locked(user)
    if not matches(user, auth.get("PASSWORD", "")):
        if user is not None:
            pool.record_password_failure(conn, user)
        raise not_authorized()
    user["failed_logins"] = 0
    if not user["srp_verifier"]:
        # A password set before the pool kept SRP verifiers gets one now that it is known.
        user.update(credentials(auth["PASSWORD"], user["username"], pool.id))
    pool.save_user(conn, user)
    return _after_password(pool, conn, client, user)


def _after_password(pool, conn, client: AppClient, user: dict[str, Any]) -> dict[str, Any]:
    """What follows a right password (USER_PASSWORD_AUTH or SRP): a refusal, the new-password
    challenge for a temporary password, the MFA challenge, or tokens."""
    _check_can_sign_in(user)
    if user["status"] == "FORCE_CHANGE_PASSWORD":
        days = pool.settings.password_policy.temporary_password_validity_days
        if user["created"] + days * 86400 < pool.clock():
            raise not_authorized(
                "Temporary password has expired and must be reset by an administrator."
            )
        visible = {
            k: v for k, v in user["attributes"].items() if k not in ("sub", "email_verified")
        }
        return _challenge(
            pool,
            conn,
            client,
            user,
            "NEW_PASSWORD_REQUIRED",
            {},
            {
                "USER_ID_FOR_SRP": user["username"],
                "requiredAttributes": "[]",
                "userAttributes": json.dumps(visible),
            },
        )
    return _tokens_or_mfa(pool, conn, client, user, "TokenGeneration_Authentication")


def _check_can_sign_in(user: dict[str, Any]) -> None:
    """Refuse users who are disabled, unconfirmed or must reset their password."""
    if not user["enabled"]:
        raise not_authorized("User is disabled.")
    if user["status"] == "UNCONFIRMED":
        raise PoolError("UserNotConfirmedException", "User is not confirmed.")
    if user["status"] == "RESET_REQUIRED":
        raise PoolError("PasswordResetRequiredException", "Password reset required for the user")


def _tokens_or_mfa(pool, conn, client, user, source: str) -> dict[str, Any]:
    """Finish sign-in, or ask for the TOTP code when the user prefers software-token MFA."""
    if user["mfa_preferred"] and user["mfa_secret"]:
        return _challenge(
            pool,
            conn,
            client,
            user,
            "SOFTWARE_TOKEN_MFA",
            {"source": source},
            {"USER_ID_FOR_SRP": user["username"]},
        )
    return {
        "ChallengeParameters": {},
        "AuthenticationResult": pool.issue_tokens(conn, user, client, source),
    }


def _challenge(pool, conn, client, user, name: str, data: dict, public: dict) -> dict[str, Any]:
    """Record a pending challenge under a fresh session and return it to the caller."""
    session = secrets.token_urlsafe(96)
    _keep_session(pool, conn, session, client, user, name, data)
    return {"ChallengeName": name, "Session": session, "ChallengeParameters": public}


def _keep_session(pool, conn, session: str, client, user, name: str, data: dict) -> None:
    """Store a pending challenge until the pool's auth-session lifetime ends."""
    conn.execute(
        "INSERT INTO auth_sessions VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            session,
            user["sub"] if user else None,
            client.id,
            data.get("username") or (user["username"] if user else ""),
            name,
            json.dumps(data),
            pool.clock() + pool.settings.auth_session_seconds,
        ),
    )


def _refresh(pool, conn, client: AppClient, auth: dict[str, str]) -> dict[str, Any]:
    """REFRESH_TOKEN_AUTH: new ID and access tokens from a live refresh token."""
    user, record = pool.refresh_owner(conn, auth.get("REFRESH_TOKEN", ""), client)
    pool.check_secret_hash(
        client, [user["username"], user["sub"], user["email"] or ""], auth.get("SECRET_HASH")
    )
    result = pool.reissue(conn, user, client, record)
    return {"ChallengeParameters": {}, "AuthenticationResult": result}


# ---- SRP ------------------------------------------------------------------------------------

SRP_A_MAX_HEX = 2048  # A is below N (768 hex digits); longer input is refused unparsed


def _srp_start(pool, conn, client: AppClient, auth: dict[str, str]) -> dict[str, Any]:
    """USER_SRP_AUTH: answer SRP_A with the PASSWORD_VERIFIER challenge. A user who is unknown,
    federated or without a verifier gets a decoy salt and verifier derived from the name asked
    for, so the answer looks like a known user's and is the same on every call."""
    username = auth.get("USERNAME", "")
    for key in ("USERNAME", "SRP_A"):
        if not auth.get(key):
            raise invalid_parameter(f"Missing required parameter {key}")
    try:
        if len(auth["SRP_A"]) > SRP_A_MAX_HEX:
            raise ValueError(auth["SRP_A"])
        big_a = int(auth["SRP_A"], 16)
    except (TypeError, ValueError) as exc:
        raise invalid_parameter("SRP_A is not a valid hexadecimal number.") from exc
    if big_a % srp.N == 0:
        raise invalid_parameter("SRP_A is not a valid SRP value.")
    pool.check_secret_hash(client, [username], auth.get("SECRET_HASH"))
    user = pool.find_user(conn, username)
    if user is not None and user["native"] and user["srp_verifier"]:
        salt, verifier, user_id = user["srp_salt"], int(user["srp_verifier"], 16), user["username"]
    else:
        user = None
        salt, verifier, user_id = srp.decoy(pool.signer.derive("srp-decoy"), username)
    public, state = srp.challenge(big_a, salt, verifier, user_id)
    state["username"] = user_id
    if user is None:
        state["decoy_verifier"] = f"{verifier:x}"
    _keep_session(pool, conn, state["block"], client, user, "PASSWORD_VERIFIER", state)
    return {"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": public}


PASSWORD_CLAIM = (
    "PASSWORD_CLAIM_SIGNATURE",
    "PASSWORD_CLAIM_SECRET_BLOCK",
    "TIMESTAMP",
    "USERNAME",
)


def _check_password_claim(responses: dict[str, Any]) -> str:
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


def _answer_password_verifier(pool, conn, client, user, state, responses, timestamp):
    """Check the SRP password claim: a wrong one counts toward the lockout like a wrong password,
    and a decoy session fails the same way."""
    named = pool.find_user(conn, responses["USERNAME"])
    if user is not None and (named is None or named["sub"] != user["sub"]):
        raise not_authorized()
    if user is not None:
        pool.check_not_locked(user)
    stored = user["srp_verifier"] if user else state.get("decoy_verifier")
    proved = bool(stored) and srp.proves_password(
        state,
        int(stored, 16),
        srp.pool_name(pool.id),
        state["username"],
        timestamp,
        responses["PASSWORD_CLAIM_SIGNATURE"],
    )
    if user is None or not proved:
        if user is not None:
            pool.record_password_failure(conn, user)
        raise not_authorized()
    user["failed_logins"] = 0
    pool.save_user(conn, user)
    return _after_password(pool, conn, client, user)


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
        if not hmac.compare_digest(client.secret.encode(), given.encode()):
            raise not_authorized(f"Unable to verify secret for client {client.id}")
    user, record = pool.refresh_owner(conn, params.get("RefreshToken", ""), client)
    return {"AuthenticationResult": pool.reissue(conn, user, client, record)}


# ---- custom auth ----------------------------------------------------------------------------


def _custom_start(pool, conn, client, auth: dict[str, str], metadata) -> dict[str, Any]:
    """CUSTOM_AUTH: ask DefineAuthChallenge what to do with an empty session."""
    if not pool.triggers.configured("DefineAuthChallenge"):
        raise invalid_parameter("Custom auth lambda trigger is not configured for the user pool.")
    username = auth.get("USERNAME", "")
    if not username:
        raise invalid_parameter("Missing required parameter USERNAME")
    pool.check_secret_hash(client, [username], auth.get("SECRET_HASH"))
    user = pool.find_user(conn, username)
    if user is not None and user["native"]:
        if not user["enabled"]:
            raise not_authorized("User is disabled.")
        if user["status"] == "UNCONFIRMED":
            raise PoolError("UserNotConfirmedException", "User is not confirmed.")
    elif user is not None:
        user = None
    state = {"username": username, "session": [], "metadata": metadata or {}}
    return _custom_step(pool, conn, client, user, state)


def _trigger_request(pool, user, state: dict[str, Any], **extra) -> dict[str, Any]:
    """The request part shared by the three custom-auth triggers."""
    request = {"userAttributes": pool.trigger_attributes(user) if user else {}, **extra}
    if state["metadata"]:
        request["clientMetadata"] = dict(state["metadata"])
    request["userNotFound"] = user is None
    return request


def _custom_step(pool, conn, client, user, state: dict[str, Any]) -> dict[str, Any]:
    """One round of Cognito's custom-auth loop: define, then issue tokens, fail, or create."""
    if len(state["session"]) >= pool.settings.custom_auth_max_rounds:
        raise not_authorized("Incorrect username or password.")
    user_name = user["username"] if user else state["username"]
    triggers = pool.triggers
    define = triggers.invoke(
        "DefineAuthChallenge",
        triggers.event(
            "DefineAuthChallenge_Authentication",
            user_name,
            client.id,
            _trigger_request(pool, user, state, session=state["session"]),
            {"challengeName": None, "issueTokens": False, "failAuthentication": False},
        ),
    )
    if define.get("failAuthentication"):
        raise not_authorized("Incorrect username or password.")
    if define.get("issueTokens"):
        if user is None:
            raise not_authorized("Incorrect username or password.")
        return _tokens_or_mfa(pool, conn, client, user, "TokenGeneration_Authentication")
    name = define.get("challengeName")
    if name != "CUSTOM_CHALLENGE":
        raise PoolError(
            "InvalidLambdaResponseException", "Invalid challengeName from DefineAuthChallenge"
        )
    created = triggers.invoke(
        "CreateAuthChallenge",
        triggers.event(
            "CreateAuthChallenge_Authentication",
            user_name,
            client.id,
            _trigger_request(pool, user, state, challengeName=name, session=state["session"]),
            {
                "publicChallengeParameters": {},
                "privateChallengeParameters": {},
                "challengeMetadata": None,
            },
        ),
    )
    data = dict(state)
    data["private"] = created.get("privateChallengeParameters") or {}
    data["challengeMetadata"] = created.get("challengeMetadata")
    public = {str(k): str(v) for k, v in (created.get("publicChallengeParameters") or {}).items()}
    public["USERNAME"] = user_name
    return _challenge(pool, conn, client, user, name, data, public)


# ---- responding to challenges --------------------------------------------------------------


@operation("RespondToAuthChallenge", "UserAuthentication")
def respond_to_auth_challenge(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Answer a pending challenge; the session is single use except for a mistyped TOTP code."""
    client = pool.client(params.get("ClientId"))
    name = params.get("ChallengeName")
    responses = params.get("ChallengeResponses") or {}
    session, timestamp = params.get("Session") or "", ""
    if name == "PASSWORD_VERIFIER":
        # SRP's state travels in the secret block, as with Cognito: no Session is sent.
        timestamp = _check_password_claim(responses)
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
    if name == "SOFTWARE_TOKEN_MFA":
        return _answer_mfa(pool, conn, client, user, row, data, responses)
    if name == "NEW_PASSWORD_REQUIRED":
        # A password the policy refuses leaves the session usable for another try.
        check_policy(pool.settings.password_policy, responses.get("NEW_PASSWORD", ""))
    conn.execute("DELETE FROM auth_sessions WHERE id = ?", (row["id"],))
    if name == "PASSWORD_VERIFIER":
        return _answer_password_verifier(pool, conn, client, user, data, responses, timestamp)
    if name == "NEW_PASSWORD_REQUIRED":
        return _answer_new_password(pool, conn, client, user, responses)
    return _answer_custom(pool, conn, client, user, data, responses, params.get("ClientMetadata"))


def _answer_custom(pool, conn, client, user, state, responses, metadata) -> dict[str, Any]:
    """Ask VerifyAuthChallengeResponse, add the result to the session, and loop to define."""
    if metadata:
        state["metadata"] = metadata
    verdict = pool.triggers.invoke(
        "VerifyAuthChallengeResponse",
        pool.triggers.event(
            "VerifyAuthChallengeResponse_Authentication",
            user["username"] if user else state["username"],
            client.id,
            _trigger_request(
                pool,
                user,
                state,
                privateChallengeParameters=state.get("private", {}),
                challengeAnswer=responses.get("ANSWER", ""),
            ),
            {"answerCorrect": False},
        ),
    )
    state["session"].append(
        {
            "challengeName": "CUSTOM_CHALLENGE",
            "challengeResult": bool(verdict.get("answerCorrect")),
            "challengeMetadata": state.get("challengeMetadata"),
        }
    )
    return _custom_step(pool, conn, client, user, state)


def _answer_new_password(pool, conn, client, user, responses) -> dict[str, Any]:
    """Set the permanent password of a user created with a temporary one."""
    password = responses.get("NEW_PASSWORD", "")
    check_policy(pool.settings.password_policy, password)
    for key, value in responses.items():
        if key.startswith("userAttributes."):
            user["attributes"][key.split(".", 1)[1]] = value
    user.update(credentials(password, user["username"], pool.id))
    user["status"] = "CONFIRMED"
    pool.save_user(conn, user)
    return _tokens_or_mfa(pool, conn, client, user, "TokenGeneration_NewPasswordChallenge")


def _answer_mfa(pool, conn, client, user, row, data, responses) -> dict[str, Any]:
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
        conn, user, client, data.get("source", "TokenGeneration_Authentication")
    )
    return {"ChallengeParameters": {}, "AuthenticationResult": result}
