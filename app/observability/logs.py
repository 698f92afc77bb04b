"""JSON logs, one object a line, each with the request's id.

A request carries the id its caller gave (``X-Request-Id``, when it looks like an id) or a new
one; the response returns it, every line logged while it runs names it, and gunicorn's access
line too. What is logged never holds cookies, tokens, query strings or who the person is: the
app logs error codes and operations, token paths are redacted (``web/log_redaction.py``), the
access line leaves out the client's address, and the audit stream hashes ids (``audit.py``).
"""

from __future__ import annotations

import logging
import random
import re
import sys
from typing import Any

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter
from werkzeug.wrappers import Response

HEADER = "X-Request-Id"
# The same header as the WSGI server hands it over.
ENVIRON_KEY = "HTTP_" + HEADER.upper().replace("-", "_")
# A caller's id is kept only if it cannot smuggle anything into a log line or a header.
SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}


def new_request_id() -> str:
    """32 random hex digits, as ``uuid4().hex`` gave. An id only tells log lines apart and
    guards nothing, so it comes from ``random`` (reseeded in each forked worker), not from the
    operating system's generator: one system call less on every request."""
    return f"{random.getrandbits(128):032x}"


def request_id() -> str:
    """This request's id ('' outside a request)."""
    return g.get("request_id", "") if has_request_context() else ""


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record logged during a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Name the request; never drops a record."""
        if not getattr(record, "request_id", ""):
            record.request_id = request_id()
        return True


def json_formatter() -> JsonFormatter:
    """The formatter of every Gatehouse log line."""
    return JsonFormatter(FIELDS, rename_fields=RENAMED, timestamp=False)


class AccessFormatter(JsonFormatter):
    """gunicorn's access line as JSON: method, redacted path, status, size, time, request id."""

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        """Take the fields from gunicorn's atoms rather than its formatted line (which holds
        the client's address)."""
        super().add_fields(log_data, record, message_dict)
        atoms = record.args
        log_data["message"] = f"{atoms['m']} {atoms['U']} {atoms['s']}"
        log_data.update(
            method=atoms["m"],
            path=atoms["U"],
            status=atoms["s"],
            bytes=atoms["b"],
            seconds=atoms["L"],
            request_id=atoms["{x-request-id}o"],
        )


def access_formatter() -> AccessFormatter:
    """The formatter of gunicorn's access lines."""
    return AccessFormatter("%(asctime)s %(levelname)s %(name)s", rename_fields=RENAMED)


def configure(level: str) -> None:
    """Send the root logger's lines to stderr as JSON (once per process)."""
    root = logging.getLogger()
    root.setLevel(level)
    # The audit stream is kept whatever the level of the rest (GATEHOUSE_LOG_LEVEL=WARNING).
    logging.getLogger("gatehouse.audit").setLevel(logging.INFO)
    # At DEBUG, botocore and urllib3 log every request's body and headers: passwords, codes
    # and tokens sent to Cognito. They never log below INFO, whatever the rest does.
    for noisy in ("botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.getLogger(noisy).level, logging.INFO))
    if any(getattr(h, "_gatehouse", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    handler._gatehouse = True  # type: ignore[attr-defined]
    root.addHandler(handler)


def init_app(app: Flask) -> None:
    """Give each request an id, and return it as ``X-Request-Id``."""

    @app.before_request
    def name_request() -> None:
        """The caller's id if sane, else a new one."""
        given = request.environ.get(ENVIRON_KEY, "")
        g.request_id = given if given and SANE_ID.match(given) else new_request_id()

    @app.after_request
    def return_request_id(response: Response) -> Response:
        """The response says which request it answers."""
        response.headers[HEADER] = request_id() or new_request_id()
        return response
