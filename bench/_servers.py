"""What every benchmark shares: servers on 127.0.0.1 (Gatehouse, a bare Flask "hello", Redis)
started as `make run` starts them, and a bounded load loop that counts requests per second."""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
# Benchmarks measure the server, not the rate limits that protect it from one client.
UNLIMITED = {
    "GATEHOUSE_RATE_LIMIT_IP": "1000000 per minute",
    "GATEHOUSE_RATE_LIMIT_ACCOUNT": "1000000 per minute",
}


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(wsgi: str, **env: str) -> Iterator[str]:
    """Serve ``wsgi`` with the project's gunicorn.conf.py on a free port; yields the base URL.

    ``env`` adds environment variables (``WEB_CONCURRENCY``, ``GATEHOUSE_REDIS_URL``, ...).
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        environ = {
            **os.environ,
            "PORT": str(port),
            "HOST": "127.0.0.1",
            "GATEHOUSE_DATA_DIR": str(Path(tmp) / "data"),
            "GATEHOUSE_BASE_URL": url,
            "PYTHONPATH": str(ROOT),
            **UNLIMITED,
            **env,
        }
        log = Path(tmp) / "server.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", wsgi],
                cwd=ROOT,
                env=environ,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            try:
                _wait_until_up(proc, url, log)
                yield url
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()


def gatehouse(**env: str):
    """Gatehouse in local mode, as `make run` serves it (the default seed)."""
    return gunicorn("wsgi:app", **env)


def bare_flask(**env: str):
    """A Flask app that answers "hello": the baseline a page is compared with."""
    return gunicorn("bench._hello:app", **env)


@contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server on a free port (no persistence); yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _wait_until_up(proc: subprocess.Popen, url: str, log: Path) -> None:
    """Wait (at most 30 s) until the server answers /healthz (any status will do)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text())
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start in 30 s")


def hammer(task: Callable[[], None], concurrency: int, seconds: float) -> float:
    """Run ``task`` in ``concurrency`` threads for ``seconds``; returns completions per second.

    A task that raises stops the run: a benchmark of failing requests measures nothing.
    """
    done = [0] * concurrency
    errors: list[BaseException] = []
    stop = time.monotonic() + seconds

    def loop(slot: int) -> None:
        """One client, as fast as it is answered, until time is up."""
        try:
            while time.monotonic() < stop and not errors:
                task()
                done[slot] += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the caller's thread
            errors.append(exc)

    started = time.monotonic()
    threads = [threading.Thread(target=loop, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return sum(done) / (time.monotonic() - started)


class KeepAlive:
    """One persistent HTTP/1.1 connection per thread, as a browser keeps one."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.local = threading.local()

    def get(self, path: str, status: int = 200) -> bytes:
        """GET ``path``; raises unless the answer has ``status``."""
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        if response.status != status:
            raise RuntimeError(f"GET {path} answered {response.status}")
        return body


# The default seed's confirmed account and its public PKCE app client.
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "Demo-passw0rd"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The form's CSRF token on a page."""
    match = CSRF.search(html)
    if match is None:
        raise RuntimeError("the page has no form with a CSRF token")
    return match.group(1)


def sign_in(url: str, email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD) -> None:
    """One whole sign-in as the demo app runs it: authorize (PKCE) -> the sign-in page ->
    POST /login -> the code at the callback -> /oauth2/token; raises unless tokens come back."""
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    callback = f"{url}/demo/callback"
    with requests.Session() as http:
        query = {
            "response_type": "code",
            "client_id": "demo",
            "redirect_uri": callback,
            "scope": "openid email profile",
            "state": secrets.token_urlsafe(16),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        page = http.get(f"{url}/oauth2/authorize", params=query, timeout=30)
        posted = http.post(
            f"{url}/login",
            data={"csrf_token": csrf_token(page.text), "email": email, "password": password},
            timeout=30,
            allow_redirects=False,
        )
        location = posted.headers.get("Location", "")
        while location.startswith(url) and not location.startswith(callback):
            posted = http.get(location, timeout=30, allow_redirects=False)
            location = posted.headers.get("Location", "")
        code = parse_qs(urlsplit(location).query).get("code")
        if not code:
            raise RuntimeError(f"sign-in ended at {posted.status_code} {location!r}")
        tokens = http.post(
            f"{url}/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "client_id": "demo",
                "code": code[0],
                "redirect_uri": callback,
                "code_verifier": verifier,
            },
            timeout=30,
        )
        if tokens.status_code != 200 or "id_token" not in tokens.json():
            raise RuntimeError(f"/oauth2/token answered {tokens.status_code}")


class ForgetfulPerson:
    """Someone on the forgot-password page who asks for a code, again and again."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.token = csrf_token(self.http.get(f"{url}/forgotPassword", timeout=30).text)

    def ask(self, email: str) -> float:
        """POST the form for ``email``; returns the answer's seconds."""
        started = time.monotonic()
        answer = self.http.post(
            f"{self.url}/forgotPassword",
            data={"csrf_token": self.token, "email": email},
            timeout=30,
            allow_redirects=False,
        )
        took = time.monotonic() - started
        if answer.status_code != 303:
            raise RuntimeError(f"POST /forgotPassword answered {answer.status_code}")
        return took
