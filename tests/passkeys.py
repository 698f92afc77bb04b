"""A software WebAuthn authenticator for Python tests: it makes passkeys and signs in with them.

It answers the WebAuthn JSON forms of the options (base64url strings, as Cognito's
StartWebAuthnRegistration and the WEB_AUTHN challenge carry them) with the JSON forms of the
browser's answers (RegistrationResponseJSON, AuthenticationResponseJSON). Attestation is "none",
every credential is resident (discoverable) and keeps the options' ``user.id`` as its user handle.
Keyword arguments make the hostile variants: another origin is just another ``origin``;
``rp_id`` signs for another relying party, ``user_verified=False`` leaves the UV flag off,
``credential_id`` answers with a chosen credential whatever ``allowCredentials`` says, and
``tamper_signature`` spoils the signature.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

# COSE algorithm identifiers (RFC 9053) and the authenticator-data flag bits (WebAuthn §6.1).
COSE_ALGS = {"ES256": -7, "RS256": -257}
FLAG_UP, FLAG_UV, FLAG_AT = 0x01, 0x04, 0x40
AAGUID_NONE = bytes(16)


def b64url(data: bytes) -> str:
    """Unpadded base64url, as the WebAuthn JSON forms carry bytes."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    """Bytes from (possibly unpadded) base64url."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Credential:
    """One passkey the authenticator holds."""

    credential_id: bytes
    rp_id: str
    user_handle: bytes
    alg: str
    private_key: Any
    sign_count: int = 0

    @property
    def id(self) -> str:
        """The credential id as base64url, as the JSON forms name it."""
        return b64url(self.credential_id)


class SoftAuthenticator:
    """A platform authenticator in memory; all its keys are of one algorithm, "ES256" or "RS256"."""

    def __init__(self, alg: str = "ES256") -> None:
        """An authenticator without passkeys that makes keys of ``alg``."""
        if alg not in COSE_ALGS:
            raise ValueError(f"unsupported algorithm {alg!r}")
        self.alg = alg
        self.credentials: list[Credential] = []

    def register(
        self,
        options: dict,
        origin: str,
        *,
        user_verified: bool = True,
        rp_id: str | None = None,
    ) -> dict:
        """Make a passkey for ``options`` (PublicKeyCredentialCreationOptionsJSON), as
        navigator.credentials.create would on ``origin``; return the RegistrationResponseJSON."""
        rp_id = rp_id or options.get("rp", {}).get("id") or urlsplit(origin).hostname
        offered = {param.get("alg") for param in options.get("pubKeyCredParams", [])}
        if COSE_ALGS[self.alg] not in offered:
            raise ValueError(f"{self.alg} is not among the offered algorithms {sorted(offered)}")
        excluded = {item["id"] for item in options.get("excludeCredentials") or []}
        if any(c.id in excluded and c.rp_id == rp_id for c in self.credentials):
            # A real authenticator refuses here too (InvalidStateError): it holds one already.
            raise ValueError("the authenticator already holds an excluded credential")
        credential = Credential(
            credential_id=os.urandom(32),
            rp_id=rp_id,
            user_handle=unb64url(options["user"]["id"]),
            alg=self.alg,
            private_key=_new_key(self.alg),
        )
        attested = (
            AAGUID_NONE
            + struct.pack(">H", len(credential.credential_id))
            + credential.credential_id
            + cbor2.dumps(_cose_public_key(credential))
        )
        auth_data = (
            _authenticator_data(rp_id, FLAG_UP | FLAG_AT | (FLAG_UV if user_verified else 0), 0)
            + attested
        )
        client_data = _client_data("webauthn.create", options["challenge"], origin)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        self.credentials.append(credential)
        return {
            "id": credential.id,
            "rawId": credential.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {"credProps": {"rk": True}},
        }

    def sign_in(
        self,
        options: dict,
        origin: str,
        *,
        user_verified: bool = True,
        rp_id: str | None = None,
        credential_id: str | None = None,
        tamper_signature: bool = False,
    ) -> dict:
        """Answer ``options`` (PublicKeyCredentialRequestOptionsJSON), as
        navigator.credentials.get would on ``origin``; return the AuthenticationResponseJSON.

        Uses a held credential named in ``allowCredentials``, or with none named any resident
        credential for the options' rpId; raises LookupError when it holds none that fits.
        """
        asked_rp = options.get("rpId") or urlsplit(origin).hostname
        credential = self._choose(options, asked_rp, credential_id)
        credential.sign_count += 1
        flags = FLAG_UP | (FLAG_UV if user_verified else 0)
        # ``rp_id`` forges the relying party signed for; the credential is still the asked one.
        auth_data = _authenticator_data(rp_id or asked_rp, flags, credential.sign_count)
        client_data = _client_data("webauthn.get", options["challenge"], origin)
        signature = _sign(credential, auth_data + hashlib.sha256(client_data).digest())
        if tamper_signature:
            signature = signature[:-1] + bytes([signature[-1] ^ 0x01])
        return {
            "id": credential.id,
            "rawId": credential.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(credential.user_handle),
            },
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        }

    def _choose(self, options: dict, rp_id: str, credential_id: str | None) -> Credential:
        """The credential that answers: the one asked for, else an allowed or a resident one."""
        if credential_id is not None:
            matches = [c for c in self.credentials if c.id == credential_id]
        else:
            allowed = {item["id"] for item in options.get("allowCredentials") or []}
            matches = [
                c for c in self.credentials if c.rp_id == rp_id and (not allowed or c.id in allowed)
            ]
        if not matches:
            raise LookupError(f"no passkey for {rp_id!r} in this authenticator")
        return matches[0]


def _new_key(alg: str) -> Any:
    """A fresh private key for ``alg``."""
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _cose_public_key(credential: Credential) -> dict:
    """The credential's public key as a COSE_Key map (RFC 9053)."""
    public = credential.private_key.public_key()
    if credential.alg == "ES256":
        numbers = public.public_numbers()
        return {
            1: 2,
            3: COSE_ALGS["ES256"],
            -1: 1,
            -2: numbers.x.to_bytes(32, "big"),
            -3: numbers.y.to_bytes(32, "big"),
        }
    numbers = public.public_numbers()
    return {
        1: 3,
        3: COSE_ALGS["RS256"],
        -1: numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big"),
        -2: numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big"),
    }


def _authenticator_data(rp_id: str, flags: int, sign_count: int) -> bytes:
    """rpIdHash, flags and the signature counter: the fixed head of authenticator data."""
    return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", sign_count)


def _client_data(kind: str, challenge: str, origin: str) -> bytes:
    """The collected client data a browser would hash and send."""
    return json.dumps(
        {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False},
        separators=(",", ":"),
    ).encode()


def _sign(credential: Credential, message: bytes) -> bytes:
    """The assertion signature with the credential's key."""
    if credential.alg == "ES256":
        return credential.private_key.sign(message, ec.ECDSA(hashes.SHA256()))
    return credential.private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
