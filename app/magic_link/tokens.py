"""Magic-link tokens and session proofs: signed payloads (HMAC-SHA256 via itsdangerous) that
Gatehouse and the custom-auth triggers both check with the same key.

A link's payload names the user, the app client, when it was issued, when it expires, the link
record it belongs to, the pending OAuth2 request it continues (sealed by Gatehouse,
``oauth.pending.sealed``: whoever asks the pool for a link chooses what it carries), and the
tag of the browser that asked for it (``handoff.tag_of``: that browser finishes the sign-in).
It is signed, not encrypted: it travels only to the address it names. A session proof
(``ProofSigner``) is Gatehouse's short-lived, single-use word to the custom-auth triggers that a
person signed in to Gatehouse may have tokens for one app client (single sign-on).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "gatehouse.magic-link"
LIFETIME_SECONDS = 15 * 60


@dataclass
class LinkPayload:
    """What a link says once its signature checks out."""

    sub: str
    email: str
    client_id: str
    link_id: str
    issued_at: int
    expires_at: int
    pending: Any  # a sealed request (a string) as the link carries it; see pending.unsealed
    asker: str | None = None

    def expired(self, now: float) -> bool:
        """True once the link's lifetime is over."""
        return now >= self.expires_at


def _serializer(key: str, salt: str) -> URLSafeSerializer:
    """HMAC-SHA256 signing with the magic-link key, under a salt per kind of token."""
    if len(key) < 32:
        raise ValueError("the magic-link key must be at least 32 characters")
    return URLSafeSerializer(key, salt=salt, signer_kwargs={"digest_method": hashlib.sha256})


class LinkSigner:
    """Signs and checks link tokens with one configured key."""

    def __init__(self, key: str) -> None:
        self._serializer = _serializer(key, SALT)

    def sign(self, payload: LinkPayload) -> str:
        """The token that goes into the link."""
        return self._serializer.dumps(
            {
                "u": payload.sub,
                "e": payload.email,
                "c": payload.client_id,
                "l": payload.link_id,
                "i": payload.issued_at,
                "x": payload.expires_at,
                "p": payload.pending,
                "a": payload.asker,
            }
        )

    def read(self, token: str) -> LinkPayload | None:
        """The payload of an untampered token (expired or not), else None."""
        try:
            data = self._serializer.loads(token)
        except BadSignature:
            return None
        try:
            return LinkPayload(
                data["u"],
                data["e"],
                data["c"],
                data["l"],
                int(data["i"]),
                int(data["x"]),
                data.get("p"),
                data.get("a") if isinstance(data.get("a"), str) else None,
            )
        except (KeyError, TypeError, ValueError):
            return None


def new_payload(
    sub: str,
    email: str,
    client_id: str,
    link_id: str,
    pending: Any,
    now: float | None = None,
    lifetime: int = LIFETIME_SECONDS,
    asker: str | None = None,
) -> LinkPayload:
    """A payload issued now."""
    issued = int(now if now is not None else time.time())
    return LinkPayload(sub, email, client_id, link_id, issued, issued + lifetime, pending, asker)


def masked(email: str) -> str:
    """``a•••@example.com``: enough for a person to recognise their address."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


PROOF_SALT = "gatehouse.session-proof"
PROOF_SECONDS = 60


@dataclass
class SessionProof:
    """Gatehouse's word that a person signed in to it is getting tokens for one app client:
    the user, the app client, a unique id (spent once), the granted scopes, and its lifetime."""

    sub: str
    client_id: str
    proof_id: str
    scopes: list[str]
    issued_at: int
    expires_at: int

    def expired(self, now: float) -> bool:
        """True once the proof's lifetime is over (or it claims more than PROOF_SECONDS)."""
        return now >= self.expires_at or self.expires_at - self.issued_at > PROOF_SECONDS


class ProofSigner:
    """Signs and checks session proofs with the magic-link key, under a salt of their own, so
    that a link can never be read as a proof nor a proof as a link."""

    def __init__(self, key: str) -> None:
        self._serializer = _serializer(key, PROOF_SALT)

    def issue(self, sub: str, client_id: str, scopes: list[str], now: float) -> str:
        """A new proof, valid for PROOF_SECONDS from ``now``."""
        issued = int(now)
        return self._serializer.dumps(
            {
                "u": sub,
                "c": client_id,
                "j": secrets.token_urlsafe(16),
                "s": list(scopes),
                "i": issued,
                "x": issued + PROOF_SECONDS,
            }
        )

    def read(self, token: str) -> SessionProof | None:
        """The proof of an untampered token (expired or not), else None."""
        try:
            data = self._serializer.loads(token)
        except BadSignature:
            return None
        try:
            scopes = data["s"]
            if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
                return None
            return SessionProof(
                str(data["u"]),
                str(data["c"]),
                str(data["j"]),
                scopes,
                int(data["i"]),
                int(data["x"]),
            )
        except (KeyError, TypeError, ValueError):
            return None
