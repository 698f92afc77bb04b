"""Admission control: Gatehouse's calls stay under the pool's request-rate quota.

Cognito throttles a quota category (``quotas.py``) once all callers of an account and Region
exceed its rate; what is throttled has to be refused or tried again, and in a login spike most
of a blind retry's attempts are throttled too. So Gatehouse keeps its own budget per category,
a little under the quota, and takes from it *before* each call: a call is sent only in its turn,
and the pool hardly ever throttles.

The budget is a reservation schedule (the generic cell rate algorithm, GCRA): each category
keeps a "theoretical arrival time" ``tat``; a reservation of ``n`` units is granted at
``max(tat, now)`` and moves ``tat`` on by ``n / rate`` seconds. A request learns at once how
long it must wait for its turn, without polling:

- a gateway call waits for its turn up to ``wait_seconds``; past that it is refused with
  ``Throttled`` whose ``retry_after`` is when it would have been admitted in time;
- a sign-in reserves all of its calls at once (``reserve`` then ``prepaid``) and, when its turn
  is further away, the person is shown a page that holds their place (``flows/signin.py``);
- a unit reserved and not used (a wrong password ends a sign-in after one call) is given back.

With ``GATEHOUSE_REDIS_URL`` the schedule lives in Redis (one Lua script, the Redis server's
clock), so every process and host shares one budget; otherwise it is in this process.
"""

from __future__ import annotations

import contextvars
import logging
import math
import random
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from .errors import Throttled
from .quotas import category_of

log = logging.getLogger(__name__)
# Seconds a prepaid call pauses before it is tried again after the pool throttled it.
RETRY_PAUSE = (0.5, 1.0)
PREPAID_EXTRA_ATTEMPTS = 3
# The longest a call waits at the gate (a stuck gate must not stop every sign-in).
GATE_SECONDS = 3.0
# Units a request has already reserved, by category: its calls then take no new turn.
_PREPAID: contextvars.ContextVar[dict[str, Prepaid] | None] = contextvars.ContextVar(
    "gatehouse_prepaid", default=None
)


@dataclass(frozen=True)
class Turn:
    """The answer to a reservation: ``granted`` (then the turn comes in ``delay`` seconds) or
    not (then a reservation made ``delay - horizon`` seconds later would be granted)."""

    granted: bool
    delay: float


@dataclass
class Prepaid:
    """Units of one category a request holds: how many are left, and the time (the app's
    clock) of the next one's slot; the slots follow each other one ``interval`` apart."""

    left: int
    slot: float
    interval: float


class Schedule(Protocol):
    """Where the categories' ``tat`` are kept (in process, or in Redis)."""

    def reserve(self, key: str, seconds: float, horizon: float) -> Turn:
        """Reserve ``seconds`` of the schedule if the turn comes within ``horizon``."""

    def charge(self, key: str, seconds: float) -> None:
        """Take ``seconds`` of the schedule now, whatever the wait (a retry already admitted)."""

    def refund(self, key: str, seconds: float) -> None:
        """Give back ``seconds`` reserved and not used."""


class MemorySchedule:
    """The schedule of one process (no Redis): a lock and a monotonic clock."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tat: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, key: str, seconds: float, horizon: float) -> Turn:
        """See ``Schedule.reserve``."""
        with self._lock:
            now = self._clock()
            start = max(self._tat.get(key, now), now)
            delay = start - now
            if delay > horizon:
                return Turn(False, delay)
            self._tat[key] = start + seconds
            return Turn(True, delay)

    def charge(self, key: str, seconds: float) -> None:
        """See ``Schedule.charge``."""
        with self._lock:
            now = self._clock()
            self._tat[key] = max(self._tat.get(key, now), now) + seconds

    def refund(self, key: str, seconds: float) -> None:
        """See ``Schedule.refund``."""
        with self._lock:
            now = self._clock()
            self._tat[key] = max(self._tat.get(key, now) - seconds, now)


# One script for the three operations: atomic, and on the Redis server's clock so that every
# process and host agrees on "now". Numbers travel as strings (Lua numbers returned to Redis
# would be cut to integers).
_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local seconds = tonumber(ARGV[2])
local new
if ARGV[1] == 'refund' then
  new = math.max(tat - seconds, now)
else
  if ARGV[1] == 'reserve' and tat - now > tonumber(ARGV[3]) then
    return {0, tostring(tat - now)}
  end
  new = tat + seconds
end
redis.call('SET', KEYS[1], tostring(new), 'PX', math.ceil((new - now) * 1000) + 1000)
return {1, tostring(tat - now)}
"""


class RedisSchedule:
    """The schedule shared by every process through Redis."""

    def __init__(self, url: str, prefix: str = "gatehouse:admission:") -> None:
        import redis  # only deployments with GATEHOUSE_REDIS_URL need it

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._script = self._redis.register_script(_SCRIPT)
        self._prefix = prefix

    def _run(self, mode: str, key: str, seconds: float, horizon: float = 0.0) -> Turn:
        """Run the script for one category."""
        granted, delay = self._script(
            keys=[self._prefix + key], args=[mode, repr(seconds), repr(horizon)]
        )
        return Turn(bool(granted), float(delay))

    def reserve(self, key: str, seconds: float, horizon: float) -> Turn:
        """See ``Schedule.reserve``."""
        return self._run("reserve", key, seconds, horizon)

    def charge(self, key: str, seconds: float) -> None:
        """See ``Schedule.charge``."""
        self._run("charge", key, seconds)

    def refund(self, key: str, seconds: float) -> None:
        """See ``Schedule.refund``."""
        self._run("refund", key, seconds)


class MemoryGate:
    """The calls sent in the last window, per category, in this process (no Redis)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._sent: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def pass_(self, key: str, limit: int, window: float) -> float:
        """Record a call and return 0 if fewer than ``limit`` were sent in the last ``window``
        seconds; else record nothing and return the seconds until one of them leaves it."""
        with self._lock:
            now = self._clock()
            sent = self._sent[key]
            while sent and sent[0] <= now - window:
                sent.popleft()
            if len(sent) < limit:
                sent.append(now)
                return 0.0
            return sent[0] + window - now


_GATE_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000) + 1000)
  return '0'
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""


class RedisGate:
    """The calls sent in the last window, per category, shared by every process."""

    def __init__(self, url: str, prefix: str = "gatehouse:sent:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._script = self._redis.register_script(_GATE_SCRIPT)
        self._prefix = prefix

    def pass_(self, key: str, limit: int, window: float) -> float:
        """See ``MemoryGate.pass_``."""
        member = f"{time.time():.6f}:{random.getrandbits(48):x}"
        return float(self._script(keys=[self._prefix + key], args=[limit, repr(window), member]))


class Admission:
    """The budgets of every category with a rate; categories without one are not limited."""

    def __init__(
        self,
        rates: dict[str, float],
        schedule: Schedule,
        *,
        wait_seconds: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        gate: MemoryGate | RedisGate | None = None,
        observe: Callable[[str, float, str], None] | None = None,
    ) -> None:
        self._clock = clock  # the app's clock: the times of prepaid slots
        self.gate = gate
        self._observe = observe or (lambda category, seconds, outcome: None)
        self.rates = {name: rps for name, rps in rates.items() if rps > 0}
        self.schedule = schedule
        self.wait_seconds = wait_seconds
        self._sleep = sleep

    def limits(self, category: str) -> bool:
        """True when calls of this category take turns."""
        return category in self.rates

    def reserve(self, category: str, units: int, horizon: float) -> Turn:
        """Reserve ``units`` calls of a category if their turn comes within ``horizon``
        seconds (a category without a rate is always granted at once)."""
        if not self.limits(category):
            return Turn(True, 0.0)
        return self.schedule.reserve(category, units / self.rates[category], horizon)

    def refund(self, category: str, units: int) -> None:
        """Give back units reserved and not used."""
        if units > 0 and self.limits(category):
            self.schedule.refund(category, units / self.rates[category])

    @contextmanager
    def prepaid(self, category: str, units: int, at: float | None = None) -> Iterator[None]:
        """Run a block whose first ``units`` calls of ``category`` are reserved from ``at`` (the
        app's clock; default now); what the block does not use is given back.

        Each call waits for its own slot, one unit's interval after the last: a sign-in's
        calls sent back to back would bunch up with the next person's, above the pool's rate
        in some second, although the reservations are not."""
        if not self.limits(category):
            yield
            return
        held = dict(_PREPAID.get() or {})
        paid = Prepaid(units, self._clock() if at is None else at, 1 / self.rates[category])
        held[category] = paid
        token = _PREPAID.set(held)
        try:
            yield
        finally:
            _PREPAID.reset(token)
            self.refund(category, paid.left)

    def extra_attempts(self, operation: str) -> int:
        """Attempts beyond GATEHOUSE_AWS_MAX_ATTEMPTS for a throttled call that was prepaid: its
        person has waited their turn already, and a throttle then comes from calls of others
        running a little late, which clears within a second or two."""
        held = _PREPAID.get()
        return PREPAID_EXTRA_ATTEMPTS if held and category_of(operation) in held else 0

    def admit(self, operation: str, *, retry: bool = False) -> None:
        """Take this attempt's turn before a call: a prepaid unit, else wait for a turn up to
        ``wait_seconds``; past that raise ``Throttled`` with the wait in ``retry_after``. Then
        pass the gate (``_through_gate``).

        A retry after the pool throttled is charged without waiting in line when the request
        was prepaid: its turn had come, and the retry still counts against the budget, which
        moves later turns on by one call; it pauses a moment (``RETRY_PAUSE``) first."""
        category = category_of(operation)
        if not self.limits(category):
            return
        held = _PREPAID.get()
        paid = held.get(category) if held else None
        if paid is not None and retry:
            self.schedule.charge(category, 1 / self.rates[category])
            # The pool counts calls per second: a throttle clears within one, and a retry
            # sent sooner is most likely throttled again.
            self._sleep(random.uniform(*RETRY_PAUSE))
        elif paid is not None and paid.left > 0:
            paid.left -= 1
            wait = paid.slot - self._clock()
            paid.slot += paid.interval
            if wait > 0:
                self._sleep(wait)
        else:
            turn = self.reserve(category, 1, self.wait_seconds)
            if not turn.granted:
                retry_after = max(1, math.ceil(turn.delay - self.wait_seconds))
                log.info("admission: %s refused, next turn in %.1f s", operation, turn.delay)
                self._observe(category, 0.0, "refused")
                raise Throttled("AdmissionRefused", operation, retry_after=retry_after)
            self._observe(category, turn.delay, "admitted")
            if turn.delay > 0:
                self._sleep(turn.delay)
        self._through_gate(category)

    def _through_gate(self, category: str) -> None:
        """Send a call only while the calls of the last window stay within the budget's rate.

        Turns are planned at the budget's rate, but calls run late by however long the calls
        before them took: a late call and the next person's punctual ones can fall into one of
        the pool's seconds above its quota. The gate counts calls when they are really sent
        (``ceil(rate)`` per ``ceil(rate) / rate`` seconds: the budget's rate, with no burst),
        so lateness never adds up to a throttle. The wait is short and bounded."""
        if self.gate is None:
            return
        rate = self.rates[category]
        limit = max(1, math.ceil(rate))
        deadline = time.monotonic() + GATE_SECONDS
        while True:
            wait = self.gate.pass_(category, limit, limit / rate)
            if wait <= 0 or time.monotonic() + wait > deadline:
                return
            self._sleep(wait)

    def note_queued(self, category: str, seconds: float) -> None:
        """A sign-in's turn was too far to wait for: its person was shown the line page."""
        self._observe(category, seconds, "queued")


def build_admission(
    rates: dict[str, float], redis_url: str, wait_seconds: float, **kwargs: Any
) -> Admission | None:
    """The admission of the configured rates (None when no category has one)."""
    if not any(rps > 0 for rps in rates.values()):
        return None
    schedule: Schedule = RedisSchedule(redis_url) if redis_url else MemorySchedule()
    gate = RedisGate(redis_url) if redis_url else MemoryGate()
    return Admission(rates, schedule, wait_seconds=wait_seconds, gate=gate, **kwargs)
