"""The equal-timing floor under gunicorn: people waiting it out hold no worker."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import requests

from .conftest import start
from .person import CSRF

ASKING = 24  # three times gunicorn's default of 8 threads for the gthread worker class
FLOOR = 0.4  # GATEHOUSE_MIN_RESPONSE_MS's default, in seconds


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A live server as `make run` starts it, with room in the rate limits for this crowd."""
    proc, live = start(
        tmp_path_factory.mktemp("floor"),
        GATEHOUSE_RATE_LIMIT_IP="1000 per minute",
        GATEHOUSE_RATE_LIMIT_ACCOUNT="1000 per minute",
    )
    yield live
    proc.terminate()
    proc.wait(timeout=10)


def ready_to_ask(url: str) -> tuple[requests.Session, str]:
    """A browser on the forgot-password page: its cookies and the form's CSRF token."""
    http = requests.Session()
    page = http.get(f"{url}/forgotPassword", timeout=10)
    return http, CSRF.search(page.text).group(1)


def test_a_crowd_waiting_out_the_floor_leaves_the_pages_quick(server):
    askers = [ready_to_ask(server.url) for _ in range(ASKING)]
    took: list[float] = []
    go = threading.Barrier(ASKING + 1)

    def ask(http: requests.Session, token: str, n: int) -> None:
        """Ask for a code for a known or an unknown address; keep the answer's time."""
        email = "demo@example.com" if n % 2 else f"nobody-{uuid.uuid4().hex[:8]}@example.com"
        go.wait()
        started = time.monotonic()
        answer = http.post(
            f"{server.url}/forgotPassword",
            data={"csrf_token": token, "email": email},
            allow_redirects=False,
            timeout=10,
        )
        assert answer.status_code == 303
        took.append(time.monotonic() - started)

    threads = [threading.Thread(target=ask, args=(*a, n)) for n, a in enumerate(askers)]
    for thread in threads:
        thread.start()
    go.wait()
    started = time.monotonic()
    time.sleep(FLOOR / 4)
    page_started = time.monotonic()
    assert requests.get(f"{server.url}/login", timeout=10).status_code == 200
    page_took = time.monotonic() - page_started
    for thread in threads:
        thread.join()
    crowd_took = time.monotonic() - started
    assert len(took) == ASKING
    # The floor holds for everyone, and nobody waits for another's floor: 8 threads would
    # answer 24 people in three turns (>= 1.2 s), and the page only after the first turn.
    assert min(took) >= FLOOR
    assert crowd_took < 2.5 * FLOOR, f"{ASKING} answers took {crowd_took:.2f} s"
    assert page_took < 0.6 * FLOOR, f"the sign-in page took {page_took:.2f} s"
