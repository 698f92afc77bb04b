"""Passwords in the local pool: Cognito's policy check, Argon2id hashing, and SRP verifiers."""

from __future__ import annotations

import re
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from . import srp
from .errors import PoolError
from .seed import PasswordPolicy

# OWASP's minimum Argon2id profile: memory-hard, and fast enough for a test suite.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Verified on the unknown-user path so a miss costs what a hit costs.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


def check_policy(policy: PasswordPolicy, password: str) -> None:
    """Raise InvalidPasswordException naming the first rule the password breaks."""
    rules = [
        (len(password) >= policy.minimum_length, "Password not long enough"),
        (not policy.require_uppercase or re.search(r"[A-Z]", password), "uppercase"),
        (not policy.require_lowercase or re.search(r"[a-z]", password), "lowercase"),
        (not policy.require_numbers or re.search(r"[0-9]", password), "numeric"),
        (not policy.require_symbols or re.search(r"[^A-Za-z0-9]", password), "symbol"),
    ]
    for ok, rule in rules:
        if not ok:
            message = rule if " " in rule else f"Password must have {rule} characters"
            raise PoolError(
                "InvalidPasswordException", f"Password did not conform with policy: {message}"
            )


def hash_password(password: str) -> str:
    """Hash a password with Argon2id."""
    return _HASHER.hash(password)


def credentials(password: str, username: str, pool_id: str) -> dict[str, str]:
    """What a user keeps for a password: its Argon2id hash (USER_PASSWORD_AUTH) and its SRP salt
    and verifier (USER_SRP_AUTH), for the user's SRP id, which is their username."""
    salt, verifier = srp.new_verifier(srp.pool_name(pool_id), username, password)
    return {"password_hash": hash_password(password), "srp_salt": salt, "srp_verifier": verifier}


def matches(user: dict[str, Any] | None, password: str) -> bool:
    """Verify a password; an unknown user or one without a password costs the same time."""
    stored = (user or {}).get("password_hash") or _DUMMY_HASH
    try:
        verified = _HASHER.verify(stored, password or "")
    except (VerifyMismatchError, InvalidHashError):
        return False
    return verified and user is not None and bool(user.get("password_hash"))
