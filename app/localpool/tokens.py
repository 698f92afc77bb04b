"""RS256 ID and access tokens with Cognito's claims, the JWKS, and access-token checks."""

from __future__ import annotations

import uuid
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc import jwt
from joserfc.errors import JoseError

from .db import Database
from .errors import not_authorized
from .signing_keys import KeyRing

ADMIN_SCOPE = "aws.cognito.signin.user.admin"
# Claims no PreTokenGeneration trigger may add, change or remove (Cognito ignores such changes;
# ``nonce`` among them: a trigger cannot echo an authorization request's nonce).
RESERVED_CLAIMS = frozenset(
    {
        "acr",
        "amr",
        "aud",
        "auth_time",
        "azp",
        "at_hash",
        "client_id",
        "cognito:username",
        "event_id",
        "exp",
        "iat",
        "identities",
        "iss",
        "jti",
        "nonce",
        "origin_jti",
        "scope",
        "sub",
        "token_use",
        "username",
        "version",
    }
)


class Signer:
    """Mints and checks the pool's tokens with its signing keys (``signing_keys.KeyRing``)."""

    def __init__(self, db: Database, issuer: str) -> None:
        self.issuer = issuer
        self.keys = KeyRing(db)

    @property
    def kid(self) -> str:
        """The key id of the key that signs now."""
        return self.keys.active().kid

    def derive(self, purpose: str) -> bytes:
        """A 32-byte secret for one purpose, derived from the pool's secret: the same in every
        process, after a restart and after a key rotation, and unknown to anyone without the
        pool's database."""
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
            self.keys.secret
        )

    def jwks(self) -> dict[str, Any]:
        """The public JSON Web Key Set served at ``<issuer>/.well-known/jwks.json``: the signing
        key and, during a rotation, the keys before it."""
        return self.keys.key_set().as_dict(private=False)

    def sign(self, claims: dict[str, Any]) -> str:
        """Sign claims as an RS256 JWT with the signing key's id in the header."""
        key = self.keys.active()
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key, algorithms=["RS256"])

    def mint(
        self,
        *,
        user: dict[str, Any],
        client_id: str,
        auth_time: int,
        now: int,
        origin_jti: str,
        access_minutes: int,
        id_minutes: int,
        scopes: list[str],
        id_overrides: dict[str, Any] | None = None,
        id_suppress: list[str] | None = None,
        access_overrides: dict[str, Any] | None = None,
        access_suppress: list[str] | None = None,
        id_groups: dict[str, Any] | None = None,
        access_groups: dict[str, Any] | None = None,
    ) -> tuple[str, str]:
        """Mint (id_token, access_token) for a user of this pool and an app client, with their
        group claims (``cognito:groups`` and, in the ID token, the roles) and the claims to
        remove and to add or override in each."""
        event_id = str(uuid.uuid4())
        common = {
            "sub": user["sub"],
            "iss": self.issuer,
            "origin_jti": origin_jti,
            "event_id": event_id,
            "auth_time": auth_time,
            "iat": now,
        }
        access = dict(common)
        access.update(
            {
                "token_use": "access",
                "client_id": client_id,
                "scope": " ".join(scopes),
                "exp": now + access_minutes * 60,
                "jti": str(uuid.uuid4()),
                "username": user["username"],
                "version": 2,
            }
        )
        idt = dict(common)
        idt.update(
            {
                "aud": client_id,
                "token_use": "id",
                "exp": now + id_minutes * 60,
                "jti": str(uuid.uuid4()),
                "cognito:username": user["username"],
            }
        )
        attrs = user["attributes"]
        for name, value in attrs.items():
            if name == "sub":
                continue
            idt[name] = value == "true" if name.endswith("_verified") else value
        if user.get("identities"):
            idt["identities"] = user["identities"]
        idt.update(id_groups or {})
        access.update(access_groups or {})
        for token, suppress, overrides in (
            (idt, id_suppress, id_overrides),
            (access, access_suppress, access_overrides),
        ):
            for name in suppress or []:
                token.pop(name, None)
            token.update(overrides or {})
        return self.sign(idt), self.sign(access)

    def mint_client(
        self,
        *,
        client_id: str,
        scopes: list[str],
        now: int,
        minutes: int,
        overrides: dict[str, Any] | None = None,
        suppress: list[str] | None = None,
    ) -> str:
        """An access token for an app client itself (client_credentials), with Cognito's M2M
        claims: no user, so ``sub`` is the client id and there is no username or origin; then
        PreTokenGeneration's claims to suppress and to add or override."""
        claims = {
            "sub": client_id,
            "token_use": "access",
            "scope": " ".join(scopes),
            "auth_time": now,
            "iss": self.issuer,
            "exp": now + minutes * 60,
            "iat": now,
            "version": 2,
            "jti": str(uuid.uuid4()),
            "client_id": client_id,
        }
        for name in suppress or []:
            claims.pop(name, None)
        claims.update(overrides or {})
        return self.sign(claims)

    def verify_access(self, token: str, now: float) -> dict[str, Any]:
        """Check an access token's signature, issuer, use and expiry; return its claims."""
        try:
            decoded = jwt.decode(token, self.keys.key_set(), algorithms=["RS256"])
        except (JoseError, ValueError) as exc:
            raise not_authorized("Invalid Access Token") from exc
        claims = decoded.claims
        if claims.get("iss") != self.issuer or claims.get("token_use") != "access":
            raise not_authorized("Invalid Access Token")
        if claims.get("exp", 0) <= now:
            raise not_authorized("Access Token has expired")
        return claims
