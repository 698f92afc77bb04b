"""Clear pages for faults: the pool busy or unreachable, bad CSRF, not found, and the 500 page.

A person never sees a stack trace or Cognito's message; the log line names the cause without
cookies, tokens or personal data.
"""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .log_redaction import redact_path
from .messages import text
from .userpool.errors import ConfigurationFault, Throttled, Unavailable, UserPoolError

log = logging.getLogger(__name__)


def _page(key: str, status: int, retry_after: int | None = None):
    """Render the error page for a catalogue key."""
    body = render_template("error.html", message=text(key), status=status, retry_after=retry_after)
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    return body, status, headers


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(Throttled)
    @app.errorhandler(Unavailable)
    def pool_busy(error: UserPoolError):
        """The pool throttled us or could not be reached: 503 with Retry-After."""
        return _page(error.key, 503, error.retry_after)

    @app.errorhandler(ConfigurationFault)
    def pool_misconfigured(error: ConfigurationFault):
        """An operator must fix the pool or app client."""
        log.error("user pool configuration fault: %s %s", error.operation, error.code)
        return _page("configuration", 500)

    @app.errorhandler(UserPoolError)
    def pool_error(error: UserPoolError):
        """A domain error a view did not handle."""
        log.error("unhandled user pool error: %s %s", error.operation, error.code)
        return _page("unexpected", 500)

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        """A POST without a valid CSRF token changes nothing."""
        return _page("csrf", 400)

    @app.errorhandler(404)
    def not_found(error: HTTPException):
        """Unknown address."""
        return _page("not_found_page", 404)

    @app.errorhandler(Exception)
    def fault(error: Exception):
        """Any other fault: log it (path only, no cookies) and show the generic page."""
        if isinstance(error, HTTPException):
            return error
        log.exception("unhandled error on %s %s", request.method, redact_path(request.path))
        return _page("unexpected", 500)
