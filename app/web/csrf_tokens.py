"""The CSRF token a page carries, made as Flask-WTF makes it, with a serializer made once.

Flask-WTF protects every form POST (``CSRFProtect``, ``check_form_post``); this module only
makes the token a page hands out. Flask-WTF's own ``generate_csrf`` builds an itsdangerous
serializer for every page (key lists and a trial serialisation), derives its key again and
tries zlib on forty bytes: a tenth of a GET /login under gunicorn. The token made here is the
one Flask-WTF would make: the raw token is kept in the session under Flask-WTF's field name,
and the page gets it signed with the same secret and salt, in the same itsdangerous format, so
Flask-WTF's ``validate_csrf`` checks it as its own. It is left where ``generate_csrf`` looks
first (``g``), so a form that asks Flask-WTF in the same request gets the same token.
"""

from __future__ import annotations

import secrets

from flask import current_app, g, session

from .signing import serializer

# Flask-WTF's salt for its tokens: ``validate_csrf`` loads them with it.
SALT = "wtf-csrf-token"


def csrf_token() -> str:
    """This request's signed CSRF token (the same on every call)."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
    token = g.get(field)
    if token is None:
        secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
        raw = session.get(field)
        if not isinstance(raw, str) or not raw:
            # 160 random bits as 40 hex digits, the shape of Flask-WTF's own raw token.
            raw = session[field] = secrets.token_hex(20)
        token = serializer(secret, SALT).dumps(raw)
        setattr(g, field, token)
    return token
