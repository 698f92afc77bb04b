"""A live Gatehouse, started as `make run` starts it (gunicorn, local mode), on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Debian's Chromium, headless, with nothing that would reach the closed network.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SEED = ROOT / "app" / "localpool" / "seed.toml"


@dataclass
class LiveServer:
    """A running server's base URL and data directory."""

    url: str
    data_dir: Path
    log: Path


def local_idp(server: LiveServer, verify: str | None = None):
    """A plain boto3 cognito-idp client for the live server's local pool (no retries);
    ``verify`` is the CA file of a server on HTTPS."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "cognito-idp",
        region_name="us-east-1",
        endpoint_url=f"{server.url}/_localpool",
        aws_access_key_id="any",
        aws_secret_access_key="any",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
        verify=verify,
    )


def pycognito_user(server: LiveServer, email: str, pool_id: str = "us-east-1_gatehouse"):
    """pycognito's Cognito for the demo client and a user, its endpoint the live server's
    local pool (no retries; pycognito checks tokens against the pool's JWKS at
    ``<endpoint>/<pool id>/.well-known/jwks.json``)."""
    from botocore.config import Config
    from pycognito import Cognito

    return Cognito(
        pool_id,
        "demo",
        username=email,
        botocore_config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
        boto3_client_kwargs={
            "endpoint_url": f"{server.url}/_localpool",
            "aws_access_key_id": "any",
            "aws_secret_access_key": "any",
        },
    )


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(
    tmp: Path,
    seed_text: str | None = None,
    *,
    tls=None,
    host: str = "127.0.0.1",
    wsgi: str = "wsgi:app",
    **env: str,
) -> tuple[subprocess.Popen, LiveServer]:
    """Start gunicorn on a free port; waits (at most 30 s) until /healthz answers.

    ``seed_text`` replaces the default seed; ``{base}`` in its URLs is the server's URL.
    With ``tls`` (tests/live/realclients/tls.py) gunicorn serves HTTPS with its certificate.
    ``wsgi`` is the app gunicorn serves (``tests.live.shifted_clock:app``: a clock tests move).
    ``env`` adds environment variables (``WEB_CONCURRENCY="2"``, say).
    """
    port = free_port()
    url = f"{'https' if tls else 'http'}://{host}:{port}"
    seed = SEED
    if seed_text is not None:
        seed = tmp / "seed.toml"
        seed.write_text(seed_text)
    environ = dict(
        os.environ,
        PORT=str(port),
        HOST="127.0.0.1",
        GATEHOUSE_DATA_DIR=str(tmp / "data"),
        GATEHOUSE_LOCALPOOL_SEED=str(seed),
        GATEHOUSE_BASE_URL=url,
        **(tls.server_env() if tls else {}),
        **env,
    )
    log = open(tmp / "server.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", wsgi],
        cwd=ROOT,
        env=environ,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_until_healthy(proc, url, tmp / "server.log", tls)
    return proc, LiveServer(url, tmp / "data", tmp / "server.log")


def wait_until_healthy(proc: subprocess.Popen, url: str, log: Path, tls=None) -> None:
    """Wait (at most 30 s) until ``url``/healthz answers; kill the server if it never does."""
    context = ssl.create_default_context(cafile=tls.ca) if tls else None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text())
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1, context=context):
                return
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start in 30 s")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """One live server per test module, with the default seed plus a recovery throttle."""
    tmp = tmp_path_factory.mktemp("live")
    seed = SEED.read_text().replace("[pool.throttle]", "[pool.throttle]\nUserAccountRecovery = 2")
    proc, server = start(tmp, seed)
    yield server
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def front_door(tmp_path_factory):
    """A live server with the default seed, whose URLs follow the server's base URL."""
    tmp = tmp_path_factory.mktemp("front")
    proc, server = start(tmp)
    yield server
    proc.terminate()
    proc.wait(timeout=10)


@contextmanager
def chromium_browser(*extra_flags: str):
    """Launch Debian's Chromium through Playwright (never a downloaded browser).

    Playwright's sync API runs one instance at a time, so each test module holds its own.
    """
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        if os.environ.get("CI") == "true":
            raise RuntimeError("chromium is not installed; .ci/run installs it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=binary, headless=True, args=[*CHROMIUM_FLAGS, *extra_flags]
        )
        try:
            yield browser
        finally:
            browser.close()
