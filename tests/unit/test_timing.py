"""``padded()`` makes a block last the configured floor, measured on a fake monotonic clock."""

from __future__ import annotations

import pytest

from app.web import timing


class FakeTime:
    """``time.monotonic`` and ``time.sleep`` on a clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time(monkeypatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(timing, "time", fake)
    return fake


@pytest.mark.parametrize(("work", "sleep"), [(0.0, 0.4), (0.1, 0.3), (0.399, 0.001)])
def test_a_quick_block_is_padded_exactly_to_the_floor(make_app, fake_time, work, sleep):
    app = make_app(min_response_ms=400)
    with app.app_context():
        started = fake_time.now
        with timing.padded():
            fake_time.now += work
    assert fake_time.slept == [pytest.approx(sleep)]
    assert fake_time.now - started == pytest.approx(0.4)


def test_a_block_longer_than_the_floor_is_not_slowed(make_app, fake_time):
    app = make_app(min_response_ms=400)
    with app.app_context():
        with timing.padded():
            fake_time.now += 0.5
    assert fake_time.slept == []


def test_a_block_that_raises_is_padded_too(make_app, fake_time):
    app = make_app(min_response_ms=400)
    with app.app_context():
        with pytest.raises(LookupError):
            with timing.padded():
                fake_time.now += 0.1
                raise LookupError("a refusal that escapes the block")
    assert fake_time.slept == [pytest.approx(0.3)]
