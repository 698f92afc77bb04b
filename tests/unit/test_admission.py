"""Admission control: turns in a quota's budget, in process and in Redis, and the gateway's use
of them (a call waits for its turn or is refused with the wait; a throttled prepaid call is
retried inside the budget)."""

from __future__ import annotations

import pytest

from app.localpool.operations import OPERATIONS as LOCAL_OPERATIONS
from app.userpool import gateway
from app.userpool.admission import Admission, MemorySchedule, RedisSchedule
from app.userpool.errors import Throttled
from app.userpool.quotas import CATEGORY, DEFAULT_RPS, category_of, env_name
from tests.redis_server import redis_url  # noqa: F401 - the fixture


class Clock:
    """A clock that moves only when told to (and when something sleeps on it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_every_gateway_operation_has_the_quota_category_the_local_pool_counts_it_in():
    assert set(gateway.OPERATIONS) <= set(CATEGORY)
    for name in gateway.OPERATIONS:
        assert category_of(name) == LOCAL_OPERATIONS[name].category, name
    assert set(CATEGORY.values()) <= set(DEFAULT_RPS)


def test_quota_environment_names():
    assert env_name("UserAuthentication") == "GATEHOUSE_POOL_QUOTA_USER_AUTHENTICATION"
    assert env_name("UserPoolClientRead") == "GATEHOUSE_POOL_QUOTA_USER_POOL_CLIENT_READ"


def test_turns_are_spaced_by_the_rate_and_refused_beyond_the_horizon():
    clock = Clock()
    schedule = MemorySchedule(clock)
    assert schedule.reserve("c", 0.5, horizon=2).delay == 0
    assert schedule.reserve("c", 0.5, horizon=2).delay == pytest.approx(0.5)
    assert schedule.reserve("c", 1.5, horizon=2).delay == pytest.approx(1.0)
    refused = schedule.reserve("c", 0.5, horizon=2)
    assert not refused.granted and refused.delay == pytest.approx(2.5)
    # A refused reservation takes nothing: the next one sees the same wait.
    assert schedule.reserve("c", 0.5, horizon=3).delay == pytest.approx(2.5)
    clock.now += 10  # an idle budget does not save up a burst
    assert schedule.reserve("c", 0.5, horizon=0).delay == 0
    assert not schedule.reserve("c", 0.5, horizon=0.1).granted


def test_a_refund_gives_the_unused_turn_to_the_next_arrival():
    clock = Clock()
    schedule = MemorySchedule(clock)
    schedule.reserve("c", 3.0, horizon=5)
    schedule.refund("c", 2.0)
    assert schedule.reserve("c", 1.0, horizon=5).delay == pytest.approx(1.0)
    schedule.refund("c", 100.0)  # never before now
    assert schedule.reserve("c", 1.0, horizon=5).delay == 0


def _admission(clock: Clock, rate: float = 2.0, wait: float = 1.0) -> Admission:
    """An admission of one category (UserAuthentication) on the fake clock."""
    return Admission(
        {"UserAuthentication": rate, "UserRead": 0},
        MemorySchedule(clock),
        wait_seconds=wait,
        sleep=clock.sleep,
        clock=clock,
    )


def test_a_call_waits_for_its_turn_and_past_the_bound_is_told_when_to_come_back():
    clock = Clock()
    admission = _admission(clock)
    admission.admit("InitiateAuth")
    admission.admit("InitiateAuth")  # half a second later
    assert clock.slept == [pytest.approx(0.5)]
    admission.reserve("UserAuthentication", 10, horizon=100)  # five seconds of turns taken
    with pytest.raises(Throttled) as refused:
        admission.admit("RespondToAuthChallenge")
    # The turn is 5.5 s away and a call waits 1 s: the page says to come back in 5 s.
    assert refused.value.retry_after == 5
    admission.admit("GetUser")  # a category without a rate is not limited
    assert len(clock.slept) == 1


def test_prepaid_calls_take_no_new_turn_and_what_is_left_is_given_back():
    clock = Clock()
    admission = _admission(clock)
    admission.reserve("UserAuthentication", 3, horizon=10)
    with admission.prepaid("UserAuthentication", 3):
        admission.admit("InitiateAuth")  # used one of three
    assert clock.slept == []
    # Two unused units (one second) were given back: the next turn is half a second away.
    assert admission.reserve("UserAuthentication", 1, horizon=10).delay == pytest.approx(0.5)


def test_a_retry_of_a_prepaid_call_is_charged_to_the_budget_without_waiting():
    clock = Clock()
    admission = _admission(clock)
    admission.reserve("UserAuthentication", 1, horizon=10)
    with admission.prepaid("UserAuthentication", 1):
        admission.admit("InitiateAuth")
        admission.admit("InitiateAuth", retry=True)
    # No wait in line: only the pause that lets the pool's second pass.
    assert len(clock.slept) == 1 and 0.5 <= clock.slept[0] <= 1.0
    # The retry moved later turns on by one unit (half a second).
    turn = admission.reserve("UserAuthentication", 1, horizon=10)
    assert clock.now + turn.delay == pytest.approx(1000.0 + 1.0)


class Throttling:
    """A boto3-like client whose InitiateAuth is throttled ``times`` times, then answers."""

    def __init__(self, times: int) -> None:
        import boto3

        real = boto3.client("cognito-idp", region_name="us-east-1")
        self.meta = real.meta
        self.times = times
        self.calls = 0

    def initiate_auth(self, **_):
        from botocore.exceptions import ClientError

        self.calls += 1
        if self.calls <= self.times:
            raise ClientError(
                {"Error": {"Code": "TooManyRequestsException", "Message": "slow down"}},
                "InitiateAuth",
            )
        return {"AuthenticationResult": {}}


def test_the_gateway_takes_a_turn_for_every_attempt_so_a_throttle_is_retried_inside_the_budget(
    monkeypatch,
):
    monkeypatch.setattr(gateway.random, "uniform", lambda low, high: 0.0)  # no backoff jitter
    clock = Clock()
    admission = _admission(clock, rate=2.0, wait=5.0)
    client = Throttling(times=2)
    pool = gateway.UserPool(
        client, pool_id="p", client_id="c", max_attempts=3, sleep=clock.sleep, admission=admission
    )
    pool.call("InitiateAuth", AuthFlow="USER_PASSWORD_AUTH", AuthParameters={})
    assert client.calls == 3
    # Three turns were taken, half a second apart: the next one is 1.5 s after the first.
    turn = admission.reserve("UserAuthentication", 1, horizon=10)
    assert clock.now + turn.delay == pytest.approx(1000.0 + 1.5)


def test_the_redis_schedule_is_the_same_schedule_shared(redis_url):  # noqa: F811
    first, second = RedisSchedule(redis_url), RedisSchedule(redis_url)
    assert first.reserve("shared", 1.0, horizon=5).delay == pytest.approx(0, abs=0.05)
    assert second.reserve("shared", 1.0, horizon=5).delay == pytest.approx(1.0, abs=0.05)
    refused = first.reserve("shared", 1.0, horizon=1.5)
    assert not refused.granted and refused.delay == pytest.approx(2.0, abs=0.05)
    second.refund("shared", 1.0)
    assert first.reserve("shared", 1.0, horizon=5).delay == pytest.approx(1.0, abs=0.05)
    second.charge("shared", 1.0)
    assert first.reserve("shared", 0.0, horizon=5).delay == pytest.approx(3.0, abs=0.05)


def test_a_prepaid_call_outlasts_a_few_more_throttles_than_a_call_that_did_not_wait(monkeypatch):
    monkeypatch.setattr(gateway.random, "uniform", lambda low, high: 0.0)
    clock = Clock()
    admission = _admission(clock, rate=2.0, wait=5.0)
    client = Throttling(times=4)
    pool = gateway.UserPool(
        client, pool_id="p", client_id="c", max_attempts=3, sleep=clock.sleep, admission=admission
    )
    with pytest.raises(Throttled):
        pool.call("InitiateAuth", AuthFlow="USER_PASSWORD_AUTH", AuthParameters={})
    assert client.calls == 3
    client.calls = 0
    admission.reserve("UserAuthentication", 1, horizon=100)
    with admission.prepaid("UserAuthentication", 1):
        pool.call("InitiateAuth", AuthFlow="USER_PASSWORD_AUTH", AuthParameters={})
    assert client.calls == 5


def test_prepaid_calls_each_wait_for_their_own_slot_so_they_never_bunch_up():
    clock = Clock()
    admission = _admission(clock, rate=4.0)
    turn = admission.reserve("UserAuthentication", 3, horizon=10)
    sent = []
    with admission.prepaid("UserAuthentication", 3, at=clock.now + turn.delay + 2.0):
        for _ in range(3):
            admission.admit("InitiateAuth")
            sent.append(clock.now)
    assert sent == [pytest.approx(1002.0), pytest.approx(1002.25), pytest.approx(1002.5)]


def test_the_gate_lets_through_the_budgets_rate_in_any_window_however_late_calls_run():
    from app.userpool.admission import MemoryGate

    clock = Clock()
    gate = MemoryGate(clock)
    # 5.7 calls/s budgeted: 6 calls per 6 / 5.7 s window.
    window = 6 / 5.7
    assert [gate.pass_("c", 6, window) for _ in range(6)] == [0.0] * 6
    assert gate.pass_("c", 6, window) == pytest.approx(window)
    clock.now += window  # the first six leave the window together
    assert gate.pass_("c", 6, window) == 0.0


def test_a_call_waits_at_the_gate_until_the_window_has_room():
    from app.userpool.admission import MemoryGate

    clock = Clock()
    admission = Admission(
        {"UserAuthentication": 2.0},
        MemorySchedule(clock),
        sleep=clock.sleep,
        clock=clock,
        gate=MemoryGate(clock),
    )
    # Two calls prepaid for the same moment (a sign-in running late): the gate spaces them.
    with admission.prepaid("UserAuthentication", 3, at=clock.now - 5):
        admission.admit("InitiateAuth")
        admission.admit("InitiateAuth")
        admission.admit("InitiateAuth")
    assert clock.slept == [pytest.approx(1.0)]


def test_the_redis_gate_is_one_window_for_every_process(redis_url):  # noqa: F811
    from app.userpool.admission import RedisGate

    first, second = RedisGate(redis_url), RedisGate(redis_url)
    assert first.pass_("shared", 2, 1.0) == 0.0
    assert second.pass_("shared", 2, 1.0) == 0.0
    assert 0.9 <= first.pass_("shared", 2, 1.0) <= 1.0
