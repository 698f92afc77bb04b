"""EMAIL_OTP, a first factor of USER_AUTH: a code by email (through the CustomMessage trigger,
``CustomMessage_Authentication``), answered with EMAIL_OTP_CODE.

An address nobody signs in with gets the same challenge, made with the same work (a code within
the hourly limit, the message composed), except that nothing is sent and no answer is right.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from ..codes import MISMATCH
from ..errors import PoolError
from ..messages import mask
from .challenges import challenge, check_can_sign_in

PURPOSE = "sign_in"
SOURCE = "CustomMessage_Authentication"
TRIES = 3  # wrong codes per challenge session, as for a TOTP code


def start(pool, conn, client, username: str, user, metadata) -> dict[str, Any]:
    """Send a sign-in code to the user's email and ask for it (a decoy for an unknown user)."""
    known = user is not None and user["enabled"] and bool(user["email"])
    address = user["email"] if known else username.strip().lower()
    holder = user["sub"] if known else _decoy_holder(pool, address)
    code = pool.codes.issue(conn, holder, PURPOSE, pool.settings.email_otp_seconds)
    message = pool.mail.compose(
        SOURCE,
        user_name=user["username"] if known else username,
        attributes=pool.trigger_attributes(user) if known else {"email": address},
        client_id=client.id,
        client_metadata=metadata,
    )
    if known:
        pool.mail.deliver(message, to=address, code=code)
    else:
        pool.mail.rehearse(message, to=address, code=code)
    data = {"username": username, "holder": holder, "failures": 0}
    public = {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": mask(address)}
    return challenge(pool, conn, client, user if known else None, "EMAIL_OTP", data, public)


def _decoy_holder(pool, address: str) -> str:
    """Whom the hourly code limit counts for an unknown address: a name no user has."""
    key = pool.signer.derive("email-otp-decoy")
    return "unknown:" + hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def answer(pool, conn, client, user, row, data, responses, metadata) -> dict[str, Any]:
    """Check the code: a few mistakes are allowed before the session is spent."""
    try:
        pool.codes.consume(conn, data["holder"], PURPOSE, responses.get("EMAIL_OTP_CODE", ""))
        if user is None:  # a decoy's code was never sent: no answer is right
            raise PoolError("CodeMismatchException", MISMATCH)
    except PoolError as err:
        data["failures"] += 1
        if err.code != "CodeMismatchException" or data["failures"] >= TRIES:
            conn.execute("DELETE FROM auth_sessions WHERE id = ?", (row["id"],))
        else:
            conn.execute(
                "UPDATE auth_sessions SET data = ? WHERE id = ?", (json.dumps(data), row["id"])
            )
        raise
    conn.execute("DELETE FROM auth_sessions WHERE id = ?", (row["id"],))
    check_can_sign_in(user)
    # No TOTP challenge after a passwordless first factor, as after a custom flow.
    result = pool.issue_tokens(
        conn, user, client, "TokenGeneration_Authentication", metadata=metadata
    )
    return {"ChallengeParameters": {}, "AuthenticationResult": result}
