"""Expired records are purged as the process runs (issue 10, "Nothing is ever purged")."""

from __future__ import annotations

from app.web.housekeeping import Housekeeping


def test_expired_records_are_purged_after_requests(app, client, clock):
    store = app.extensions["gatehouse.store"]
    store.put("authcode:old", {}, 60)
    store.put("authcode:live", {}, 3600)
    clock.advance(120)
    # buffered: the test client then closes the response, as a WSGI server does once it is sent
    client.get("/healthz", buffered=True)  # not due: the first purge is one period after start
    assert store._conn.execute("SELECT COUNT(*) FROM records").fetchone()[0] == 2
    clock.advance(300)
    client.get("/healthz", buffered=True)
    keys = [row[0] for row in store._conn.execute("SELECT key FROM records").fetchall()]
    assert "authcode:old" not in keys and "authcode:live" in keys


def test_a_failing_task_is_logged_and_the_others_still_run(caplog):
    now = [0.0]
    keeping = Housekeeping(lambda: now[0])
    ran = []

    def broken():
        raise RuntimeError("disk")

    keeping.add("broken", broken, 10)
    keeping.add("fine", lambda: ran.append(1), 10)
    assert keeping.run_due() == []
    now[0] = 11
    assert keeping.run_due() == ["broken", "fine"] and ran == [1]
    assert "housekeeping task broken failed" in caplog.text
    assert keeping.run_due() == []  # next due in another 10 s


def test_the_local_pool_is_purged_too(app, client, clock):
    pool = app.extensions["gatehouse.localpool"]
    with pool.db.transaction() as conn:
        conn.execute("INSERT INTO domain_records VALUES ('old', 'code', '{}', ?)", (clock() + 60,))
    clock.advance(400)
    client.get("/healthz", buffered=True)
    with pool.db.transaction() as conn:
        assert conn.execute("SELECT COUNT(*) FROM domain_records").fetchone()[0] == 0
