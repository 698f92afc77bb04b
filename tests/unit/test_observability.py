"""The metrics module, the audit ids and the JSON log lines."""

from __future__ import annotations

import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.observability import audit, logs
from app.observability.metrics import Metrics
from app.userpool import errors

SECRET = "s" * 8 + "0123456789abcdefghijklmnopqrstuvwxyz"


def sample(metrics: Metrics, metric: str, /, **labels: str) -> float:
    """One sample's value as a scrape reads it (0 when absent)."""
    for family in text_string_to_metric_families(metrics.render().decode()):
        for found in family.samples:
            if found.name == metric and found.labels == labels:
                return found.value
    return 0.0


def test_people_counters_move_by_label():
    metrics = Metrics()
    metrics.signed_in(["pwd", "mfa"])
    metrics.signed_in(["federated"], provider="Google")
    metrics.signed_up()
    metrics.challenged("SOFTWARE_TOKEN_MFA")
    metrics.magic_link("sent")
    metrics.magic_link("used")
    assert sample(metrics, "gatehouse_signins_total", method="pwd mfa") == 1
    assert sample(metrics, "gatehouse_signins_total", method="federated") == 1
    assert sample(metrics, "gatehouse_social_signins_total", provider="Google") == 1
    assert sample(metrics, "gatehouse_signups_total") == 1
    assert sample(metrics, "gatehouse_challenges_total", name="SOFTWARE_TOKEN_MFA") == 1
    assert sample(metrics, "gatehouse_magic_links_total", stage="sent") == 1
    assert sample(metrics, "gatehouse_magic_links_total", stage="used") == 1


def test_each_app_counts_for_itself():
    one, other = Metrics(), Metrics()
    one.signed_up()
    assert sample(one, "gatehouse_signups_total") == 1
    assert sample(other, "gatehouse_signups_total") == 0


@pytest.mark.parametrize(
    ("operation", "params", "error", "failure"),
    [
        ("InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH"}, errors.InvalidCredentials(), True),
        ("RespondToAuthChallenge", {}, errors.CodeMismatch(), True),
        ("InitiateAuth", {"AuthFlow": "REFRESH_TOKEN_AUTH"}, errors.InvalidCredentials(), False),
        ("InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH"}, errors.Unavailable(), False),
        ("SignUp", {}, errors.AlreadyExists(), False),
    ],
)
def test_a_refused_sign_in_step_is_a_failure_by_reason(operation, params, error, failure):
    metrics = Metrics()
    metrics.pool_call(operation, params, error, 0.02)
    assert sample(metrics, "gatehouse_signin_failures_total", reason=error.key) == int(failure)
    outcome = type(error).__name__
    assert sample(metrics, "gatehouse_pool_calls_total", operation=operation, outcome=outcome) == 1


def test_pool_calls_are_timed_and_throttles_counted():
    metrics = Metrics()
    metrics.pool_call("GetUser", {}, None, 0.03)
    metrics.pool_call("InitiateAuth", {}, errors.Throttled("TooManyRequestsException"), 0.001)
    assert sample(metrics, "gatehouse_pool_calls_total", operation="GetUser", outcome="ok") == 1
    assert sample(metrics, "gatehouse_pool_call_seconds_count", operation="GetUser") == 1
    assert sample(metrics, "gatehouse_pool_call_seconds_sum", operation="GetUser") == 0.03
    assert (
        sample(metrics, "gatehouse_pool_call_seconds_bucket", operation="GetUser", le="0.025") == 0
    )
    assert sample(metrics, "gatehouse_pool_call_seconds_bucket", operation="GetUser", le="0.05")
    assert sample(metrics, "gatehouse_pool_throttles_total", operation="InitiateAuth") == 1
    # A throttle is the pool's doing, not a refused sign-in.
    assert sample(metrics, "gatehouse_signin_failures_total", reason="throttled") == 0


def test_admission_waits_by_category_and_outcome():
    metrics = Metrics()
    metrics.admission_wait("UserAuthentication", 0.4, "admitted")
    metrics.admission_wait("UserAuthentication", 8.0, "queued")
    labels = {"category": "UserAuthentication"}
    assert sample(metrics, "gatehouse_admission_wait_seconds_count", **labels) == 2
    assert sample(metrics, "gatehouse_admission_wait_seconds_sum", **labels) == 8.4
    assert sample(metrics, "gatehouse_admissions_total", outcome="queued", **labels) == 1
    with pytest.raises(ValueError):
        metrics.admission_wait("UserAuthentication", 1.0, "maybe")


def test_multiprocess_mode_adds_up_the_workers_files(tmp_path, monkeypatch):
    # The value class is chosen when prometheus_client is imported: a fresh interpreter.
    import subprocess
    import sys

    script = (
        "from app.observability.metrics import Metrics\n"
        "m = Metrics(); m.signed_up(); m.signed_up()\n"
        "print(m.render().decode())\n"
    )
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert "gatehouse_signups_total 2.0" in done.stdout
    assert list(tmp_path.glob("counter_*.db"))


def test_audit_ids_are_keyed_by_the_secret_and_stable():
    first = audit.audit_id("sub-1", SECRET)
    assert first == audit.audit_id("sub-1", SECRET)
    assert first != audit.audit_id("sub-2", SECRET)
    assert first != audit.audit_id("sub-1", SECRET[::-1])
    assert "sub-1" not in first and len(first) == 32
    # Not the plain hash of the sub, and not keyed by the secret itself.
    import hashlib
    import hmac

    assert first not in hashlib.sha256(b"sub-1").hexdigest()
    assert first != hmac.new(SECRET.encode(), b"sub-1", hashlib.sha256).hexdigest()[:32]


def test_an_audit_line_is_json_with_the_hashed_id_only(caplog):
    record_lines = []

    class Keep(logging.Handler):
        def emit(self, record):
            record_lines.append(self.format(record))

    handler = Keep()
    handler.setFormatter(logs.json_formatter())
    logging.getLogger("gatehouse.audit").addHandler(handler)
    try:
        caplog.set_level(logging.INFO, logger="gatehouse.audit")
        audit.write("sign-in", audit.audit_id("sub-9", SECRET), method="pwd")
    finally:
        logging.getLogger("gatehouse.audit").removeHandler(handler)
    line = json.loads(record_lines[-1])
    assert line["event"] == "sign-in" and line["method"] == "pwd"
    assert line["audit_id"] == audit.audit_id("sub-9", SECRET)
    assert line["logger"] == "gatehouse.audit" and "sub-9" not in record_lines[-1]


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("abcdef12-3456", True),
        ("short", False),
        ('bad"id with <spaces>', False),
        ("x" * 200, False),
    ],
)
def test_a_sane_incoming_request_id_is_kept(client, given, kept):
    response = client.get("/healthz", headers={"X-Request-Id": given})
    returned = response.headers["X-Request-Id"]
    assert (returned == given) is kept and logs.SANE_ID.match(returned)
