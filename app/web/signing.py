"""Signed, timed values (cookies, seals, states) with the app's secret, one serializer per
purpose; and the one comparison of a secret with what a caller sent (``same_secret``).

Each purpose has its own salt, so a value signed for one is refused by the others. A serializer
is made once per secret and salt: making one (key lists, a trial serialisation) cost a quarter
of signing with it, on every page view that sets a cookie. It also keeps its signer, whose
derived key itsdangerous would otherwise compute again (one more HMAC) for every value, and it
never compresses: the values are a few dozen bytes, where zlib's set-up cost more than the rest
of the signing and saved nothing (and compressing a secret beside chosen text is how CRIME-style
attacks read cookies). Values signed before, compressed or not, still load.
"""

from __future__ import annotations

import hmac
from functools import lru_cache
from typing import Any

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, want_bytes


class KeptKeySigner(TimestampSigner):
    """itsdangerous's timed signer, deriving each of its keys once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._derived: dict[bytes, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        """itsdangerous's derived key for ``secret_key``, computed on first use."""
        if secret_key is None:
            secret_key = self.secret_keys[-1]
        cache_key = secret_key.encode() if isinstance(secret_key, str) else secret_key
        derived = self._derived.get(cache_key)
        if derived is None:
            derived = self._derived[cache_key] = super().derive_key(secret_key)
        return derived


class Serializer(URLSafeTimedSerializer):
    """A URL-safe timed serializer that keeps its signer and does not compress."""

    default_signer = KeptKeySigner

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signers: dict[bytes, KeptKeySigner] = {}

    def make_signer(self, salt: str | bytes | None = None) -> KeptKeySigner:
        """The signer for ``salt`` (the serializer's own by default), made once."""
        kept = self.salt if salt is None else want_bytes(salt)
        signer = self._signers.get(kept)
        if signer is None:
            signer = self._signers[kept] = super().make_signer(salt)  # type: ignore[assignment]
        return signer

    def dump_payload(self, obj: Any) -> bytes:
        """The value as URL-safe base64 of its compact JSON (``load_payload`` reads it, and
        reads the compressed form older values may have)."""
        return base64_encode(self.serializer.dumps(obj, **self.serializer_kwargs).encode())


@lru_cache(maxsize=64)
def serializer(secret_key: str | bytes, salt: str) -> URLSafeTimedSerializer:
    """The URL-safe timed serializer for ``secret_key`` and the purpose ``salt``."""
    return Serializer(secret_key, salt=salt)


def same_secret(known: str, given: object) -> bool:
    """Whether ``given`` is the secret ``known``, in constant time, whatever characters it holds
    (``hmac.compare_digest`` raises for a str outside ASCII: a fault, where a wrong secret is
    meant). Anything but a str is not the secret."""
    return isinstance(given, str) and hmac.compare_digest(known.encode(), given.encode())
