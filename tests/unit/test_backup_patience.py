"""A backup waits out throttling, longer each time, and gives up after a bounded number."""

from __future__ import annotations

import pytest

from app.backup.patience import LONGEST_WAIT, WAITS, Patient
from app.userpool.errors import Throttled


class Pool:
    """A pool that throttles the first ``throttles`` calls."""

    def __init__(self, throttles: int) -> None:
        self.throttles = throttles
        self.calls = 0

    def call(self, operation, **params):
        """Throttle, then answer."""
        self.calls += 1
        if self.calls <= self.throttles:
            raise Throttled("TooManyRequestsException", operation)
        return {"operation": operation, **params}


def test_a_throttle_is_waited_out():
    waits = []
    patient = Patient(Pool(throttles=3), waits.append)
    assert patient.call("ListUsers", Limit=60) == {"operation": "ListUsers", "Limit": 60}
    assert waits == [0.5, 1.0, 2.0] and patient.throttles == 3


def test_a_throttle_that_does_not_pass_is_raised_after_bounded_waits():
    waits = []
    pool = Pool(throttles=100)
    with pytest.raises(Throttled):
        Patient(pool, waits.append).call("ListUsers")
    assert len(waits) == WAITS and pool.calls == WAITS + 1
    assert max(waits) <= LONGEST_WAIT
