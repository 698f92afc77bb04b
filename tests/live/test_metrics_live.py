"""/metrics under real gunicorn with two workers: the counters of every worker add up, and the
server's log lines are JSON that carry the request id and no email."""

from __future__ import annotations

import json
import re

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from .conftest import SEED, start

EMAIL = "metrics-live@example.com"
PASSWORD = "Corr3ct-horse"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Two gunicorn workers on one data directory, with one confirmed user."""
    tmp = tmp_path_factory.mktemp("metrics")
    seed = SEED.read_text() + f'\n[[users]]\nemail = "{EMAIL}"\npassword = "{PASSWORD}"\n'
    proc, live = start(tmp, seed, WEB_CONCURRENCY="2", GUNICORN_THREADS="2")
    yield live
    proc.terminate()
    proc.wait(timeout=10)


def counter(url: str, name: str, **labels: str) -> float:
    """One sample of a scrape (0 when absent)."""
    text = requests.get(f"{url}/metrics", timeout=5).text
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return found.value
    return 0.0


def sign_in(url: str, password: str) -> requests.Response:
    """The sign-in form, as a browser without JavaScript submits it."""
    browser = requests.Session()
    page = browser.get(f"{url}/login", timeout=5)
    token = CSRF.search(page.text).group(1)
    return browser.post(
        f"{url}/login",
        data={"csrf_token": token, "email": EMAIL, "password": password},
        allow_redirects=False,
        timeout=10,
    )


def test_counters_move_across_workers_on_a_sign_in(server):
    pwd = {"method": "pwd"}
    before = counter(server.url, "gatehouse_signins_total", **pwd)
    assert sign_in(server.url, PASSWORD).status_code == 303
    assert sign_in(server.url, "Wr0ng-password").status_code == 200
    # Each scrape may reach either worker: each one sees both workers' counts.
    for _ in range(6):
        assert counter(server.url, "gatehouse_signins_total", **pwd) == before + 1
        failed = {"reason": "invalid_credentials"}
        assert counter(server.url, "gatehouse_signin_failures_total", **failed) == 1
    ok = {"operation": "InitiateAuth", "outcome": "ok"}
    assert counter(server.url, "gatehouse_pool_calls_total", **ok) >= 1
    assert list((server.data_dir / "metrics").glob("counter_*.db"))


def test_log_lines_are_json_with_the_request_id_and_no_email(server):
    response = requests.get(f"{server.url}/healthz", headers={"X-Request-Id": "live-1234abcd"})
    assert response.headers["X-Request-Id"] == "live-1234abcd"
    sign_in(server.url, "Wr0ng-password")
    lines = [line for line in server.log.read_text().splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in lines]
    access = [r for r in records if r.get("logger") == "gunicorn.access"]
    assert any(r["request_id"] == "live-1234abcd" and r["path"] == "/healthz" for r in access)
    assert all("127.0.0.1" not in json.dumps(r) for r in access)
    assert EMAIL not in server.log.read_text()
