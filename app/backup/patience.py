"""Calls that wait out the pool's throttling, a bounded number of times.

The gateway paces calls to the pool's quota; a throttle that still comes back means the quota
is shared with live traffic, so a backup waits (doubling, up to a cap) rather than fail a page.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from app.userpool import UserPool
from app.userpool.errors import Throttled

WAITS = 8  # throttled answers in a row before the run stops (its place is kept)
FIRST_WAIT = 0.5
LONGEST_WAIT = 20.0


class Patient:
    """``UserPool.call``, repeated after a throttle; the sleep is injectable for tests."""

    def __init__(self, pool: UserPool, sleep: Callable[[float], None] = time.sleep) -> None:
        self.pool = pool
        self.sleep = sleep
        self.throttles = 0

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """Call ``operation``; after a throttle wait and try again, at most WAITS times."""
        wait, waited = FIRST_WAIT, 0
        while True:
            try:
                return self.pool.call(operation, **params)
            except Throttled:
                self.throttles += 1
                if waited == WAITS:
                    raise
                self.sleep(wait)
                waited += 1
                wait = min(wait * 2, LONGEST_WAIT)
