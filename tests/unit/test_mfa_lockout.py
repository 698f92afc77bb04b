"""The per-account allowance of wrong authenticator-app codes, on SQLite and a real redis-server."""

from __future__ import annotations

import threading
import uuid

import pytest

from app import mfa_lockout
from app.store import RedisStore, SQLiteStore
from tests.redis_server import redis_url  # noqa: F401 - the fixture


@pytest.fixture(params=["sqlite", "redis"])
def store(request, tmp_path, clock):
    if request.param == "sqlite":
        return SQLiteStore(tmp_path / "store.sqlite3", clock=clock)
    return RedisStore(request.getfixturevalue("redis_url"), prefix=f"test-{uuid.uuid4().hex}:")


def test_answers_sent_at_once_cannot_pass_the_limit_together(store, clock):
    taken: list[str | None] = []
    lock = threading.Lock()

    def answer() -> None:
        slot = mfa_lockout.take_slot(store, "Person@Example.com", clock.now)
        with lock:
            taken.append(slot)

    threads = [threading.Thread(target=answer) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(taken) == 20
    assert len({s for s in taken if s}) == mfa_lockout.MAX_WRONG
    # The same account, typed another way; another account is unaffected.
    assert mfa_lockout.take_slot(store, "person@example.com", clock.now) is None
    assert mfa_lockout.take_slot(store, "other@example.com", clock.now) is not None


def test_a_slot_given_back_is_free_again_and_the_pause_is_reported(store, clock):
    slots = [mfa_lockout.take_slot(store, "person", clock.now + n) for n in range(5)]
    assert mfa_lockout.take_slot(store, "person", clock.now) is None
    assert mfa_lockout.seconds_paused(store, "person", clock.now) == mfa_lockout.WINDOW_SECONDS
    mfa_lockout.give_back(store, slots[2])
    assert mfa_lockout.take_slot(store, "person", clock.now) == slots[2]
    assert all("person" not in slot for slot in slots)  # the store holds a hash, not the name
