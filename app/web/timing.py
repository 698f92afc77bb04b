"""Equal response times where the work differs between a known and an unknown address.

Sending a link or a code costs a write and an email only when an account exists; without a
floor on the response time, that difference tells which addresses have accounts.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app


@contextmanager
def padded() -> Iterator[None]:
    """Make the block take at least the configured minimum (``GATEHOUSE_MIN_RESPONSE_MS``),
    also when it raises: a refusal that escapes the block must not answer sooner than a
    success would."""
    started = time.monotonic()
    try:
        yield
    finally:
        floor = current_app.extensions["gatehouse.settings"].min_response_ms / 1000
        remaining = floor - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)
