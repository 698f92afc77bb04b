"""The local pool's database runs what an operation sends only after its writes commit."""

from __future__ import annotations

import pytest

from app.localpool.db import Database
from app.localpool.errors import PoolError


@pytest.fixture
def db(tmp_path):
    """A fresh pool database."""
    database = Database(tmp_path / "pool.sqlite")
    yield database
    database.close()


def _groups(db: Database) -> list[str]:
    """The names in the groups table, as another reader sees them."""
    with db.reading() as conn:
        return [row["name"] for row in conn.execute("SELECT name FROM groups")]


def _add_group(conn, name: str) -> None:
    """One committed-or-not write."""
    conn.execute(
        "INSERT INTO groups (name, description, precedence, role_arn, created, modified)"
        " VALUES (?, '', NULL, NULL, 0, 0)",
        (name,),
    )


def test_actions_run_after_the_commit_and_see_its_writes(db):
    seen = []
    with db.transaction() as conn:
        _add_group(conn, "a")
        db.after_commit(lambda: seen.append(_groups(db)))
        with db.transaction():  # a trigger calling the pool joins the outer transaction
            db.after_commit(lambda: seen.append("nested"))
        assert seen == []
    assert seen == [["a"], "nested"]


def test_a_rollback_drops_them(db):
    seen = []
    with pytest.raises(RuntimeError), db.transaction() as conn:
        _add_group(conn, "b")
        db.after_commit(lambda: seen.append("sent"))
        raise RuntimeError("a fault")
    assert seen == [] and _groups(db) == []
    with db.transaction():  # and the next transaction does not inherit them
        pass
    assert seen == []


def test_an_answer_keeps_its_writes_and_its_email_and_is_the_answer(db):
    seen = []

    def failing_delivery():
        seen.append("tried")
        raise PoolError("CodeDeliveryFailureException", "Unable to deliver message.")

    with pytest.raises(PoolError) as raised, db.transaction() as conn:
        _add_group(conn, "c")
        db.after_commit(failing_delivery)
        raise PoolError("LimitExceededException", "Attempt limit exceeded")
    assert raised.value.code == "LimitExceededException"
    assert seen == ["tried"] and _groups(db) == ["c"]


def test_a_delivery_failure_after_a_commit_is_the_answer(db):
    def failing_delivery():
        raise PoolError("CodeDeliveryFailureException", "Unable to deliver message.")

    with pytest.raises(PoolError) as raised, db.transaction() as conn:
        _add_group(conn, "d")
        db.after_commit(failing_delivery)
    assert raised.value.code == "CodeDeliveryFailureException"
    assert _groups(db) == ["d"]  # what it wrote before stays, as Cognito's does


def test_outside_a_transaction_an_action_runs_at_once(db):
    seen = []
    db.after_commit(lambda: seen.append("now"))
    assert seen == ["now"]
