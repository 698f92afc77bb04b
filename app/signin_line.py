"""The line for signing in when the pool's quota is spent (a login spike).

A sign-in reserves its turn for all of its pool calls at once (``admission.py``): the first
factor and, when an app is waiting, the session proof. A turn within
``GATEHOUSE_ADMISSION_WAIT_SECONDS`` is simply waited for. A later turn is held for the person:
what they typed is kept server-side in a one-time record, its password encrypted (Fernet, with a
key derived from the secret key: the store alone does not reveal it), and never written into a
page. The page says how long the wait is, with ``Retry-After`` from the same number, and
reloads itself when the turn comes (a ``Refresh`` header, no JavaScript) to
``/login/resume``, which signs them in.

The resume is a GET that signs in: it is bound to the browser's own session (the record's id is
kept there, and the record is spent on use), so a link to it from elsewhere can only finish the
sign-in that this browser itself started.
"""

from __future__ import annotations

import base64
import math
import secrets
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, session

from .oauth import pending
from .userpool.admission import Admission, Turn
from .userpool.errors import Throttled

LINE_KEY = "line"  # session key: the id of this browser's place in line
RECORD_PREFIX = "line:"
CATEGORY = "UserAuthentication"
# A place is kept this long past its turn (a browser that came back late still gets in).
GRACE_SECONDS = 120


@dataclass(frozen=True)
class Place:
    """A held place: what the person typed, and when their turn comes (the app's clock)."""

    email: str
    password: str
    webauthn: str
    units: int
    due: float

    def seconds_left(self, now: float) -> int:
        """Whole seconds until the turn (0 once it has come)."""
        return max(0, math.ceil(self.due - now))


def _admission() -> Admission | None:
    """The gateway's admission control (None: no budget is configured)."""
    return current_app.extensions["gatehouse.userpool"].admission


def _settings():
    """The app's settings."""
    return current_app.extensions["gatehouse.settings"]


def _fernet() -> Fernet:
    """The key that seals held passwords, derived from the secret key for this use only."""
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"gatehouse sign-in line"
    ).derive(_settings().secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def sign_in_units() -> int:
    """UserAuthentication calls of a password sign-in: InitiateAuth, and InitiateAuth plus
    RespondToAuthChallenge for the session proof when an app's request is waiting."""
    return 1 + (2 if pending.pending() else 0)


def take_turn(units: int) -> Turn:
    """Reserve a sign-in's turn within the line's horizon; a line longer than that is refused
    with ``Throttled`` saying when a place would be free. No budget: granted at once."""
    admission = _admission()
    if admission is None or not admission.limits(CATEGORY):
        return Turn(True, 0.0)
    horizon = _settings().admission_line_seconds
    turn = admission.reserve(CATEGORY, units, horizon)
    if not turn.granted:
        raise Throttled(
            "LineFull", "InitiateAuth", retry_after=max(1, math.ceil(turn.delay - horizon))
        )
    return turn


def prepaid(units: int, at: float):
    """The block in which the sign-in's reserved calls are made, from ``at`` (the app's
    clock), one unit's interval apart (what is not used is given back)."""
    admission = _admission()
    if admission is None:
        return nullcontext()
    return admission.prepaid(CATEGORY, units, at)


def give_back(units: int) -> None:
    """Return a reserved turn that will not be used (the place was abandoned)."""
    admission = _admission()
    if admission is not None:
        admission.refund(CATEGORY, units)


def hold(email: str, password: str, webauthn: str, units: int, delay: float) -> Place:
    """Keep a place for this browser: the record in the store, its id in the session."""
    now = _settings().clock()
    place = Place(email, password, webauthn, units, now + delay)
    record: dict[str, Any] = {
        "email": email,
        "password": _fernet().encrypt(password.encode()).decode(),
        "webauthn": webauthn,
        "units": units,
        "due": place.due,
    }
    store = current_app.extensions["gatehouse.store"]
    previous = session.get(LINE_KEY)
    if previous:
        # The same browser sent the form again while in line: its older place will never be
        # used, so its turn goes back to the people behind it.
        abandoned = store.take(RECORD_PREFIX + previous)
        if abandoned:
            give_back(int(abandoned.get("units", 0)))
    _admission().note_queued(CATEGORY, delay)
    place_id = secrets.token_urlsafe(24)
    store.put(RECORD_PREFIX + place_id, record, math.ceil(delay) + GRACE_SECONDS)
    session[LINE_KEY] = place_id
    return place


def current() -> Place | None:
    """This browser's place in line, if it holds one that has not expired."""
    place_id = session.get(LINE_KEY)
    if not place_id:
        return None
    record = current_app.extensions["gatehouse.store"].get(RECORD_PREFIX + place_id)
    return _place(record) if record else None


def leave() -> Place | None:
    """Spend this browser's place (its turn has come): the record is taken, so one sign-in
    follows from it however often the page is loaded."""
    place_id = session.pop(LINE_KEY, None)
    if not place_id:
        return None
    record = current_app.extensions["gatehouse.store"].take(RECORD_PREFIX + place_id)
    return _place(record) if record else None


def _place(record: dict[str, Any]) -> Place | None:
    """A record read back; one sealed under another secret key is no place at all."""
    try:
        password = _fernet().decrypt(record["password"].encode()).decode()
    except (InvalidToken, KeyError, AttributeError):
        return None
    return Place(record["email"], password, record["webauthn"], record["units"], record["due"])
