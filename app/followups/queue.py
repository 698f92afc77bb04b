"""The durable follow-up queue, in the store (DESIGN.md §5 and §6).

A follow-up is written, and claimed by the request, before its change is made. Then:
- the change definitely failed (the pool said no): the follow-up is dropped;
- it happened: the follow-up is marked due and the request delivers it at once;
- anything else (an unclear answer, a crash, the process killed): it stays as written, and once
  the request's claim lapses the sweep asks the pool whether the change happened before it
  delivers or drops it.

Whoever delivers first claims the follow-up (``store.add``), so two workers never deliver the
same one at once. Steps are done in order and each is marked done as it succeeds; a step that
fails for now leaves the follow-up waiting, one that can never succeed marks it failed (kept
under ``followup-failed:`` for a while, and logged).
"""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from flask import current_app

from ..store import StoreUnavailable
from ..userpool.errors import Ambiguous, UserPoolError
from . import steps

log = logging.getLogger(__name__)
PREFIX = "followup:"
CLAIM_PREFIX = "followup-claim:"
FAILED_PREFIX = "followup-failed:"
# Longer than any request: until a claim lapses, nobody else touches the follow-up.
CLAIM_SECONDS = 120
GIVE_UP_SECONDS = 3 * 86400
KEEP_SECONDS = 30 * 86400
INTENDED, DUE = "intended", "due"
DELIVERED, WAITING, FAILED, DROPPED = "delivered", "waiting", "failed", "dropped"


def _store():
    """The app's store."""
    return current_app.extensions["gatehouse.store"]


def _now() -> float:
    """The app's clock."""
    return current_app.extensions["gatehouse.settings"].clock()


@dataclass
class FollowUp:
    """What must follow one change: its steps, and how to tell whether the change happened."""

    id: str
    steps: list[dict[str, Any]]
    check: dict[str, Any] | None
    state: str = INTENDED
    created: float = 0.0
    attempts: int = 0
    error: str = ""

    def save(self, prefix: str = PREFIX) -> None:
        """Write it to the store (StoreUnavailable if the store fails)."""
        _store().put(prefix + self.id, asdict(self), KEEP_SECONDS)


def load(follow_up_id: str) -> FollowUp | None:
    """A pending follow-up by id."""
    record = _store().get(PREFIX + follow_up_id)
    return FollowUp(**record) if record else None


def pending_ids() -> list[str]:
    """The ids of every follow-up not yet delivered, oldest first."""
    return [key[len(PREFIX) :] for key in _store().keys(PREFIX)]


def deliver(follow_up: FollowUp) -> str:
    """Do the steps not yet done, in order; returns DELIVERED, WAITING or FAILED."""
    for index, step in enumerate(follow_up.steps):
        if step.get("done"):
            continue
        try:
            steps.run(step, follow_up.id, index)
        except steps.Later as exc:
            follow_up.attempts += 1
            follow_up.error = f"{step['kind']}: {exc}"
            if _now() - follow_up.created > GIVE_UP_SECONDS:
                return _fail(follow_up)
            follow_up.save()
            log.warning("follow-up %s waits: %s", follow_up.id, follow_up.error)
            return WAITING
        except steps.Never as exc:
            follow_up.error = f"{step['kind']}: {exc}"
            return _fail(follow_up)
        step["done"] = True
        if index < len(follow_up.steps) - 1:
            follow_up.save()  # a crash from here on must not repeat this step
    _store().delete(PREFIX + follow_up.id)
    log.info("follow-up %s delivered", follow_up.id)
    return DELIVERED


def _fail(follow_up: FollowUp) -> str:
    """Keep it aside for an operator, out of the queue, and say so in the log."""
    follow_up.save(FAILED_PREFIX)
    _store().delete(PREFIX + follow_up.id)
    log.error("follow-up %s failed: %s", follow_up.id, follow_up.error)
    return FAILED


class Intent:
    """A follow-up written before its change and claimed by this request; the ``with`` block
    around the change settles it (see the module docstring)."""

    def __init__(self, follow_up: FollowUp) -> None:
        self.follow_up = follow_up
        self.deliver_now = True
        self.outcome: str | None = None

    def add(self, step: dict[str, Any], *, first: bool = False) -> None:
        """One more step (first: before the others), written at once."""
        self.follow_up.steps.insert(0 if first else len(self.follow_up.steps), step)
        self.follow_up.save()

    def done(self, kind: str) -> bool:
        """True when every step of this kind has been done."""
        return all(step.get("done") for step in self.follow_up.steps if step["kind"] == kind)

    def defer(self) -> None:
        """Leave delivery to the sweep (the pool has just failed: trying again now would only
        keep the person waiting)."""
        self.deliver_now = False

    def __enter__(self) -> Intent:
        """The block around the change."""
        return self

    def __exit__(self, kind, error, _tb) -> bool:
        """Settle by how the change ended; never swallows its exception."""
        if error is None:
            self._settle()
        elif isinstance(error, UserPoolError) and not isinstance(error, Ambiguous):
            self._drop()
        # Otherwise the outcome is unknown (an unclear answer, a fault, the process ending):
        # the follow-up stays as written, and the sweep asks the pool once the claim lapses.
        return False

    def _settle(self) -> None:
        """The change happened: mark it due, deliver it now if we may, let go of the claim."""
        follow_up = self.follow_up
        try:
            follow_up.state = DUE
            follow_up.save()
            self.outcome = deliver(follow_up) if self.deliver_now else WAITING
            _store().delete(CLAIM_PREFIX + follow_up.id)
        except StoreUnavailable as exc:
            # Written before the change, so not lost: the sweep checks the pool and delivers.
            log.error("follow-up %s: the store failed after its change: %s", follow_up.id, exc)
            self.outcome = WAITING

    def _drop(self) -> None:
        """The change did not happen: nothing follows it."""
        _store().delete(PREFIX + self.follow_up.id)
        _store().delete(CLAIM_PREFIX + self.follow_up.id)


def intend(planned: list[dict[str, Any]], check: dict[str, Any] | None = None) -> Intent:
    """Write a follow-up before its change (the store failing here stops the change: the
    person gets the 503 page before anything irreversible happens)."""
    now = _now()
    # Time first, so that the oldest are listed (and delivered) first.
    follow_up_id = f"{int(now * 1000):012x}{secrets.token_hex(6)}"
    follow_up = FollowUp(follow_up_id, planned, check, created=now)
    _store().add(CLAIM_PREFIX + follow_up.id, {}, CLAIM_SECONDS)
    follow_up.save()
    return Intent(follow_up)


def notify(planned: list[dict[str, Any]]) -> str:
    """Steps that follow no change in the pool (a notice about an attempt): written, then
    delivered now, or by the sweep when that fails for now. Returns the outcome."""
    with intend(planned) as intent:
        pass  # nothing to change: the follow-up is due at once
    return intent.outcome or WAITING


def run_due(limit: int | None = None) -> Counter[str]:
    """Settle every follow-up nobody holds: check the pool for those whose change's outcome is
    unknown, then deliver. Returns how many were delivered, dropped, failed, or still wait."""
    results: Counter[str] = Counter()
    for follow_up_id in pending_ids()[:limit]:
        if not _store().add(CLAIM_PREFIX + follow_up_id, {}, CLAIM_SECONDS):
            results[WAITING] += 1  # a request or another worker holds it now
            continue
        try:
            outcome = _settle_one(follow_up_id)
        finally:
            _store().delete(CLAIM_PREFIX + follow_up_id)
        if outcome:
            results[outcome] += 1
    return results


def _settle_one(follow_up_id: str) -> str | None:
    """One claimed follow-up: find out whether its change happened, then deliver it."""
    follow_up = load(follow_up_id)
    if follow_up is None:
        return None  # delivered meanwhile
    if follow_up.state == INTENDED:
        verdict = steps.happened(follow_up.check)
        if verdict is None:
            return WAITING
        if verdict is False:
            _store().delete(PREFIX + follow_up_id)
            log.info("follow-up %s dropped: its change did not happen", follow_up_id)
            return DROPPED
        follow_up.state = DUE
        follow_up.save()
    return deliver(follow_up)
