"""The server side of Cognito's SRP (USER_SRP_AUTH with the PASSWORD_VERIFIER challenge).

Cognito's variant of SRP-6a, as its SDKs (Amplify, pycognito) compute the client side:

- the group is RFC 5054's 3072-bit prime ``N`` (Appendix A; the same prime as RFC 3526's
  group 15) with generator ``g = 2``, and ``k = H(pad(N) | pad(g))``;
- ``x = H(pad(salt) | H(poolName + userIdForSrp + ":" + password))``, where ``poolName`` is the
  pool id without its region (``us-east-1_abc`` -> ``abc``); the verifier is ``v = g^x mod N``;
- the server sends ``B = k*v + g^b``; with the client's ``A`` and ``u = H(pad(A) | pad(B))``
  both sides reach ``S`` (the server as ``(A * v^u)^b``);
- the 16-byte key is HKDF-SHA256 of ``pad(S)`` with salt ``pad(u)`` and info
  ``"Caldera Derived Key"``; the client proves it knows the password with
  ``HMAC-SHA256(key, poolName + userIdForSrp + secretBlock + timestamp)``.

``H`` is SHA-256 and ``pad`` is the big-endian bytes of a number with a leading zero byte when
its top bit is set (the SDKs' ``padHex``). Only the standard library's hashlib, hmac and secrets
and ``cryptography``'s HKDF are used: no primitive is written here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# RFC 5054, Appendix A, the 3072-bit group's prime.
N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
G = 2
INFO = b"Caldera Derived Key"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
TIMESTAMP_FORMAT = "EEE MMM d HH:mm:ss z yyyy"


class BadTimestamp(ValueError):
    """A TIMESTAMP that is not in Cognito's format."""


def pad(number: int) -> bytes:
    """A non-negative number as big-endian bytes, with a zero byte first if its top bit is set."""
    return number.to_bytes(number.bit_length() // 8 + 1, "big")


def _h(*parts: bytes) -> bytes:
    """SHA-256 of the concatenated parts."""
    return hashlib.sha256(b"".join(parts)).digest()


def _int(digest: bytes) -> int:
    """A hash as a number."""
    return int.from_bytes(digest, "big")


K = _int(_h(pad(N), pad(G)))


def pool_name(pool_id: str) -> str:
    """The pool id without its region, as SRP's hashes use it."""
    return pool_id.split("_", 1)[-1]


def private_x(pool: str, user_id: str, password: str, salt: int) -> int:
    """``x`` from the salt, the pool name, the user's SRP id and the password."""
    inner = _h(f"{pool}{user_id}:{password}".encode())
    return _int(_h(pad(salt), inner))


def new_verifier(pool: str, user_id: str, password: str) -> tuple[str, str]:
    """A fresh random salt and the password's verifier, as hex (stored with the user)."""
    salt = int.from_bytes(secrets.token_bytes(16), "big")
    verifier = pow(G, private_x(pool, user_id, password, salt), N)
    return f"{salt:x}", f"{verifier:x}"


def decoy(secret: bytes, username: str) -> tuple[str, int, str]:
    """A salt, verifier and SRP id for a user that does not exist, the same on every call
    (derived from ``secret`` and the name asked for), so that they look like a real user's.

    The verifier is never sent (only ``B``, which a random ``b`` masks), so it need not be a
    power of ``g``: a number below N drawn from the secret costs no exponentiation.
    """
    material = HKDF(
        algorithm=hashes.SHA256(), length=16 + 16 + 400, salt=None, info=b"srp decoy"
    ).derive(secret + b"\0" + username.lower().encode())
    salt = _int(material[:16])
    user_id = str(uuid.UUID(bytes=material[16:32], version=4))
    verifier = _int(material[32:]) % N
    return f"{salt:x}", verifier, user_id


def server_values(verifier: int) -> tuple[int, int]:
    """The server's secret ``b`` and public ``B = k*v + g^b mod N``."""
    while True:
        b = secrets.randbits(256)
        big_b = (K * verifier + pow(G, b, N)) % N
        if b and big_b:
            return b, big_b


def session_key(big_a: int, big_b: int, b: int, verifier: int) -> bytes | None:
    """The 16-byte key both sides derive, or None for an ``A`` the protocol must refuse."""
    if big_a % N == 0:
        return None
    u = _int(_h(pad(big_a), pad(big_b)))
    if u == 0:
        return None
    shared = pow(big_a * pow(verifier, u, N) % N, b, N)
    return HKDF(algorithm=hashes.SHA256(), length=16, salt=pad(u), info=INFO).derive(pad(shared))


def challenge(big_a: int, salt: str, verifier: int, user_id: str) -> tuple[dict, dict]:
    """The PASSWORD_VERIFIER challenge for a client's ``A``: its public parameters, and the
    state to keep until the answer (the secret block names it)."""
    b, big_b = server_values(verifier)
    block = base64.b64encode(secrets.token_bytes(48)).decode()
    public = {
        "SALT": salt,
        "SRP_B": f"{big_b:x}",
        "SECRET_BLOCK": block,
        "USER_ID_FOR_SRP": user_id,
        "USERNAME": user_id,
    }
    return public, {"A": f"{big_a:x}", "B": f"{big_b:x}", "b": f"{b:x}", "block": block}


def proves_password(
    state: dict, verifier: int, pool: str, user_id: str, timestamp: str, signature: str
) -> bool:
    """True when ``signature`` (PASSWORD_CLAIM_SIGNATURE) shows the client knew the password
    behind ``verifier``; ``timestamp`` is the canonical TIMESTAMP."""
    key = session_key(int(state["A"], 16), int(state["B"], 16), int(state["b"], 16), verifier)
    if key is None:
        return False
    block = base64.b64decode(state["block"])
    expected = claim_signature(key, pool, user_id, block, timestamp)
    return hmac.compare_digest(expected.encode(), signature.encode())


def canonical_timestamp(text: str) -> str:
    """Cognito's reading of TIMESTAMP, re-written as it signs it ("Tue Dec 1 17:49:54 UTC 2026":
    English names, the day without a leading zero); BadTimestamp if it cannot be read."""
    parts = text.split(" ")
    try:
        weekday, month, day, clock, zone, year = parts
        when = datetime(
            int(year), MONTHS.index(month) + 1, int(day), *map(int, clock.split(":")), tzinfo=UTC
        )
    except ValueError as exc:
        raise BadTimestamp(text) from exc
    if zone != "UTC" or weekday not in WEEKDAYS or len(clock) != 8:
        raise BadTimestamp(text)
    return format_timestamp(when)


def format_timestamp(when: datetime) -> str:
    """A UTC time in Cognito's TIMESTAMP format."""
    return (
        f"{WEEKDAYS[when.weekday()]} {MONTHS[when.month - 1]} {when.day} "
        f"{when:%H:%M:%S} UTC {when.year}"
    )


def claim_signature(key: bytes, pool: str, user_id: str, block: bytes, timestamp: str) -> str:
    """The PASSWORD_CLAIM_SIGNATURE a client that knows the password sends (base64)."""
    message = pool.encode() + user_id.encode() + block + timestamp.encode()
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
