"""Every response carries each security header exactly once, whatever a view set before."""

from __future__ import annotations

import re

from flask import Flask, Response

from app.observability.logs import new_request_id
from app.web.security import FIXED_HEADERS, add_security_headers


def _headers_of(response: Response) -> dict[str, list[str]]:
    """Each header's values, by lowercased name."""
    seen: dict[str, list[str]] = {}
    for name, value in response.headers.items():
        seen.setdefault(name.lower(), []).append(value)
    return seen


def _app() -> Flask:
    app = Flask(__name__)
    app.config.update(SESSION_COOKIE_SECURE=False, GATEHOUSE_LOCAL=True)
    return app


def test_a_plain_response_gets_each_header_once():
    with _app().test_request_context("/"):
        seen = _headers_of(add_security_headers(Response("page")))
    for name, value in FIXED_HEADERS:
        assert seen[name.lower()] == [value]
    assert seen["cache-control"] == ["no-store"]
    assert len(seen["content-security-policy"]) == 1


def test_a_header_a_view_set_is_replaced_not_doubled():
    response = Response(
        "page", headers={"X-Frame-Options": "SAMEORIGIN", "Cache-Control": "public"}
    )
    with _app().test_request_context("/"):
        seen = _headers_of(add_security_headers(response))
    for name, value in FIXED_HEADERS:
        assert seen[name.lower()] == [value]
    assert seen["cache-control"] == ["public"]  # a view's own caching rule stands


def test_request_ids_are_32_hex_digits_and_differ():
    ids = {new_request_id() for _ in range(2000)}
    assert len(ids) == 2000 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
