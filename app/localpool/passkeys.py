"""Passkeys (WebAuthn) of the local pool: its relying party, the options it hands out, and the
checks of what authenticators answer, done by py_webauthn (``webauthn``)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, parse_client_data_json
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import (
    InvalidAuthenticationResponse,
    InvalidJSONStructure,
    InvalidRegistrationResponse,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from .errors import PoolError, invalid_parameter, not_authorized

MAX_PASSKEYS = 20  # Cognito's limit per user
TIMEOUT_MS = 180_000  # how long a browser may take; the challenge lives as long
ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]
# What a malformed credential from an authenticator can raise inside py_webauthn.
MALFORMED = (InvalidJSONStructure, ValueError, TypeError, KeyError)


@dataclass(frozen=True)
class RelyingParty:
    """Who passkeys are for: the RP id and the one origin whose pages may use them."""

    id: str
    origin: str
    name: str
    user_verification: str

    @classmethod
    def of(cls, pool) -> RelyingParty:
        """The pool's relying party: its configured id, else the base URL's host."""
        parts = urlsplit(pool.base_url)
        settings = pool.settings
        return cls(
            id=settings.webauthn_relying_party_id or parts.hostname or "localhost",
            origin=f"{parts.scheme}://{parts.netloc}",
            name=settings.name,
            user_verification=settings.webauthn_user_verification,
        )

    @property
    def requires_verification(self) -> bool:
        """True when a passkey must prove who holds it (PIN, biometrics), not only presence."""
        return self.user_verification == "required"


def user_passkeys(conn: sqlite3.Connection, sub: str, rp_id: str | None = None) -> list:
    """A user's passkeys, oldest first (only those for ``rp_id`` when given)."""
    rows = conn.execute(
        "SELECT * FROM passkeys WHERE sub = ? ORDER BY created, rowid", (sub,)
    ).fetchall()
    return [row for row in rows if rp_id is None or row["rp_id"] == rp_id]


def _descriptors(rows) -> list[PublicKeyCredentialDescriptor]:
    """Credential descriptors (id and transports) for options' allow and exclude lists."""
    return [
        PublicKeyCredentialDescriptor(
            id=base64url_to_bytes(row["credential_id"]),
            transports=[AuthenticatorTransport(t) for t in json.loads(row["transports"])],
        )
        for row in rows
    ]


def creation_options(rp: RelyingParty, user: dict[str, Any], existing) -> dict[str, Any]:
    """PublicKeyCredentialCreationOptionsJSON for a new passkey of ``user``."""
    email = user["email"] or user["username"]
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=user["sub"].encode(),
        user_name=email,
        user_display_name=email,
        timeout=TIMEOUT_MS,
        exclude_credentials=_descriptors(existing),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement(rp.user_verification),
        ),
        supported_pub_key_algs=ALGORITHMS,
    )
    return json.loads(options_to_json(options))


def request_options(rp: RelyingParty, passkeys) -> dict[str, Any]:
    """PublicKeyCredentialRequestOptionsJSON for a sign-in with one of ``passkeys``."""
    options = generate_authentication_options(
        rp_id=rp.id,
        timeout=TIMEOUT_MS,
        allow_credentials=_descriptors(passkeys),
        user_verification=UserVerificationRequirement(rp.user_verification),
    )
    return json.loads(options_to_json(options))


def check_registration(rp: RelyingParty, credential: dict, challenge: str):
    """Verify a RegistrationResponseJSON against the challenge; each fault as Cognito names it."""
    client_data = _client_data(credential, "webauthn.create")
    if client_data.origin != rp.origin:
        raise PoolError(
            "WebAuthnOriginNotAllowedException",
            "The passkey's origin is not allowed for this user pool.",
        )
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            require_user_verification=rp.requires_verification,
            supported_pub_key_algs=ALGORITHMS,
        )
    except InvalidRegistrationResponse as exc:
        raise _registration_error(str(exc)) from exc
    except MALFORMED as exc:
        raise invalid_parameter("The passkey credential is not a valid credential.") from exc
    return verified


def _registration_error(reason: str) -> PoolError:
    """The Cognito error for py_webauthn's reason to refuse a registration."""
    if "RP ID hash" in reason:
        return PoolError(
            "WebAuthnRelyingPartyMismatchException",
            "The passkey's relying party is not this user pool's.",
        )
    if "challenge" in reason.lower():
        return PoolError(
            "WebAuthnChallengeNotFoundException", "The passkey registration challenge is unknown."
        )
    return PoolError(
        "WebAuthnCredentialNotSupportedException",
        "The passkey credential is not supported by this user pool.",
    )


def check_assertion(rp: RelyingParty, credential: dict, challenge: str, passkey) -> int:
    """Verify an AuthenticationResponseJSON by a stored passkey; returns its new sign count.
    Anything wrong is NotAuthorizedException, as a wrong password is."""
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=passkey["public_key"],
            credential_current_sign_count=passkey["sign_count"],
            require_user_verification=rp.requires_verification,
        )
    except (InvalidAuthenticationResponse, *MALFORMED) as exc:
        raise not_authorized("The passkey could not be verified.") from exc
    return verified.new_sign_count


def _client_data(credential: dict, kind: str):
    """The credential's collected client data, or InvalidParameterException."""
    try:
        data = parse_client_data_json(base64url_to_bytes(credential["response"]["clientDataJSON"]))
    except MALFORMED as exc:
        raise invalid_parameter("The passkey credential is not a valid credential.") from exc
    if data.type != kind:
        raise invalid_parameter("The passkey credential is not a valid credential.")
    return data


def credential_json(text: Any) -> dict[str, Any]:
    """A CREDENTIAL challenge response (a JSON string) as a dict, or NotAuthorizedException."""
    try:
        credential = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        credential = None
    if not isinstance(credential, dict) or not isinstance(credential.get("id"), str):
        raise not_authorized("The passkey could not be verified.")
    if not isinstance(credential.get("response"), dict):
        raise not_authorized("The passkey could not be verified.")
    return credential
