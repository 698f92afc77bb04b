"""The store's contract, run against SQLite and against a real redis-server."""

from __future__ import annotations

import threading
import uuid

import pytest

from app.store import RedisStore, SQLiteStore
from tests.redis_server import redis_url  # noqa: F401 - the fixture


@pytest.fixture(params=["sqlite", "redis"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return SQLiteStore(tmp_path / "store.sqlite3")
    return RedisStore(request.getfixturevalue("redis_url"), prefix=f"test-{uuid.uuid4().hex}:")


def test_put_get_delete(store):
    store.put("a", {"n": 1}, 60)
    assert store.get("a") == {"n": 1}
    store.put("a", {"n": 2}, 60)
    assert store.get("a") == {"n": 2}
    store.delete("a")
    assert store.get("a") is None


def test_take_is_single_use(store):
    store.put("code", {"v": "x"}, 60)
    assert store.take("code") == {"v": "x"}
    assert store.take("code") is None and store.get("code") is None


def test_add_only_when_absent(store):
    assert store.add("nonce", {"v": 1}, 60) is True
    assert store.add("nonce", {"v": 2}, 60) is False
    assert store.get("nonce") == {"v": 1}


def test_replace_only_when_present(store):
    assert store.replace("session", {"v": 1}, 60) is False
    assert store.get("session") is None  # nothing written where nothing was
    store.put("session", {"v": 1}, 60)
    assert store.replace("session", {"v": 2}, 60) is True
    assert store.get("session") == {"v": 2}
    store.delete("session")
    assert store.replace("session", {"v": 3}, 60) is False and store.get("session") is None


def test_records_expire(store):
    store.put("short", {"v": 1}, 1)
    assert store.get("short") == {"v": 1}
    import time

    time.sleep(1.1)
    assert store.get("short") is None and store.take("short") is None
    assert store.replace("short", {"v": 3}, 60) is False  # an expired record is not revived
    assert store.add("short", {"v": 2}, 60) is True


def test_take_under_contention_has_one_winner(store):
    store.put("race", {"v": 1}, 60)
    winners = []

    def grab():
        if store.take("race") is not None:
            winners.append(1)

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert winners == [1]


def test_sessions_and_codes_work_with_redis(make_app, outbox, redis_url):  # noqa: F811
    from tests.flows.conftest import Browser

    app = make_app(redis_url=redis_url)
    assert isinstance(app.extensions["gatehouse.store"], RedisStore)
    browser = Browser(app, outbox)
    email = browser.account()
    assert browser.sign_in(email).location == "/account"
    assert email in browser.open("/account").get_data(as_text=True)


def test_keys_by_prefix(store):
    store.put("follow:a*1", {}, 60)
    store.put("follow:b", {}, 60)
    store.put("followup", {}, 60)
    store.put("other:follow:c", {}, 60)
    assert store.keys("follow:") == ["follow:a*1", "follow:b"]
    assert store.keys("follow:a*") == ["follow:a*1"]  # the prefix is literal, not a pattern
    store.delete("follow:b")
    assert store.keys("follow:") == ["follow:a*1"]


def test_ping_answers_when_the_store_works(store):
    store.ping()


def test_purge_removes_only_expired_records(tmp_path):
    now = [1000.0]
    store = SQLiteStore(tmp_path / "s.sqlite3", clock=lambda: now[0])
    store.put("old", {}, 10)
    store.put("live", {}, 100)
    now[0] += 50
    assert store.purge() == 1
    assert store.get("live") == {} and store.keys("") == ["live"]


def test_a_broken_store_raises_store_unavailable(tmp_path):
    from app.store import StoreUnavailable

    broken = [
        RedisStore("redis://127.0.0.1:1/0"),  # nothing listens on port 1
        SQLiteStore(tmp_path / "gone.sqlite3"),
    ]
    broken[1]._conn.close()
    calls = [
        ("put", ("k", {}, 1)),
        ("get", ("k",)),
        ("take", ("k",)),
        ("add", ("k", {}, 1)),
        ("keys", ("k",)),
        ("ping", ()),
    ]
    for store in broken:
        for name, args in calls:
            with pytest.raises(StoreUnavailable):
                getattr(store, name)(*args)
