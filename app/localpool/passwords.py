"""Passwords in the local pool: Cognito's policy check, Argon2id hashing, and SRP verifiers."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from ..web.native_threads import run_in_native_thread
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
    return run_in_native_thread(_HASHER.hash, password)


# Argon2 (tens of milliseconds, memory-hard) and SRP's exponentiations are kept out of the pool's
# write transactions, so that several processes on one database do not queue behind them:
# operations compute a Secret or a Verdict before the transaction (Operation.prepare) and use it
# inside only if the user's stored values are still the ones it was made from.


@dataclass(frozen=True)
class Secret:
    """What a user keeps for a password: its Argon2id hash (USER_PASSWORD_AUTH) and its SRP salt
    and verifier (USER_SRP_AUTH), made for one username, which is the user's SRP id."""

    username: str
    password_hash: str
    srp_salt: str
    srp_verifier: str

    def columns(self) -> dict[str, str]:
        """The users columns this secret sets."""
        return {
            "password_hash": self.password_hash,
            "srp_salt": self.srp_salt,
            "srp_verifier": self.srp_verifier,
        }


def make_secret(password: str, username: str, pool_id: str) -> Secret:
    """Hash a password and make its SRP verifier (slow: call it outside a write transaction)."""
    salt, verifier = srp.new_verifier(srp.pool_name(pool_id), username, password)
    return Secret(username, hash_password(password), salt, verifier)


def secret_for(prepared: Secret | None, username: str, password: str, pool_id: str) -> Secret:
    """The secret prepared for this username, or (when it was made for another: a user deleted
    and made again meanwhile, which is rare) one made now."""
    if prepared is not None and prepared.username == username:
        return prepared
    return make_secret(password, username, pool_id)


@dataclass(frozen=True)
class Verdict:
    """Whether a password matched, and the stored hash it was checked against."""

    sub: str | None
    password_hash: str | None
    ok: bool


def judge(user: dict[str, Any] | None, password: str) -> Verdict:
    """Check a password outside the write transaction (an unknown user costs the same)."""
    user = user or {}
    return Verdict(user.get("sub"), user.get("password_hash"), matches(user or None, password))


def trusted(verdict: Verdict | None, user: dict[str, Any] | None, password: str) -> bool:
    """Inside the transaction: the verdict, if it was reached against the hash the user still
    has; otherwise (the password changed meanwhile, which is rare) the password checked again."""
    if verdict is not None and verdict.sub == (user or {}).get("sub"):
        if user is None or verdict.password_hash == user["password_hash"]:
            return verdict.ok and user is not None
    return matches(user, password)


def matches(user: dict[str, Any] | None, password: str) -> bool:
    """Verify a password; an unknown user or one without a password costs the same time."""
    stored = (user or {}).get("password_hash") or _DUMMY_HASH
    try:
        verified = run_in_native_thread(
            _HASHER.verify, stored, password if isinstance(password, str) else ""
        )
    except (VerifyMismatchError, InvalidHashError):
        return False
    return verified and user is not None and bool(user.get("password_hash"))
