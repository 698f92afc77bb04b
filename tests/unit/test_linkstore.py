"""The link store's conditional writes, against SQLite and DynamoDB (moto models conditions)."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from app.magic_link.records import DynamoLinkStore, LinkRecord, SQLiteLinkStore


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request, tmp_path, monkeypatch):
    if request.param == "sqlite":
        yield SQLiteLinkStore(tmp_path / "links.sqlite3")
        return
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
        table = dynamodb.create_table(
            TableName="gatehouse-links",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "sub", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "sub", "AttributeType": "S"}],
        )
        yield DynamoLinkStore(table)


def record(link_id: str, issued: int = 1000) -> LinkRecord:
    return LinkRecord("user-1", link_id, "hash", "demo", issued, issued + 900)


def test_one_record_per_user_with_a_minimum_interval(store):
    assert store.replace(record("a", 1000), 60, now=1000) is True
    assert store.replace(record("b", 1030), 60, now=1030) is False
    assert store.get("user-1").link_id == "a"
    assert store.replace(record("c", 1060), 60, now=1060) is True
    assert store.get("user-1").link_id == "c"


def test_use_is_single_and_only_for_the_live_link(store):
    store.replace(record("a"), 60, now=1000)
    assert store.use("user-1", "other", now=1001, max_failures=3) is False
    assert store.use("user-1", "a", now=1001, max_failures=3) is True
    assert store.use("user-1", "a", now=1002, max_failures=3) is False
    assert store.get("user-1").used is True


def test_use_refuses_an_expired_link(store):
    store.replace(record("a"), 60, now=1000)
    assert store.use("user-1", "a", now=1900, max_failures=3) is False


def test_a_new_link_starts_fresh(store):
    store.replace(record("a"), 60, now=1000)
    store.fail("user-1", "a")
    store.use("user-1", "a", now=1001, max_failures=3)
    store.replace(record("b", 1100), 60, now=1100)
    fresh = store.get("user-1")
    assert (fresh.link_id, fresh.used, fresh.failures) == ("b", False, 0)


def test_failures_count_only_for_the_live_link(store):
    store.replace(record("a"), 60, now=1000)
    assert store.fail("user-1", "a") == 1
    assert store.fail("user-1", "a") == 2
    assert store.fail("user-1", "old") == 0
    assert store.get("user-1").failures == 2


def test_use_refuses_a_link_whose_code_failed_too_often(store):
    store.replace(record("a"), 60, now=1000)
    for _ in range(2):
        store.fail("user-1", "a")
    assert store.use("user-1", "a", now=1001, max_failures=3) is True
    store.replace(record("b", 1100), 60, now=1100)
    for _ in range(3):
        store.fail("user-1", "b")
    assert store.use("user-1", "b", now=1101, max_failures=3) is False
    assert store.get("user-1").used is False


def test_unknown_user(store):
    assert store.get("nobody") is None
    assert store.use("nobody", "a", now=1, max_failures=3) is False


def test_a_single_use_id_is_spent_once(store):
    assert store.spend("proof-1", 2000) is True
    assert store.spend("proof-1", 2000) is False
    assert store.spend("proof-2", 2000) is True
    assert store.get("user-1") is None  # spent ids are not users' link records
