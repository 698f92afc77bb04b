"""/metrics through the pages: sign-ins, failures, sign-ups and magic links move the counters;
cognito mode serves them only with the bearer token; the audit stream names hashed ids."""

from __future__ import annotations

import json
import logging
import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.observability.audit import audit_id
from tests.conftest import cognito_settings

from .conftest import PASSWORD, Browser
from .test_magic_link import ask, code_of

TOKEN = "t" * 8 + "0123456789abcdefghijklmnopqrstuvwxyz"


def scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    """Every sample of a /metrics scrape, by name and labels."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for s in family.samples
    }


def value(samples, metric: str, /, **labels: str) -> float:
    """One sample (0 when absent)."""
    return samples.get((metric, tuple(sorted(labels.items()))), 0.0)


def test_sign_up_sign_in_and_a_failed_sign_in_move_the_counters(app, browser: Browser):
    before = scrape(app.test_client())
    email = browser.account()
    browser.sign_in(email)
    browser.sign_in(email, "Wr0ng-password")
    after = scrape(app.test_client())
    assert value(after, "gatehouse_signups_total") == value(before, "gatehouse_signups_total") + 1
    assert value(after, "gatehouse_signins_total", method="pwd") == 1
    assert value(after, "gatehouse_signin_failures_total", reason="invalid_credentials") == 1
    ok = {"operation": "InitiateAuth", "outcome": "ok"}
    assert value(after, "gatehouse_pool_calls_total", **ok) >= 1
    assert value(after, "gatehouse_pool_call_seconds_count", operation="SignUp") == 1


def test_a_magic_link_sent_and_used_is_counted(app, outbox):
    browser = Browser(app, outbox)
    email = browser.account()
    ask(browser, email)
    browser.open("/magic-link/sent?typing=1")
    browser.submit("/magic-link/sent", code=code_of(outbox, email))
    samples = scrape(app.test_client())
    assert value(samples, "gatehouse_magic_links_total", stage="sent") == 1
    assert value(samples, "gatehouse_magic_links_total", stage="used") == 1
    assert value(samples, "gatehouse_signins_total", method="otp") == 1


def test_a_throttled_pool_is_counted(make_app, outbox):
    app = make_app(
        aws_max_attempts=1,
        localpool={"throttle": {"UserAuthentication": 1}},
    )
    browser = Browser(app, outbox)
    email = browser.account()
    browser.sign_in(email)
    browser.sign_in(email)
    samples = scrape(app.test_client())
    assert value(samples, "gatehouse_pool_throttles_total", operation="InitiateAuth") >= 1


def test_a_sign_in_writes_an_audit_line_with_a_hashed_id_only(app, browser: Browser, caplog):
    email = browser.account()
    with caplog.at_level(logging.INFO, logger="gatehouse.audit"):
        browser.sign_in(email)
    lines = [r for r in caplog.records if r.name == "gatehouse.audit"]
    assert [r.event for r in lines] == ["sign-in"]
    pool = app.extensions["gatehouse.localpool"]
    with pool.db.transaction() as conn:
        sub = pool.find_user(conn, email)["sub"]
    assert lines[0].audit_id == audit_id(sub, app.config["SECRET_KEY"])
    assert email not in json.dumps(vars(lines[0]), default=str)
    assert lines[0].method == "pwd"


def cognito_app(make_app, **settings):
    """An app in cognito mode (it never reaches a pool on these requests)."""
    return make_app(**cognito_settings(**settings))


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (None, 401),
        ("Bearer wrong-token", 401),
        (f"Basic {TOKEN}", 401),
        (f"Bearer {TOKEN}", 200),
    ],
)
def test_cognito_mode_serves_metrics_only_with_the_token(make_app, authorization, status):
    client = cognito_app(make_app, metrics_token=TOKEN).test_client()
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == status
    assert ("gatehouse_signins_total" in response.get_data(as_text=True)) is (status == 200)


def test_cognito_mode_without_a_token_does_not_serve_metrics(make_app):
    client = cognito_app(make_app).test_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_a_short_metrics_token_stops_start_up(make_app):
    from app.config import ConfigError

    with pytest.raises(ConfigError, match="GATEHOUSE_METRICS_TOKEN"):
        cognito_app(make_app, metrics_token="short")


def audit_events(caplog) -> list[str]:
    """The audit stream's events so far."""
    return [r.event for r in caplog.records if r.name == "gatehouse.audit"]


def test_a_password_change_and_an_email_change_are_audited(app, outbox, caplog):
    from .test_email_change import start_change

    caplog.set_level(logging.INFO, logger="gatehouse.audit")
    browser, old = start_change(app, outbox, "audited@example.com")
    browser.open("/account/email/sent")
    code = re.search(r"code: (\d{6})", outbox.messages("audited@example.com")[-1].text).group(1)
    assert browser.submit("/account/email/sent", code=code).location == "/account"
    browser.open("/account/password")
    browser.submit("/account/password", current=PASSWORD, password="N3w-password!")
    assert audit_events(caplog) == ["sign-in", "email changed", "password changed"]
    ids = {r.audit_id for r in caplog.records if r.name == "gatehouse.audit"}
    assert len(ids) == 1  # one person, one id, across events
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "gatehouse.audit")
    assert old not in logged and "audited@example.com" not in logged


def test_a_two_step_sign_in_counts_its_challenge_and_its_wrong_code(app, browser: Browser):
    from .test_mfa_guessing import with_totp

    email, totp = with_totp(app, browser)
    browser.sign_in(email)
    browser.open("/login/challenge")
    browser.submit("/login/challenge", code="000000" if totp.now() != "000000" else "111111")
    assert browser.submit("/login/challenge", code=totp.now()).location == "/account"
    samples = scrape(app.test_client())
    assert value(samples, "gatehouse_challenges_total", name="SOFTWARE_TOKEN_MFA") == 1
    assert value(samples, "gatehouse_signin_failures_total", reason="code_mismatch") == 1
    assert value(samples, "gatehouse_signins_total", method="pwd mfa") == 1


def test_a_linked_social_sign_in_is_counted_by_provider_and_audited(app, outbox, caplog):
    from .test_social import continue_as

    caplog.set_level(logging.INFO, logger="gatehouse.audit")
    Browser(app, outbox).account("linked@example.com")
    fresh = Browser(app, outbox)
    fresh.open("/login")
    response = fresh.get(continue_as(fresh, "linked@example.com"))
    while response.status_code in (302, 303) and response.location != "/account":
        response = fresh.get(response.location)
    assert response.location == "/account"
    samples = scrape(app.test_client())
    assert value(samples, "gatehouse_social_signins_total", provider="Google") == 1
    assert value(samples, "gatehouse_signins_total", method="federated") == 1
    assert audit_events(caplog)[-2:] == ["account linked", "sign-in"]


def test_a_device_new_to_the_pool_is_audited(app, caplog):
    from app.signin import _observe_sign_in

    caplog.set_level(logging.INFO, logger="gatehouse.audit")
    with app.test_request_context("/login"):
        from flask import session

        session["user"] = {"sub": "sub-1", "methods": ["pwd"]}
        _observe_sign_in({"NewDeviceMetadata": {"DeviceKey": "k"}}, {})
        _observe_sign_in({}, {})
    assert audit_events(caplog) == ["sign-in", "new device", "sign-in"]
