"""Sign in with Apple: the settings account deletion needs, and Apple's client-secret JWT.

Apple requires apps to revoke a person's Apple authorization when they delete their account
(``POST https://appleid.apple.com/auth/revoke`` with a refresh or access token). Cognito keeps
the Apple identity's subject (the user's ``identities``) but never exposes Apple's tokens: not to
triggers, not through attribute mapping. So Gatehouse keeps the subject and, when an Apple-linked
account is deleted, obtains a fresh Apple token by asking the person to confirm with Apple
directly (with these settings), checks the subject matches, and revokes that token.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey
from joserfc.jws import extract_compact

AUDIENCE = "https://appleid.apple.com"
SECRET_SECONDS = 300  # Apple allows up to six months; a short life limits a leak


@dataclass(frozen=True)
class AppleSettings:
    """Team id, key id, the key's private PEM, and the services id (Apple's client id)."""

    team_id: str
    key_id: str
    private_key: str
    services_id: str

    def key(self) -> ECKey:
        """The ES256 signing key."""
        return ECKey.import_key(self.private_key)


def client_secret(settings: AppleSettings, now: float | None = None) -> str:
    """Apple's client secret: an ES256 JWT from the team, for the services id."""
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": settings.team_id,
        "iat": issued,
        "exp": issued + SECRET_SECONDS,
        "aud": AUDIENCE,
        "sub": settings.services_id,
    }
    return jwt.encode(
        {"alg": "ES256", "kid": settings.key_id}, claims, settings.key(), algorithms=["ES256"]
    )


def apple_subject(identities: list[dict[str, Any]] | None) -> str | None:
    """The Apple subject among a user's linked identities, if any."""
    for identity in identities or []:
        if identity.get("providerName") == "SignInWithApple":
            return identity.get("userId")
    return None


class AppleError(Exception):
    """Apple refused or could not be reached; nothing may be deleted."""


def apple_base(settings: Any) -> str:
    """Apple's endpoints: the real ones, or the local pool's simulated Apple in local mode."""
    if settings.is_local:
        return f"{settings.base_url.rstrip('/')}/_localpool/apple"
    return AUDIENCE


def _post(apple: AppleSettings, http: Any, url: str, **fields: str) -> Any:
    """POST to Apple as our client (services id and client secret); anything but 200 fails."""
    response = http.post(
        url,
        timeout=10,
        data={"client_id": apple.services_id, "client_secret": client_secret(apple), **fields},
    )
    if response.status_code != 200:
        raise AppleError(f"{url} answered {response.status_code}")
    return response


def exchange_code(
    apple: AppleSettings, base: str, http: Any, code: str, redirect_uri: str
) -> tuple[str, str]:
    """Apple's token endpoint: a fresh refresh token and the Apple subject it belongs to."""
    body = _post(
        apple,
        http,
        f"{base}/auth/token",
        code=code,
        grant_type="authorization_code",
        redirect_uri=redirect_uri,
    ).json()
    # Straight from Apple over TLS, with our client authentication: the subject can be read.
    subject = json.loads(extract_compact(body["id_token"].encode()).payload)["sub"]
    return body["refresh_token"], subject


def revoke(apple: AppleSettings, base: str, http: Any, refresh_token: str) -> None:
    """Apple's ``/auth/revoke``; anything but 200 is a failure."""
    _post(apple, http, f"{base}/auth/revoke", token=refresh_token, token_type_hint="refresh_token")
