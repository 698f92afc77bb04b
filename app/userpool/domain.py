"""The user pool's OAuth2 domain, for social sign-in: authorization URL, code exchange (Authlib),
and ID token validation (iss, aud, nonce, exp) against the issuer's JWKS."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from .errors import Throttled, Unavailable

METADATA_SECONDS = 3600
# Seconds of difference allowed between the pool's clock and ours (an ID token's iat is a whole
# second of the pool's: without leeway, a clock a moment behind would call it "in the future").
CLOCK_LEEWAY_SECONDS = 30


class DomainError(Exception):
    """The provider or the pool's domain refused or failed; the person sees one clear page."""


class PoolDomain:
    """Talks to ``https://<domain>/oauth2/*`` and the issuer's discovery document."""

    def __init__(
        self,
        issuer: str,
        adapters: dict[str, Any] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer
        self.adapters = adapters or {}
        self.clock = clock  # the app's clock: tokens are judged by the time everything else uses
        self._metadata: tuple[float, dict[str, Any]] | None = None
        self._keys: tuple[float, KeySet] | None = None

    def _session(self, session: requests.Session) -> requests.Session:
        """Mount in-process adapters (local mode) on a session."""
        for prefix, adapter in self.adapters.items():
            session.mount(prefix, adapter)
        return session

    def _get(self, url: str) -> dict[str, Any]:
        """GET JSON; a network failure is Unavailable."""
        try:
            response = self._session(requests.Session()).get(url, timeout=5)
            response.raise_for_status()
        except requests.RequestException as exc:
            raise Unavailable(type(exc).__name__, "oauth2-domain") from exc
        return response.json()

    def metadata(self) -> dict[str, Any]:
        """The issuer's discovery document (cached)."""
        if self._metadata is None or time.monotonic() - self._metadata[0] > METADATA_SECONDS:
            self._metadata = (
                time.monotonic(),
                self._get(f"{self.issuer}/.well-known/openid-configuration"),
            )
        return self._metadata[1]

    def _jwks(self) -> KeySet:
        """The issuer's signing keys (cached)."""
        if self._keys is None or time.monotonic() - self._keys[0] > METADATA_SECONDS:
            self._keys = (
                time.monotonic(),
                KeySet.import_key_set(self._get(self.metadata()["jwks_uri"])),
            )
        return self._keys[1]

    def authorization_url(
        self,
        *,
        client_id: str,
        redirect_uri: str,
        provider: str,
        state: str,
        verifier: str,
        nonce: str,
        scope: str,
        prompt: str | None = None,
    ) -> str:
        """Where to send the browser: the pool's authorize endpoint with PKCE and a nonce
        (and ``prompt=login`` to ask for a fresh sign-in rather than a remembered one)."""
        oauth = OAuth2Session(
            client_id, redirect_uri=redirect_uri, scope=scope, code_challenge_method="S256"
        )
        extra = {"prompt": prompt} if prompt else {}
        url, _ = oauth.create_authorization_url(
            self.metadata()["authorization_endpoint"],
            state=state,
            code_verifier=verifier,
            nonce=nonce,
            identity_provider=provider,
            **extra,
        )
        return url

    def exchange(
        self, *, client_id: str, client_secret: str, redirect_uri: str, code: str, verifier: str
    ) -> dict[str, Any]:
        """Exchange the code for the pool's tokens, authenticating as the app client."""
        oauth = self._session(
            OAuth2Session(
                client_id,
                client_secret or None,
                redirect_uri=redirect_uri,
                token_endpoint_auth_method="client_secret_basic" if client_secret else "none",
            )
        )
        try:
            return dict(
                oauth.fetch_token(
                    self.metadata()["token_endpoint"],
                    code=code,
                    code_verifier=verifier,
                    grant_type="authorization_code",
                )
            )
        except OAuthError as exc:
            raise DomainError(exc.error) from exc
        except requests.RequestException as exc:
            raise Unavailable(type(exc).__name__, "oauth2-domain") from exc

    def userinfo(self, authorization: str) -> tuple[int, dict[str, Any]]:
        """The domain's userInfo for an access token (``openid`` scope is enough there, unlike
        GetUser's admin scope); returns its status and JSON body (Unavailable if unreachable)."""
        try:
            response = self._session(requests.Session()).get(
                self.metadata()["userinfo_endpoint"],
                headers={"Authorization": authorization},
                timeout=5,
            )
            body = response.json() if response.status_code == 200 else {}
        except (requests.RequestException, ValueError) as exc:
            raise Unavailable(type(exc).__name__, "oauth2-domain") from exc
        if response.status_code == 429:
            raise Throttled("TooManyRequests", "oauth2-domain")
        if response.status_code >= 500:
            raise Unavailable(str(response.status_code), "oauth2-domain")
        return response.status_code, body

    def token_request(
        self, form: dict[str, str], authorization: str | None
    ) -> tuple[int, dict[str, Any]]:
        """POST a token request to the domain as an app sent it; returns the domain's status and
        JSON body. An unreachable domain, or an answer that is not JSON, is Unavailable."""
        headers = {"Authorization": authorization} if authorization else {}
        try:
            response = self._session(requests.Session()).post(
                self.metadata()["token_endpoint"], data=form, headers=headers, timeout=5
            )
            body = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise Unavailable(type(exc).__name__, "oauth2-domain") from exc
        return response.status_code, body

    def verify_id_token(self, id_token: str, *, client_id: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims, once its signature, iss, aud, nonce, use and expiry check out."""
        try:
            claims = jwt.decode(id_token, self._jwks(), algorithms=["RS256"]).claims
            jwt.JWTClaimsRegistry(
                now=lambda: int(self.clock()),
                leeway=CLOCK_LEEWAY_SECONDS,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": client_id},
                nonce={"essential": True, "value": nonce},
                token_use={"essential": True, "value": "id"},
                exp={"essential": True},
            ).validate(claims)
        except (JoseError, ValueError) as exc:
            raise DomainError("invalid_id_token") from exc
        return claims

    def id_token_hint_claims(self, id_token: str) -> dict[str, Any]:
        """The claims of an ID token offered as a hint (RP-initiated logout): signed by the
        issuer's keys, its issuer and use checked; it may have expired (OIDC allows that)."""
        try:
            claims = jwt.decode(id_token, self._jwks(), algorithms=["RS256"]).claims
        except (JoseError, ValueError) as exc:
            raise DomainError("invalid_id_token") from exc
        if claims.get("iss") != self.issuer or claims.get("token_use") != "id":
            raise DomainError("invalid_id_token")
        return claims
