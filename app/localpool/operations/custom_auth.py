"""CUSTOM_AUTH: Cognito's loop of DefineAuthChallenge, CreateAuthChallenge and
VerifyAuthChallengeResponse."""

from __future__ import annotations

from typing import Any

from ..errors import PoolError, invalid_parameter, not_authorized
from ..sign_in_triggers import pre_authentication
from .challenges import challenge, named_user


def start(pool, conn, client, auth: dict[str, str], metadata) -> dict[str, Any]:
    """CUSTOM_AUTH: ask DefineAuthChallenge what to do with an empty session."""
    if not pool.triggers.configured("DefineAuthChallenge"):
        raise invalid_parameter("Custom auth lambda trigger is not configured for the user pool.")
    username, user = named_user(pool, conn, client, auth)
    pre_authentication(pool, client, username, user, metadata)
    if user is not None:
        if not user["enabled"]:
            raise not_authorized("User is disabled.")
        if user["status"] == "UNCONFIRMED":
            raise PoolError("UserNotConfirmedException", "User is not confirmed.")
    state = {"username": username, "session": [], "metadata": metadata or {}}
    return _custom_step(pool, conn, client, user, state)


def _trigger_request(pool, user, state: dict[str, Any], **extra) -> dict[str, Any]:
    """The request part shared by the three custom-auth triggers."""
    request = {"userAttributes": pool.trigger_attributes(user) if user else {}, **extra}
    if state["metadata"]:
        request["clientMetadata"] = dict(state["metadata"])
    request["userNotFound"] = user is None
    return request


def _custom_step(
    pool, conn, client, user, state: dict[str, Any], token_metadata=None
) -> dict[str, Any]:
    """One round of Cognito's custom-auth loop: define, then issue tokens, fail, or create
    (``token_metadata``: RespondToAuthChallenge's ClientMetadata, for PreTokenGeneration)."""
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
        # No MFA challenge after a passwordless custom flow, as on Cognito, whose MFA follows
        # only the password verifier: the custom challenges are the whole sign-in.
        result = pool.issue_tokens(
            conn, user, client, "TokenGeneration_Authentication", metadata=token_metadata
        )
        return {"ChallengeParameters": {}, "AuthenticationResult": result}
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
    return challenge(pool, conn, client, user, name, data, public)


def answer(pool, conn, client, user, state, responses, metadata) -> dict[str, Any]:
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
    return _custom_step(pool, conn, client, user, state, metadata)
