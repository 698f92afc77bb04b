"""Issue 9's acceptance in Chromium with JavaScript off: `PORT=<port> make run` on a port other
than 8000, a person at `http://127.0.0.1:<port>/demo`, then the same over HTTPS, served by
gunicorn and by a TLS proxy in front of it.

The server is started exactly as the README's command starts it (`make run`, with only `PORT`
set, so the base URL follows the port), apart from a data directory of its own; for HTTPS,
the README's "Running behind TLS" settings are added. Screenshots go to
test-artifacts/screenshots/.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import signal
import subprocess
import uuid
from pathlib import Path

import pytest

from app.mail.outbox import Outbox

from ..conftest import ROOT, free_port, wait_until_healthy
from .conftest import PASSWORD, arrive
from .proxy import TLSProxy

SHOTS = ROOT / "test-artifacts" / "screenshots"


class MadeRun:
    """A `make run` server: the public port (gunicorn's, or the TLS proxy's) and its outbox."""

    def __init__(self, mode: str, port: int, data_dir: Path) -> None:
        self.mode, self.data_dir = mode, data_dir
        scheme = "http" if mode == "http" else "https"
        self.base = f"{scheme}://localhost:{port}"
        self.by_address = f"{scheme}://127.0.0.1:{port}"


def other_port(*taken: int) -> int:
    """A free port other than the README's 8000 and ``taken``."""
    port = free_port()
    while port in (8000, *taken):
        port = free_port()
    return port


@pytest.fixture(scope="module", params=["http", "https", "https-proxy"])
def made_run(request, tmp_path_factory, tls):
    """`PORT=<free port> make run`; ``https`` adds gunicorn's certificate, ``https-proxy`` puts a
    TLS proxy in front (README "Running behind TLS"). Stopped afterwards."""
    # `make run` would reinstall a venv older than pyproject.toml under this very test run.
    stale = subprocess.run(["make", "-q", ".venv/.installed-stamp"], cwd=ROOT, timeout=30)
    assert stale.returncode == 0, ".venv is older than pyproject.toml: run `make test`"
    mode = request.param
    tmp = tmp_path_factory.mktemp(f"make-run-{mode}")
    port = other_port()
    public = port if mode != "https-proxy" else other_port(port)
    env = {key: value for key, value in os.environ.items() if not key.startswith("GATEHOUSE_")}
    env.update(PORT=str(port), GATEHOUSE_DATA_DIR=str(tmp / "data"))
    if mode == "https":
        env.update(tls.server_env(), GATEHOUSE_BASE_URL=f"https://localhost:{port}")
    elif mode == "https-proxy":
        env.update(GATEHOUSE_BASE_URL=f"https://localhost:{public}", GATEHOUSE_TRUSTED_PROXIES="1")
    log = tmp / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            ["make", "--no-print-directory", "run"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # make and gunicorn in a group of their own, stopped together
        )
    server = MadeRun(mode, public, tmp / "data")
    with contextlib.ExitStack() as stack:
        stack.callback(lambda: (os.killpg(proc.pid, signal.SIGTERM), proc.wait(timeout=15)))
        if mode == "https-proxy":
            stack.enter_context(TLSProxy(public, port, tls))
        wait_until_healthy(proc, server.base, log, tls if mode != "http" else None)
        yield server


@pytest.fixture
def person(chromium_tls):
    """A person's browser: a fresh context with JavaScript off (pages must work without it)."""
    context = chromium_tls.new_context(
        java_script_enabled=False, viewport={"width": 900, "height": 760}
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.console_lines = []
    yield page
    context.close()


def shot(page, name: str) -> None:
    """Save a full-page screenshot to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def emailed_link(made_run: MadeRun, to: str, path: str) -> str:
    """The link a person clicks in the newest email to ``to``: the HTML part's, which the text
    part must carry too."""
    mail = Outbox(made_run.data_dir / "outbox").messages(to)[-1]
    hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', mail.html)]
    links = [h for h in hrefs if f"{path}?" in h]
    assert links, f"no {path} link in the email: {hrefs}"
    assert links[0] in mail.text, "the text part carries another link"
    return links[0]


def open_the_demo(page, made_run: MadeRun) -> None:
    """Open the demo by address, as the README's URL says; the server sends it to its base URL."""
    page.goto(f"{made_run.by_address}/demo")
    assert page.url == f"{made_run.base}/demo", "not sent to the base URL's host"


def claims_on(page) -> dict:
    """The verified ID token claims the demo shows."""
    return json.loads(page.text_content("#claims"))


def test_sign_up_by_the_emailed_link_then_sign_in_with_the_password(made_run, person):
    page, email, name = person, f"walk-{uuid.uuid4().hex[:8]}@example.com", made_run.mode
    open_the_demo(page, made_run)
    shot(page, f"walk-{name}-1-demo")
    page.click("text=Sign in to “demo”")
    arrive(page, f"{made_run.base}/login**")
    page.click("text=Create an account")
    arrive(page, f"{made_run.base}/signup**")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    shot(page, f"walk-{name}-2-sign-up")
    page.click("button[type=submit]")
    arrive(page, f"{made_run.base}/confirm**")
    shot(page, f"walk-{name}-3-check-your-email")

    link = emailed_link(made_run, email, "/confirm")
    assert link.startswith(f"{made_run.base}/confirm?"), link
    page.goto(link)
    shot(page, f"walk-{name}-4-confirm")
    page.click("text=Confirm my email")
    arrive(page, f"{made_run.base}/login**")
    assert page.input_value("input[name=email]") == email
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    arrive(page, f"{made_run.base}/demo")
    shot(page, f"walk-{name}-5-claims")
    claims = claims_on(page)
    assert claims["email"] == email and claims["email_verified"] is True
    assert claims["aud"] == "demo" and claims["token_use"] == "id"
    assert claims["iss"].startswith(f"{made_run.base}/_localpool/")


def test_sign_in_with_the_simulated_google(made_run, person):
    page, email, name = person, f"walk-google-{uuid.uuid4().hex[:8]}@example.com", made_run.mode
    open_the_demo(page, made_run)
    page.click("text=Sign in to “demo”")
    arrive(page, f"{made_run.base}/login**")
    page.click("text=Continue with Google")
    arrive(page, f"{made_run.base}/_localpool/oauth2/authorize**")
    assert "(simulated)" in page.content()
    page.fill("input[name=email]", email)
    page.fill("input[name=name]", "Walking Person")
    shot(page, f"walk-{name}-6-simulated-google")
    page.click("button[value=continue]")
    arrive(page, f"{made_run.base}/demo")
    shot(page, f"walk-{name}-7-google-claims")
    claims = claims_on(page)
    assert claims["email"] == email and claims["aud"] == "demo"
    assert [i["providerName"] for i in claims["identities"]] == ["Google"]
