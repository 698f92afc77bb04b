"""Errors of the OAuth2/OIDC JSON endpoints, always in RFC 6749 §5.2's shape.

Browser apps and OAuth libraries parse these answers: an HTML page (the app's error pages) would
break them, so every failure of these views — a refused request, a busy or unreachable user
pool, a failing store — becomes ``{"error": ..., "error_description": ...}``, never cached.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
from collections.abc import Callable

from authlib.oauth2.rfc6749.errors import OAuth2Error
from flask import Flask, Response, current_app, jsonify, request
from redis.exceptions import RedisError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from ..store import StoreUnavailable
from ..userpool import errors
from ..web.log_redaction import redact_path

log = logging.getLogger(__name__)
# The views wrapped by ``json_errors``.
JSON_ENDPOINTS = frozenset({"oauth2.token", "oauth2.revoke", "oauth2.userinfo", "oauth2.discovery"})
# The store's failure, and its backends' when raised outside it (by the rate limiter, say).
STORE_FAILURES = (StoreUnavailable, sqlite3.OperationalError, RedisError)


def oauth_error(
    error: str, description: str, status: int = 400, headers: dict[str, str] | None = None
) -> Response:
    """One §5.2 error answer."""
    response = jsonify(error=error, error_description=description)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    response.headers.update(headers or {})
    return response


def unavailable(retry_after: int) -> Response:
    """503 temporarily_unavailable, with Retry-After."""
    return oauth_error(
        "temporarily_unavailable",
        "The service is busy; try again shortly.",
        503,
        {"Retry-After": str(retry_after)},
    )


def from_authlib(error: OAuth2Error) -> Response:
    """Authlib's error, in the same shape (a description is always present)."""
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return oauth_error(
        error.error, error.description or error.error.replace("_", " "), error.status_code, headers
    )


def json_errors(view: Callable[..., Response]) -> Callable[..., Response]:
    """Answer every failure of an OAuth2 JSON view in §5.2's shape."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs) -> Response:
        """Call the view; map what it raises."""
        try:
            return view(*args, **kwargs)
        except OAuth2Error as error:
            return from_authlib(error)
        except errors.Unavailable as error:  # throttled, unreachable, or unclear
            return unavailable(error.retry_after)
        except STORE_FAILURES as error:
            log.error(
                "store unavailable on %s: %s", redact_path(request.path), type(error).__name__
            )
            return unavailable(StoreUnavailable.retry_after)
        except HTTPException as error:
            # A malformed or oversized body: the client's fault, said in the client's language.
            return oauth_error("invalid_request", error.name, error.code or 400)
        except errors.UserPoolError as error:
            log.error(
                "user pool fault on %s: %s %s",
                redact_path(request.path),
                error.operation,
                error.code,
            )
            return oauth_error("server_error", "The user pool refused the request.", 500)
        except Exception:
            # A fault of ours: logged like the app's fault page, answered in the client's shape.
            log.exception("unhandled error on %s %s", request.method, redact_path(request.path))
            return oauth_error("server_error", "Something went wrong on our side.", 500)

    return wrapped


def init_app(app: Flask) -> None:
    """A method the JSON endpoints do not take is refused in their shape too (the routing fails
    before any view runs, so ``json_errors`` never sees it)."""

    @app.errorhandler(MethodNotAllowed)
    def method_not_allowed(error: MethodNotAllowed):
        """405 as JSON on the JSON endpoints; elsewhere Werkzeug's answer, as before."""
        methods = sorted(error.valid_methods or [])
        try:
            rule, _ = current_app.create_url_adapter(request).match(
                method=methods[0] if methods else "GET", return_rule=True
            )
        except HTTPException:
            return error
        if rule.endpoint not in JSON_ENDPOINTS:
            return error
        return oauth_error(
            "invalid_request", "Method not allowed.", 405, {"Allow": ", ".join(methods)}
        )
