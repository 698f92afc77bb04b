"""Signed, timed values (cookies, seals, states) with the app's secret, one serializer per
purpose.

Each purpose has its own salt, so a value signed for one is refused by the others. A serializer
is made once per secret and salt: making one (key lists, a trial serialisation) cost a quarter
of signing with it, on every page view that sets a cookie.
"""

from __future__ import annotations

from functools import lru_cache

from itsdangerous import URLSafeTimedSerializer


@lru_cache(maxsize=64)
def serializer(secret_key: str | bytes, salt: str) -> URLSafeTimedSerializer:
    """The URL-safe timed serializer for ``secret_key`` and the purpose ``salt``."""
    return URLSafeTimedSerializer(secret_key, salt=salt)
