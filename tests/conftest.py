"""Fixtures shared by every layer: the app on a fresh data directory, its client, a fake clock."""

from __future__ import annotations

import os
import re
import time

import pytest
from flask.testing import FlaskClient

from app import create_app
from app.mail.outbox import Outbox


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI nothing may skip: a skipped test is reported as failed."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which is not allowed: {report.longrepr}"


class FakeClock:
    """A clock the local pool reads; tests move it forward to expire codes and tokens."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        """The current fake time."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    """A controllable clock for the local pool."""
    return FakeClock()


class BaseURLClient(FlaskClient):
    """Flask's test client, sending requests to the app's base URL (its scheme and host) as a
    browser would; a request may still pass its own ``base_url``."""

    def open(self, *args, **kwargs):
        """Default ``base_url`` to the app's GATEHOUSE_BASE_URL."""
        if not kwargs.get("base_url") and not (args and not isinstance(args[0], str)):
            kwargs["base_url"] = self.base_url
        return super().open(*args, **kwargs)

    @property
    def base_url(self) -> str:
        """Where this client sends requests: the app's base URL unless set otherwise."""
        return getattr(self, "_base_url", None) or (
            self.application.extensions["gatehouse.settings"].base_url
        )

    @base_url.setter
    def base_url(self, value: str) -> None:
        self._base_url = value


@pytest.fixture
def make_app(tmp_path, clock):
    """Build an app on its own data directory; keyword arguments become test config."""

    def build(**config):
        # A small response-time floor keeps the suite quick while still exercising it.
        base = {
            "data_dir": tmp_path / "data",
            "TESTING": True,
            "clock": clock,
            "min_response_ms": 80,
        }
        base.update(config)
        app = create_app(base)
        app.test_client_class = BaseURLClient
        return app

    return build


def cognito_settings(**settings) -> dict:
    """Test config for an app in cognito mode (it reaches no pool unless a test makes it)."""
    return {
        "mode": "cognito",
        "secret_key": "k" * 8 + "0123456789abcdefghijklmnopqrstuvwxyz",
        "base_url": "https://login.example.com",
        "user_pool_id": "us-east-1_abc",
        "client_id": "gatehouse",
        "pool_domain": "https://example.auth.us-east-1.amazoncognito.com",
        "mail_from": "no-reply@example.com",
        "magic_link_key": "m" * 8 + "0123456789abcdefghijklmnopqrstuvwxyz",
        **settings,
    }


@pytest.fixture
def app(make_app):
    """The app in local mode with the default seed."""
    return make_app()


@pytest.fixture
def client(app):
    """Flask's test client, at the app's base URL."""
    return app.test_client()


@pytest.fixture
def outbox(tmp_path) -> Outbox:
    """The outbox of the ``app`` fixture."""
    return Outbox(tmp_path / "data" / "outbox")


def code_in(text: str) -> str:
    """The 6-digit code in an email body."""
    match = re.search(r"\b(\d{6})\b", text)
    assert match, f"no code in {text!r}"
    return match.group(1)
