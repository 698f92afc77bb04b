"""Server-side sessions: the cookie holds only a signed random id; the data lives in the store."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, Signer
from werkzeug.datastructures import CallbackDict

from .store import Store

KEY_PREFIX = "session:"


class ServerSession(CallbackDict, SessionMixin):
    """Session data plus its id; ``renew()`` gives it a new id at sign-in."""

    def __init__(self, initial: dict[str, Any] | None = None, sid: str = "", new: bool = True):
        def on_update(_: Any) -> None:
            """Any change marks the session for saving."""
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.sid = sid or secrets.token_urlsafe(32)
        self.new = new
        self.modified = False
        self.retired: str | None = None

    def renew(self) -> None:
        """Move the data to a fresh id (prevents session fixation); the old id dies."""
        if not self.new:
            self.retired = self.sid
        self.sid = secrets.token_urlsafe(32)
        self.new = True
        self.modified = True


class ServerSessionInterface(SessionInterface):
    """Flask's session, kept in the store under ``session:<id>``."""

    def __init__(self, store: Store, lifetime_seconds: int) -> None:
        self.store = store
        self.lifetime = lifetime_seconds

    def _signer(self, app: Flask) -> Signer:
        """Signs the session id in the cookie with the app's secret."""
        return Signer(app.secret_key, salt="gatehouse.session")

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        """Load the session named by the cookie, or start an empty one."""
        cookie = request.cookies.get(self.get_cookie_name(app))
        if cookie:
            try:
                sid = self._signer(app).unsign(cookie).decode()
            except BadSignature:
                return ServerSession()
            data = self.store.get(KEY_PREFIX + sid)
            if data is not None:
                return ServerSession(data, sid=sid, new=False)
        return ServerSession()

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:  # type: ignore[override]
        """Write changed data, drop a retired id, and set or clear the cookie."""
        name = self.get_cookie_name(app)
        if session.retired:
            self.store.delete(KEY_PREFIX + session.retired)
        if not session:
            if not session.new:
                self.store.delete(KEY_PREFIX + session.sid)
                response.delete_cookie(name, path=self.get_cookie_path(app))
            return
        if not session.modified and not session.new:
            return
        self.store.put(KEY_PREFIX + session.sid, dict(session), self.lifetime)
        response.set_cookie(
            name,
            self._signer(app).sign(session.sid).decode(),
            max_age=self.lifetime,
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            httponly=True,
            samesite=self.get_cookie_samesite(app),
        )
