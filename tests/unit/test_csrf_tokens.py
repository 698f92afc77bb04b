"""The page's CSRF token is Flask-WTF's own: Flask-WTF validates it, and hands out the same one
in the same request; another session's token is refused."""

from __future__ import annotations

import pytest
from flask import Flask, session
from flask_wtf.csrf import CSRFProtect, generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from app.web.csrf_tokens import csrf_token


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "test-only-secret"
    CSRFProtect(app)
    return app


def test_flask_wtf_validates_the_token_and_hands_out_the_same_one(app):
    with app.test_request_context("/"):
        token = csrf_token()
        assert csrf_token() == token and generate_csrf() == token
        raw = session["csrf_token"]
        assert len(raw) == 40 and int(raw, 16) >= 0  # the shape of Flask-WTF's raw token
        validate_csrf(token)  # raises unless Flask-WTF takes it as its own


def test_a_token_flask_wtf_made_first_is_the_one_returned(app):
    with app.test_request_context("/"):
        assert csrf_token() == generate_csrf()
    with app.test_request_context("/"):
        made = generate_csrf()
        assert csrf_token() == made


def test_a_token_from_another_session_or_secret_is_refused(app):
    with app.test_request_context("/"):
        token = csrf_token()
    with app.test_request_context("/"):
        session["csrf_token"] = "0" * 40  # another browser's session
        with pytest.raises(ValidationError):
            validate_csrf(token)
    with app.test_request_context("/"):
        app.secret_key = "another-secret"
        mine = csrf_token()
        app.secret_key = "test-only-secret"
        with pytest.raises(ValidationError):
            validate_csrf(mine)


def test_a_session_raw_token_is_kept_across_requests(app):
    with app.test_request_context("/"):
        session["csrf_token"] = "a" * 40
        token = csrf_token()
        assert session["csrf_token"] == "a" * 40
        validate_csrf(token)
