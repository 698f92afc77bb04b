"""Passkeys, kept in the user pool (Cognito's WebAuthn API): what the browser is given, the
names people give them, and whether to offer one.

The pool makes and checks every WebAuthn challenge; Gatehouse only carries the options to the
browser and its answer back. Two things are changed on the way:

- Sign-in options lose ``allowCredentials``: the list would tell anyone who types an address
  whether it has passkeys (and their ids). An address with no passkey, or no account, gets
  options of the same shape with a challenge of Gatehouse's own (a decoy) that nothing accepts.
  The browser then offers the passkeys it holds for this site (they are discoverable).
- Registration options ask for a discoverable passkey (``residentKey: required``), which that
  sign-in needs.

Cognito cannot rename a passkey; the name a person gives one is kept in Gatehouse's store.
"""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

# How long the browser waits for the person at their passkey (a hint to the browser).
TIMEOUT_MS = 120_000
NAME_PREFIX = "passkey-name:"
NAME_SECONDS = 10 * 365 * 24 * 3600
NAME_MAX = 60
DECLINED_PREFIX = "passkey-offer-declined:"
# A person who says "not now" is not asked again for this long.
DECLINED_SECONDS = 30 * 24 * 3600
# What the pool's last challenge had: a decoy has the same (its shape must not differ). Before
# the first, the local pool's (py_webauthn's 64 bytes) and the pool configuration of
# infra/template.yaml (``preferred``).
_last_seen = {"user_verification": "preferred", "challenge_bytes": 64}


def _settings():
    """The app's settings."""
    return current_app.extensions["gatehouse.settings"]


def _store():
    """The app's store."""
    return current_app.extensions["gatehouse.store"]


def relying_party_id() -> str:
    """The passkeys' relying party: the host of Gatehouse's base URL (the pool is configured
    with the same, ``WebAuthnRelyingPartyID``)."""
    return urlsplit(_settings().base_url).hostname or ""


def request_options(challenge_parameters: dict[str, str] | None) -> dict[str, Any]:
    """The sign-in options for the browser, from a WEB_AUTHN challenge's parameters; a decoy's
    when there is no such challenge (no passkey, no account). Both have the same keys."""
    pool_options: dict[str, Any] = {}
    if challenge_parameters:
        try:
            pool_options = json.loads(challenge_parameters.get("CREDENTIAL_REQUEST_OPTIONS", ""))
        except ValueError:
            pool_options = {}
    if isinstance(pool_options.get("challenge"), str):
        verification = pool_options.get("userVerification") or "preferred"
        challenge, rp_id = pool_options["challenge"], pool_options.get("rpId") or relying_party_id()
        _last_seen.update(user_verification=verification, challenge_bytes=len(_unb64url(challenge)))
    else:
        verification = _last_seen["user_verification"]
        challenge = bytes_to_base64url(secrets.token_bytes(_last_seen["challenge_bytes"]))
        rp_id = relying_party_id()
    return {
        "challenge": challenge,
        "rpId": rp_id,
        "timeout": TIMEOUT_MS,
        "userVerification": verification,
        "allowCredentials": [],
    }


def creation_options(pool_options: dict[str, Any]) -> dict[str, Any]:
    """The registration options for the browser: the pool's, asking for a discoverable passkey."""
    options = dict(pool_options)
    selection = dict(options.get("authenticatorSelection") or {})
    selection.update(residentKey="required", requireResidentKey=True)
    options["authenticatorSelection"] = selection
    return options


def _unb64url(text: str) -> bytes:
    """Bytes from WebAuthn's unpadded base64url (b"" for what is not)."""
    try:
        return base64url_to_bytes(text)
    except ValueError:
        return b""


def parsed_credential(text: str) -> dict[str, Any] | None:
    """A browser's WebAuthn answer as posted (JSON text), or None when it is not one."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        return None
    if not isinstance(value.get("response"), dict):
        return None
    return value


def user_verified(credential: dict[str, Any]) -> bool:
    """The authenticator checked the person (fingerprint, face, PIN: the UV flag of the signed
    authenticator data). Read only after the pool accepted the answer, whose signature covers
    these bytes."""
    data = credential.get("response", {}).get("authenticatorData")
    raw = _unb64url(data) if isinstance(data, str) else b""
    # WebAuthn §6.1: 32 bytes of rpIdHash, then the flags; bit 2 is "user verified".
    return len(raw) > 32 and bool(raw[32] & 0x04)


# ---- names ---------------------------------------------------------------------------------


def _name_key(sub: str, credential_id: str) -> str:
    """Where a passkey's name is kept."""
    return f"{NAME_PREFIX}{sub}:{credential_id}"


def name_of(sub: str, credential: dict[str, Any]) -> str:
    """The name the person gave a passkey, else the pool's (the authenticator's), else ""."""
    kept = _store().get(_name_key(sub, credential["CredentialId"]))
    if kept and kept.get("name"):
        return kept["name"]
    return credential.get("FriendlyCredentialName") or ""


def rename(sub: str, credential_id: str, name: str) -> None:
    """Keep a passkey's new name (an empty name goes back to the pool's)."""
    if name:
        _store().put(_name_key(sub, credential_id), {"name": name}, NAME_SECONDS)
    else:
        _store().delete(_name_key(sub, credential_id))


def forget_name(sub: str, credential_id: str) -> None:
    """A deleted passkey's name goes with it."""
    _store().delete(_name_key(sub, credential_id))


# ---- the offer -----------------------------------------------------------------------------


def declined_recently(sub: str) -> bool:
    """The person said "not now" to a passkey lately."""
    return _store().get(DECLINED_PREFIX + sub) is not None


def decline(sub: str) -> None:
    """Remember a "not now" for a while."""
    _store().put(DECLINED_PREFIX + sub, {"at": _settings().clock()}, DECLINED_SECONDS)
