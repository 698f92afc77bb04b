"""Signed, timed values (cookies, seals, states) with the app's secret, one serializer per
purpose; and the one comparison of a secret with what a caller sent (``same_secret``).

Each purpose has its own salt, so a value signed for one is refused by the others. A serializer
is made once per secret and salt: making one (key lists, a trial serialisation) cost a quarter
of signing with it, on every page view that sets a cookie.
"""

from __future__ import annotations

import hmac
from functools import lru_cache

from itsdangerous import URLSafeTimedSerializer


@lru_cache(maxsize=64)
def serializer(secret_key: str | bytes, salt: str) -> URLSafeTimedSerializer:
    """The URL-safe timed serializer for ``secret_key`` and the purpose ``salt``."""
    return URLSafeTimedSerializer(secret_key, salt=salt)


def same_secret(known: str, given: object) -> bool:
    """Whether ``given`` is the secret ``known``, in constant time, whatever characters it holds
    (``hmac.compare_digest`` raises for a str outside ASCII: a fault, where a wrong secret is
    meant). Anything but a str is not the secret."""
    return isinstance(given, str) and hmac.compare_digest(known.encode(), given.encode())
