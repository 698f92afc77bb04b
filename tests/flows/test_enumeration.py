"""A known and an unknown email get identical responses (DESIGN.md §5).

Equal timing is shown structurally, never by comparing wall-clock ratios (which fail at random
on a loaded machine): for each padded endpoint, every user-pool call and every email of the
request happens inside ``padded()``, for a known and an unknown address alike, and each padded
block lasts at least the floor (``time.sleep`` never returns early). What the two addresses do
differently is then all behind the floor, as long as the floor (400 ms by default) exceeds that
work; tests/unit/test_timing.py checks that ``padded()`` sleeps exactly up to the floor.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from contextlib import contextmanager

import pytest

from app import flows
from app.localpool import passwords
from app.mail.outbox import Outbox
from app.web import timing

from .conftest import Browser, without_tokens


def _respond(app, outbox, path: str, form_page: str, email: str, watch=None, **fields):
    """One fresh browser's answer to a form POST: status, location, page without tokens.

    With a ``watch``, what the POST itself did is recorded (not the pages around it).
    """
    browser = Browser(app, outbox)
    browser.open(form_page)
    if watch is not None:
        watch.start()
    response = browser.submit(path, email=email, **fields)
    if watch is not None:
        watch.stop()
    if response.status_code in (302, 303):
        followed = browser.open(response.location)
        body = without_tokens(followed.get_data(as_text=True))
    else:
        body = without_tokens(response.get_data(as_text=True))
    return response.status_code, response.location, body.replace(email, "EMAIL")


class Watch:
    """What one request does: each user-pool call and email, and whether it ran in ``padded()``."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, bool]] = []
        self.blocks: list[float] = []  # how long each padded block lasted, in seconds
        self.depth = 0
        self.recording = False

    def start(self) -> None:
        """Record from now on, forgetting the previous request."""
        self.events, self.blocks, self.recording = [], [], True

    def stop(self) -> None:
        """Stop recording."""
        self.recording = False

    def note(self, kind: str, name: str) -> None:
        """One call or email, while recording."""
        if self.recording:
            self.events.append((kind, name, self.depth > 0))

    def mails(self) -> int:
        """How many emails were sent."""
        return sum(kind == "mail" for kind, _, _ in self.events)


@pytest.fixture
def watch(app, monkeypatch) -> Watch:
    """Instrument ``padded()`` in every flow, the gateway's calls and every outbox write."""
    watched = Watch()
    real_padded = timing.padded

    @contextmanager
    def padded():
        started = time.monotonic()
        with real_padded():
            watched.depth += 1
            try:
                yield
            finally:
                watched.depth -= 1
        if watched.recording:
            watched.blocks.append(time.monotonic() - started)

    for info in pkgutil.iter_modules(flows.__path__):
        module = importlib.import_module(f"app.flows.{info.name}")
        if getattr(module, "padded", None) is real_padded:
            monkeypatch.setattr(module, "padded", padded)
    gateway = app.extensions["gatehouse.userpool"]
    real_call = gateway.call

    def call(operation, **params):
        watched.note("call", operation)
        return real_call(operation, **params)

    monkeypatch.setattr(gateway, "call", call)
    real_send = Outbox.send

    def send(self, to, *args, **kwargs):
        # Every email, the pool's and the triggers' and Gatehouse's own, ends in the outbox.
        watched.note("mail", "")
        return real_send(self, to, *args, **kwargs)

    monkeypatch.setattr(Outbox, "send", send)
    return watched


def _unconfirmed(app, outbox, email: str) -> str:
    """An account that signed up and never confirmed."""
    browser = Browser(app, outbox)
    browser.open("/signup")
    browser.submit("/signup", email=email, password="Corr3ct-horse")
    return email


def _observe(app, outbox, watch: Watch, path: str, form_page: str, email: str, **fields):
    """One POST's answer, what it did, and how long its padded blocks lasted."""
    answer = _respond(app, outbox, path, form_page, email, watch=watch, **fields)
    return answer, list(watch.events), list(watch.blocks)


@pytest.mark.parametrize(
    ("path", "form_page", "fields", "known_kind", "mails"),
    [
        # (emails sent for the known address, for the unknown one)
        ("/magic-link", "/magic-link", {}, "confirmed", (1, 0)),
        # The local pool composes and writes a sign-in code's email for every address (an unknown
        # one's is removed at once): the same work, so (1, 1).
        ("/login/email-code", "/login/email-code?client_id=demo", {}, "confirmed", (1, 1)),
        ("/login/email-code", "/login/email-code?client_id=demo", {}, "unconfirmed", (1, 1)),
        ("/forgotPassword", "/forgotPassword", {}, "confirmed", (1, 0)),
        ("/confirm/resend", "/confirm", {}, "unconfirmed", (1, 0)),
        ("/signup", "/signup", {"password": "Corr3ct-horse"}, "confirmed", (1, 1)),
        ("/confirm", "/confirm", {"code": "000000"}, "confirmed", (0, 0)),
        ("/confirm", "/confirm", {"code": "000000"}, "unconfirmed", (0, 0)),
    ],
)
def test_padded_endpoints_do_everything_that_differs_inside_the_floor(
    app, outbox, watch, path, form_page, fields, known_kind, mails
):
    if known_kind == "confirmed":
        known = Browser(app, outbox).account("known@example.com")
    else:
        known = _unconfirmed(app, outbox, "known@example.com")
    if path == "/confirm" and Browser(app, outbox).last_code(known) == "000000":
        fields = {"code": "111111"}
    floor = app.extensions["gatehouse.settings"].min_response_ms / 1000
    answers, sent = [], []
    for address in (known, "unknown@example.com"):
        answer, events, blocks = _observe(app, outbox, watch, path, form_page, address, **fields)
        answers.append(answer)
        sent.append(watch.mails())
        assert any(kind == "call" for kind, _, _ in events)
        assert all(inside for _, _, inside in events), events
        assert len(blocks) == 1 and blocks[0] >= floor - 0.001  # sleep never returns early
    assert answers[0] == answers[1]
    assert tuple(sent) == mails  # the paths really differ: the test is not vacuous


def test_forgot_password_past_the_hourly_code_limit_answers_like_an_unknown_address(
    app, outbox, watch, monkeypatch
):
    known = Browser(app, outbox).account("limited@example.com")
    for _ in range(5):  # the local pool's hourly limit of codes per account
        _respond(app, outbox, "/forgotPassword", "/forgotPassword", known)
    gateway = app.extensions["gatehouse.userpool"]
    attempts, backoffs = [], []
    real = gateway.client.forgot_password

    def forgot_password(**params):
        attempts.append(params["Username"])
        return real(**params)

    monkeypatch.setattr(gateway.client, "forgot_password", forgot_password)
    monkeypatch.setattr(gateway, "_sleep", backoffs.append)
    floor = app.extensions["gatehouse.settings"].min_response_ms / 1000
    answers = []
    for address in (known, "unknown@example.com"):
        before = len(outbox.messages(known))
        answer, events, blocks = _observe(
            app, outbox, watch, "/forgotPassword", "/forgotPassword", address
        )
        answers.append(answer)
        assert all(inside for _, _, inside in events), events
        assert len(blocks) == 1 and blocks[0] >= floor - 0.001
        assert len(outbox.messages(known)) == before  # past the limit: no code for anyone
    assert answers[0] == answers[1]
    # One attempt each and no back-off: LimitExceededException is final, never retried.
    assert attempts == [known, "unknown@example.com"] and backoffs == []


class _CountingHasher:
    """The local pool's Argon2id hasher, counting verifications."""

    def __init__(self, real) -> None:
        self.real = real
        self.verified = 0

    def hash(self, password: str) -> str:
        return self.real.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        self.verified += 1
        return self.real.verify(stored, password)


def test_a_failed_sign_in_does_the_same_work_for_an_unknown_address(
    app, outbox, watch, monkeypatch
):
    # Sign-in is not padded: its cost is the user pool's password check. Gatehouse makes the
    # same single call and gets the same error for both addresses (PreventUserExistenceErrors);
    # the local pool verifies one Argon2id hash either way (a dummy one for an unknown user).
    # Counting that is exact, where a wall-clock ratio of two Argon2 runs is not.
    known = Browser(app, outbox).account("timed@example.com")
    hasher = _CountingHasher(passwords._HASHER)
    monkeypatch.setattr(passwords, "_HASHER", hasher)
    seen = []
    for address in (known, "nobody@example.com"):
        hasher.verified = 0
        answer, events, _ = _observe(
            app, outbox, watch, "/login", "/login", address, password="Wr0ng-passw0rd"
        )
        seen.append((answer, [(kind, name) for kind, name, _ in events], hasher.verified))
    assert seen[0] == seen[1]
    assert seen[0][1] == [("call", "InitiateAuth")] and seen[0][2] == 1


def test_a_wrong_confirmation_code_answers_alike_for_every_kind_of_address(app, outbox):
    confirmed = Browser(app, outbox).account("confirmed@example.com")
    pending = Browser(app, outbox)
    pending.open("/signup")
    pending.submit("/signup", email="pending@example.com", password="Corr3ct-horse")
    # Past the pool's attempt limit too: a known address must not start answering differently.
    locked = Browser(app, outbox)
    locked.open("/signup")
    locked.submit("/signup", email="locked@example.com", password="Corr3ct-horse")
    wrong = {
        address: "000000" if Browser(app, outbox).last_code(address) != "000000" else "111111"
        for address in ("pending@example.com", "locked@example.com")
    }
    for _ in range(6):
        _respond(
            app,
            outbox,
            "/confirm",
            "/confirm",
            "locked@example.com",
            code=wrong["locked@example.com"],
        )
    answers = {
        address: _respond(app, outbox, "/confirm", "/confirm", address, code=code)
        for address, code in (
            (confirmed, "123456"),
            ("pending@example.com", wrong["pending@example.com"]),
            ("locked@example.com", wrong["locked@example.com"]),
            ("unknown@example.com", "123456"),
        )
    }
    assert len(set(answers.values())) == 1, answers
    status, location, _ = answers[confirmed]
    assert (status, location) == (200, None)


def test_confirm_is_rate_limited_per_typed_address(make_app, outbox):
    app = make_app(rate_limit_account="3 per minute")
    browser = Browser(app, outbox)
    browser.open("/confirm")
    for _ in range(3):
        assert (
            browser.submit("/confirm", email="target@example.com", code="123456").status_code == 200
        )
        browser.open("/confirm")
    assert browser.submit("/confirm", email="target@example.com", code="123456").status_code == 429


def test_confirm_is_rate_limited_per_ip(make_app, outbox):
    app = make_app(rate_limit_ip="2 per minute")
    browser = Browser(app, outbox)
    for n in range(2):
        browser.open("/confirm")
        assert (
            browser.submit("/confirm", email=f"a{n}@example.com", code="123456").status_code == 200
        )
    browser.open("/confirm")
    assert browser.submit("/confirm", email="a9@example.com", code="123456").status_code == 429


def test_a_refused_reset_answers_alike_for_every_kind_of_address(app, outbox):
    """/confirmForgotPassword: a weak new password with any code, or a wrong code past the pool's
    attempt limit, must not tell an account that exists (or waits for its code) from none."""
    known = Browser(app, outbox).account("reset-known@example.com")
    asked = Browser(app, outbox).account("reset-asked@example.com")
    Browser(app, outbox).open("/forgotPassword")
    requester = Browser(app, outbox)
    requester.open("/forgotPassword")
    requester.submit("/forgotPassword", email=asked)
    wrong = "000000" if requester.last_code(asked) != "000000" else "111111"
    for _ in range(6):  # past the pool's limit of wrong codes
        _respond(
            app,
            outbox,
            "/confirmForgotPassword",
            "/confirmForgotPassword",
            asked,
            code=wrong,
            password="Wr0ng-but-strong",
        )
    for password in ("weakpassword", "Wr0ng-but-strong"):
        answers = {
            address: _respond(
                app,
                outbox,
                "/confirmForgotPassword",
                "/confirmForgotPassword",
                address,
                code=wrong,
                password=password,
            )
            for address in (known, asked, "reset-unknown@example.com")
        }
        assert len(set(answers.values())) == 1, (password, answers)


def test_reset_is_rate_limited_per_typed_address(make_app, outbox):
    app = make_app(rate_limit_account="3 per minute")
    browser = Browser(app, outbox)
    for _ in range(3):
        browser.open("/confirmForgotPassword")
        fields = {"email": "target@example.com", "code": "123456", "password": "Wr0ng-but-strong"}
        assert browser.submit("/confirmForgotPassword", **fields).status_code == 200
    browser.open("/confirmForgotPassword")
    assert browser.submit("/confirmForgotPassword", **fields).status_code == 429


class _MailDown:
    """Gatehouse's sender while SES refuses for now (throttled: a flood of sign-ups can do it)."""

    def __init__(self, real) -> None:
        self.real, self.down = real, True

    def send(self, *args, **kwargs) -> None:
        """Refuse while down; deliver through the real sender once back."""
        from app.mail.outbox import MailUnavailable

        if self.down:
            raise MailUnavailable("SES: Throttling")
        self.real.send(*args, **kwargs)


def test_sign_up_to_a_known_address_while_mail_fails_answers_like_a_new_one(app, outbox, clock):
    known = Browser(app, outbox).account("signup-known@example.com")
    sender = _MailDown(app.extensions["gatehouse.mailer"])
    app.extensions["gatehouse.mailer"] = sender
    before = len(outbox.messages(known))
    answers = [
        _respond(app, outbox, "/signup", "/signup", address, password="Corr3ct-horse")[:2]
        for address in (known, "signup-new@example.com")
    ]
    assert answers[0] == answers[1] == (303, "/confirm?sent=1")
    sender.down = False  # the owner is told once mail works again
    clock.advance(600)
    assert app.test_cli_runner().invoke(args=["followups", "run"]).exit_code == 0
    told = [m for m in outbox.messages(known)[before:]]
    assert [m.subject for m in told] == ["Someone tried to sign up with your email"]


@pytest.mark.parametrize(
    ("path", "page"),
    [
        ("/forgotPassword", "/forgotPassword"),
        ("/confirm/resend", "/confirm"),
        ("/magic-link", "/magic-link"),
        ("/signup", "/signup"),
    ],
)
def test_when_no_mail_can_be_sent_a_known_address_still_answers_like_an_unknown_one(
    app, outbox, monkeypatch, path, page
):
    """Whoever sends the email (the pool, a trigger, Gatehouse), a failure to send it only
    happens for an address that has an account: it must not change the answer, nor be a 5xx."""
    from app.mail import outbox as outbox_module
    from app.mail.outbox import MailUnavailable

    confirmed = Browser(app, outbox).account("nomail-confirmed@example.com")
    waiting = Browser(app, outbox)
    waiting.open("/signup")
    waiting.submit("/signup", email="nomail-waiting@example.com", password="Corr3ct-horse")

    def refuse(*_args, **_kwargs):
        """Every outbox (Gatehouse's, the pool's, the triggers') is failing for now."""
        raise MailUnavailable("the mail service refuses for now")

    monkeypatch.setattr(outbox_module.Outbox, "send", refuse)
    fields = {"password": "Corr3ct-horse"} if path == "/signup" else {}
    answers = {
        address: _respond(app, outbox, path, page, address, **fields)[:2]
        for address in (confirmed, "nomail-waiting@example.com", "nomail-unknown@example.com")
    }
    assert len(set(answers.values())) == 1, answers
    assert next(iter(answers.values()))[0] == 303
