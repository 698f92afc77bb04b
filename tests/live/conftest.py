"""A live Gatehouse, started as `make run` starts it (gunicorn, local mode), on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "app" / "localpool" / "seed.toml"


@dataclass
class LiveServer:
    """A running server's base URL and data directory."""

    url: str
    data_dir: Path
    log: Path


def local_idp(server: LiveServer):
    """A plain boto3 cognito-idp client for the live server's local pool (no retries)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "cognito-idp",
        region_name="us-east-1",
        endpoint_url=f"{server.url}/_localpool",
        aws_access_key_id="any",
        aws_secret_access_key="any",
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(tmp: Path, seed_text: str | None = None) -> tuple[subprocess.Popen, LiveServer]:
    """Start gunicorn on a free port; waits (at most 30 s) until /healthz answers.

    ``seed_text`` replaces the default seed; ``{base}`` in its URLs is the server's URL.
    """
    port = free_port()
    seed = SEED
    if seed_text is not None:
        seed = tmp / "seed.toml"
        seed.write_text(seed_text)
    env = dict(
        os.environ,
        PORT=str(port),
        HOST="127.0.0.1",
        GATEHOUSE_DATA_DIR=str(tmp / "data"),
        GATEHOUSE_LOCALPOOL_SEED=str(seed),
        GATEHOUSE_BASE_URL=f"http://127.0.0.1:{port}",
    )
    log = open(tmp / "server.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError((tmp / "server.log").read_text())
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                return proc, LiveServer(url, tmp / "data", tmp / "server.log")
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
