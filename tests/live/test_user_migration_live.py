"""A live Gatehouse whose pool migrates people from a legacy user table over HTTP (the example
trigger, app/triggers/user_migration.py, against a fake legacy service on 127.0.0.1): a legacy
person signs in through the pages with their old password once, and from then on the pool alone
signs them in; each of the legacy system's refusals shows its page."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import pytest

from app.mail.outbox import Outbox
from tests.conftest import code_in

from .conftest import SEED, start
from .person import Person

LEGACY_PASSWORD = "Legacy-pass1"
NEW_PASSWORD = "Brand-new-pass1"
ACCOUNTS = {
    "active@legacy.example.com": {"status": "active", "name": "Ada Legacy"},
    "reset@legacy.example.com": {"status": "active", "name": "Reset Legacy"},
    "disabled@legacy.example.com": {"status": "disabled"},
    "inactive@legacy.example.com": {"status": "not_activated"},
    "fb@legacy.example.com": {"status": "federated", "provider": "Facebook"},
}
SLOW = "slow@legacy.example.com"  # answers after the trigger's timeout
TIMEOUT = 0.5


class LegacyService(ThreadingHTTPServer):
    """The legacy user table's JSON API; ``calls`` lists (method, path) as they come."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), LegacyHandler)
        self.calls: list[tuple[str, str]] = []

    @property
    def url(self) -> str:
        """The base URL the trigger is given."""
        return f"http://127.0.0.1:{self.server_address[1]}/legacy"


class LegacyHandler(BaseHTTPRequestHandler):
    """POST /legacy/authenticate and GET /legacy/users/<email>, as the trigger expects them."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        """Check an email and password: the account, or 401."""
        self.server.calls.append(("POST", self.path))
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if body["email"] == SLOW:
            time.sleep(TIMEOUT * 3)
        account = ACCOUNTS.get(body["email"])
        federated = account is not None and account["status"] == "federated"
        if account is None or (body["password"] != LEGACY_PASSWORD and not federated):
            return self._answer(401, {"error": "bad credentials"})
        return self._answer(200, {"email": body["email"], **account})

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        """Look an account up by email: the account, or 404."""
        self.server.calls.append(("GET", self.path))
        email = unquote(self.path.rpartition("/")[2])
        if email == SLOW:
            time.sleep(TIMEOUT * 3)
        account = ACCOUNTS.get(email)
        if account is None:
            return self._answer(404, {"error": "not found"})
        return self._answer(200, {"email": email, **account})

    def _answer(self, status: int, body: dict) -> None:
        """Send a JSON answer."""
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        """Quiet: the test reads ``calls``."""


@pytest.fixture(scope="module")
def legacy():
    """The fake legacy service, on a free loopback port."""
    service = LegacyService()
    thread = threading.Thread(target=service.serve_forever, daemon=True)
    thread.start()
    yield service
    service.shutdown()
    service.server_close()


@pytest.fixture(scope="module")
def migrating(tmp_path_factory, legacy):
    """A live server whose pool runs the example UserMigration trigger against ``legacy``."""
    tmp = tmp_path_factory.mktemp("migration")
    seed = SEED.read_text().replace(
        "[pool.lambda_config]\n",
        '[pool.lambda_config]\nUserMigration = "app.triggers.user_migration:handler"\n',
    )
    proc, server = start(
        tmp, seed, GATEHOUSE_LEGACY_URL=legacy.url, GATEHOUSE_LEGACY_TIMEOUT=str(TIMEOUT)
    )
    yield server
    proc.terminate()
    proc.wait(timeout=10)


def sign_in(server, email: str, password: str = LEGACY_PASSWORD) -> Person:
    """A fresh browser that submits the sign-in form."""
    person = Person(server.url)
    person.open("/login")
    person.submit("/login", email=email, password=password)
    return person


def refusal(person: Person) -> str:
    """The refusal reason a page shows."""
    found = re.search(r'data-refusal="([a-z_]+)"', person.page.text)
    return found.group(1) if found else ""


def test_a_legacy_person_signs_in_once_through_the_legacy_directory(migrating, legacy):
    email = "active@legacy.example.com"
    person = sign_in(migrating, email)
    assert person.page.status_code == 303
    assert person.open(person.page.headers["Location"]).status_code == 200
    assert email in person.page.text and LEGACY_PASSWORD not in person.page.text
    asked = [c for c in legacy.calls if c == ("POST", "/legacy/authenticate")]
    assert len(asked) == 1
    # From now on the pool signs them in by itself: the legacy service is not asked again.
    again = sign_in(migrating, email)
    assert again.page.status_code == 303
    assert again.open(again.page.headers["Location"]).status_code == 200
    assert email in again.page.text
    wrong = sign_in(migrating, email, "Not-the-password1")
    assert wrong.page.status_code == 200 and "don&#39;t match" in wrong.page.text
    assert [c for c in legacy.calls if c == ("POST", "/legacy/authenticate")] == asked


@pytest.mark.parametrize(
    ("email", "reason", "status"),
    [
        ("disabled@legacy.example.com", "legacy_disabled", 403),
        ("inactive@legacy.example.com", "legacy_not_activated", 403),
        ("fb@legacy.example.com", "legacy_federated", 403),
        (SLOW, "legacy_unavailable", 503),
    ],
)
def test_each_legacy_refusal_shows_its_page(migrating, email, reason, status):
    person = sign_in(migrating, email)
    assert person.page.status_code == status
    assert refusal(person) == reason
    assert "gatehouse:" not in person.page.text and "UserMigration" not in person.page.text
    if reason == "legacy_federated":
        assert "/social/Facebook" in person.page.text
    if reason == "legacy_not_activated":
        assert 'href="/signup"' in person.page.text


def test_a_wrong_password_and_an_unknown_address_look_alike(migrating):
    wrong = sign_in(migrating, "disabled@legacy.example.com", "Not-the-password1")
    unknown = sign_in(migrating, "nobody@legacy.example.com")
    for person in (wrong, unknown):
        assert person.page.status_code == 200
        assert "don&#39;t match" in person.page.text and not refusal(person)


def test_forgot_password_migrates_and_the_new_password_signs_in(migrating, legacy):
    email = "reset@legacy.example.com"
    person = Person(migrating.url)
    person.open("/forgotPassword")
    person.submit("/forgotPassword", email=email)
    assert person.page.status_code == 303
    assert ("GET", "/legacy/users/reset%40legacy.example.com") in legacy.calls
    code = code_in(Outbox(migrating.data_dir / "outbox").messages(email)[-1].text)
    person.open(person.page.headers["Location"])
    person.submit("/confirmForgotPassword", email=email, code=code, password=NEW_PASSWORD)
    assert person.page.status_code == 303
    asked = len(legacy.calls)
    signed_in = sign_in(migrating, email, NEW_PASSWORD)
    assert signed_in.page.status_code == 303
    assert len(legacy.calls) == asked


def test_forgot_password_for_a_refused_account_looks_like_an_unknown_one(migrating):
    """A refused account, and one the legacy API answers about too late, get what an unknown
    address gets (the outage page would tell the pool lacks the address)."""
    outbox = Outbox(migrating.data_dir / "outbox")
    for email in ("disabled@legacy.example.com", SLOW, "nobody@legacy.example.com"):
        person = Person(migrating.url)
        person.open("/forgotPassword")
        person.submit("/forgotPassword", email=email)
        assert person.page.status_code == 303
        assert outbox.messages(email) == []
