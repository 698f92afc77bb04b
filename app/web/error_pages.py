"""Clear pages for faults: the pool or the store busy or unreachable, bad CSRF, too large, not
found, and the 500 page.

A person never sees a stack trace or Cognito's message; the log line names the cause without
cookies, tokens or personal data. Where a page asks the person to come back later, its words and
its ``Retry-After`` header come from the same number.
"""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask, render_template, request
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

from ..messages import text
from ..store import StoreUnavailable
from ..userpool.errors import (
    ConfigurationFault,
    InvalidInput,
    Rejected,
    Unavailable,
    UserPoolError,
)
from .log_redaction import redact_path

log = logging.getLogger(__name__)
# The calls of a sign-in, which a sign-in trigger (PreAuthentication, PostAuthentication,
# UserMigration) may refuse wherever a page signs someone in.
SIGN_IN_OPERATIONS = ("InitiateAuth", "RespondToAuthChallenge")


def retry_words(seconds: int) -> str:
    """ "Please try again in about N seconds/minutes." for a Retry-After value."""
    if seconds < 90:
        return ngettext(
            "Please try again in about %(num)d second.",
            "Please try again in about %(num)d seconds.",
            seconds,
        )
    minutes = round(seconds / 60)
    return ngettext(
        "Please try again in about %(num)d minute.",
        "Please try again in about %(num)d minutes.",
        minutes,
    )


def error_page(key: str, status: int, retry_after: int | None = None):
    """The error page for a catalogue key; with ``retry_after``, the words and header agree."""
    body = render_template(
        "error.html",
        message=text(key),
        status=status,
        retry=retry_words(retry_after) if retry_after else "",
    )
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    return body, status, headers


def _store_errors() -> tuple[type[BaseException], ...]:
    """Failures of the store's backends raised outside the store (by the rate limiter, say)."""
    errors: tuple[type[BaseException], ...] = (StoreUnavailable, sqlite3.OperationalError)
    try:
        import redis
    except ImportError:  # pragma: no cover - redis is a dependency
        return errors
    return (*errors, redis.RedisError)


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    store_errors = _store_errors()

    @app.errorhandler(Unavailable)
    def pool_busy(error: Unavailable):
        """The pool throttled us or could not be reached (or left it unclear): 503."""
        return error_page(error.key, 503, error.retry_after)

    @app.errorhandler(ConfigurationFault)
    def pool_misconfigured(error: ConfigurationFault):
        """An operator must fix the pool or app client."""
        log.error("user pool configuration fault: %s %s", error.operation, error.code)
        return error_page("configuration", 500)

    @app.errorhandler(InvalidInput)
    def pool_refused_input(error: InvalidInput):
        """The pool refused what was typed and the view had no better answer: a 400, not a
        fault (a form should have caught it; the log says which)."""
        log.warning(
            "user pool refused input a form let through: %s %s", error.operation, error.code
        )
        return error_page("invalid_input", 400)

    @app.errorhandler(Rejected)
    def refused(error: Rejected):
        """A trigger (or the pool's web ACL) refused a call the view did not look for refusals
        of: a sign-in's gets the sign-in refusal page, any other the "rejected" page (403),
        never the 500 page nor the trigger's words."""
        log.warning("user pool refused %s: %s", error.operation, error.code)
        if error.operation in SIGN_IN_OPERATIONS:
            # Imported here: the flows import this module's helpers.
            from ..flows.refusal import refusal_page
            from ..signin import target_client_id

            return refusal_page(error, target_client_id())
        return error_page("rejected", 403)

    @app.errorhandler(UserPoolError)
    def pool_error(error: UserPoolError):
        """A domain error a view did not handle."""
        log.error("unhandled user pool error: %s %s", error.operation, error.code)
        return error_page("unexpected", 500)

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        """A POST without a valid CSRF token changes nothing."""
        return error_page("csrf", 400)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge):
        """A body larger than any form needs."""
        return error_page("too_large", 413)

    @app.errorhandler(404)
    def not_found(error: HTTPException):
        """Unknown address."""
        return error_page("not_found_page", 404)

    @app.errorhandler(Exception)
    def fault(error: Exception):
        """Any other fault: the store's is a 503; else log it (path only) and show the 500 page.

        A failure while the response is finished (saving the session, say) reaches here
        wrapped in InternalServerError; its original exception decides.
        """
        if isinstance(error, InternalServerError) and error.original_exception is not None:
            error = error.original_exception
        if isinstance(error, store_errors):
            log.error(
                "store unavailable on %s %s: %s",
                request.method,
                redact_path(request.path),
                type(error).__name__,
            )
            return error_page("store_unavailable", 503, StoreUnavailable.retry_after)
        if isinstance(error, HTTPException):
            return error
        log.exception("unhandled error on %s %s", request.method, redact_path(request.path))
        return error_page("unexpected", 500)
