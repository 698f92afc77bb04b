"""Sessions: server-side once they hold anything of weight, in the cookie until then.

A signed-in person's session (and any flow state: a pending authorization request, an email
being confirmed) lives in the store; the cookie holds only a signed random id. A visitor who has
only been shown a form holds nothing but its CSRF token and perhaps a flashed message: that goes
in the cookie itself, signed and timed, so an anonymous GET writes nothing to the store (one row
per page view would grow without bound) and a page works while the store is down.
"""

from __future__ import annotations

import secrets
import time
from functools import lru_cache
from typing import Any

from flask import Flask, Request, Response, request, session
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, Signer, URLSafeTimedSerializer
from werkzeug.datastructures import CallbackDict
from werkzeug.http import http_date

from ..store import Store, StoreUnavailable
from .signing import serializer

KEY_PREFIX = "session:"
# Endpoints that answer without a session, so they work (and report) while the store is down.
SESSIONLESS = frozenset({"pages.healthz", "pages.readyz", "static"})
# What a session may hold and still live in the cookie.
LIGHT_KEYS = frozenset({"csrf_token", "_flashes"})
# A cookie session is marked so that it can never be read as a session id, and vice versa.
LIGHT_MARK = "c~"


class ServerSession(CallbackDict, SessionMixin):
    """Session data plus its id; ``renew()`` gives it a new id at sign-in."""

    def __init__(
        self,
        initial: dict[str, Any] | None = None,
        sid: str = "",
        new: bool = True,
        *,
        stored: bool = False,
        unavailable: bool = False,
    ):
        def on_update(_: Any) -> None:
            """Any change marks the session for saving."""
            self.modified = True

        super().__init__(initial or {}, on_update)
        # A visitor's session usually stays in the cookie: its id is drawn when first needed.
        self._sid = sid
        self.new = new
        self.modified = False
        self.retired: str | None = None
        # True when the data came from the store (so it must be removed there when it empties).
        self.stored = stored
        # True when the store could not be read: the request must not go on as if signed out.
        self.unavailable = unavailable

    @property
    def sid(self) -> str:
        """The session's id in the store (a fresh random one for a new session)."""
        if not self._sid:
            self._sid = secrets.token_urlsafe(32)
        return self._sid

    def renew(self) -> None:
        """Move the data to a fresh id (prevents session fixation); the old id dies."""
        if self.stored:
            self.retired = self.sid
        self._sid = secrets.token_urlsafe(32)
        self.new = True
        self.stored = False
        self.modified = True

    @property
    def light(self) -> bool:
        """True when everything in it may live in the cookie."""
        return set(self) <= LIGHT_KEYS


class ServerSessionInterface(SessionInterface):
    """Flask's session: in the store under ``session:<id>``, or in the cookie while light."""

    def __init__(self, store: Store, lifetime_seconds: int) -> None:
        self.store = store
        self.lifetime = lifetime_seconds

    def _signer(self, app: Flask) -> Signer:
        """Signs the session id in the cookie with the app's secret."""
        return Signer(app.secret_key, salt="gatehouse.session")

    def _serializer(self, app: Flask) -> URLSafeTimedSerializer:
        """Signs (and times) a light session's data in the cookie."""
        return serializer(app.secret_key, "gatehouse.session.light")

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        """Load the session named by the cookie, or start an empty one."""
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return ServerSession()
        if cookie.startswith(LIGHT_MARK):
            try:
                data = self._serializer(app).loads(cookie[len(LIGHT_MARK) :], max_age=self.lifetime)
            except BadSignature:
                return ServerSession()
            light = ServerSession(data if isinstance(data, dict) else {})
            return light if light.light else ServerSession()
        try:
            sid = self._signer(app).unsign(cookie).decode()
        except BadSignature:
            return ServerSession()
        try:
            data = self.store.get(KEY_PREFIX + sid)
        except StoreUnavailable:
            return ServerSession(sid=sid, new=False, unavailable=True)
        if data is None:
            return ServerSession()
        return ServerSession(data, sid=sid, new=False, stored=True)

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:  # type: ignore[override]
        """Write what changed where it belongs, drop a retired id, set or clear the cookie."""
        if session.unavailable:
            return  # the store could not be read: change nothing, the page says so
        name = self.get_cookie_name(app)
        try:
            self._save(app, session, response, name)
        except StoreUnavailable:
            # Saved nothing: don't try again while the error page is finalised.
            session.unavailable = True
            raise

    def _save(self, app: Flask, session: ServerSession, response: Response, name: str) -> None:
        """The body of ``save_session``."""
        if session.retired:
            self.store.delete(KEY_PREFIX + session.retired)
            session.retired = None
        if not session.modified:
            return
        # A session read from the store is written back only while its record lives: another
        # request of the same browser may have ended it meanwhile (a sign-out) or moved it to a
        # new id (a sign-in). This request's copy is then stale; saving it would bring the
        # ended session back, and its cookie would point the browser away from the new one.
        ended_elsewhere = False
        if session.stored and session.light:
            ended_elsewhere = self.store.take(KEY_PREFIX + session.sid) is None
            session.stored = False
        if not session:
            response.delete_cookie(name, path=self.get_cookie_path(app))
            return
        if ended_elsewhere:
            return
        if session.light:
            value = LIGHT_MARK + self._serializer(app).dumps(dict(session))
        elif session.stored:
            if not self.store.replace(KEY_PREFIX + session.sid, dict(session), self.lifetime):
                session.stored = False
                return
            value = self._signer(app).sign(session.sid).decode()
        else:
            self.store.put(KEY_PREFIX + session.sid, dict(session), self.lifetime)
            session.stored = True
            value = self._signer(app).sign(session.sid).decode()
        response.set_cookie(
            name,
            value,
            max_age=self.lifetime,
            expires=_expires(int(time.time()) + self.lifetime),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            httponly=True,
            samesite=self.get_cookie_samesite(app),
        )


@lru_cache(maxsize=4)
def _expires(second: int) -> str:
    """The cookie's ``Expires`` for a whole second, as werkzeug writes it from ``Max-Age``
    (kept: the pages of one second share it, and formatting a date cost a tenth of the
    cookie)."""
    return http_date(second)


def init_app(app: Flask, store: Store, lifetime_seconds: int) -> None:
    """Use these sessions, and refuse to go on with a session the store could not load."""
    app.session_interface = ServerSessionInterface(store, lifetime_seconds)

    @app.before_request
    def require_loaded_session() -> None:
        """Without its session a request would look signed out: the 503 page says the truth."""
        if session.unavailable and request.endpoint not in SESSIONLESS:
            raise StoreUnavailable("the session could not be read")
