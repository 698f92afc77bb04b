"""CORS for the OAuth2/OIDC JSON endpoints, so browser apps on their own origin can call them.

Allowed origins are those of every app client's registered callback and sign-out URLs, read
through the gateway (ListUserPoolClients, then DescribeUserPoolClient) and kept briefly; never
``*``, never with credentials (these endpoints authenticate by client credentials or Bearer
tokens, not cookies). flask-cors evaluates each request against options built from that list.
The pages get no CORS headers at all.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask_cors.core import get_cors_options, set_cors_headers

from ..userpool.errors import UserPoolError
from ..userpool.gateway import CLIENT_CACHE_SECONDS as CACHE_SECONDS

log = logging.getLogger(__name__)
# Gatehouse's JSON endpoints and, in local mode, the local pool's discovery document, JWKS and
# API (Amplify calls GetUser, GlobalSignOut, RevokeToken, GetTokensFromRefreshToken there).
ENDPOINTS = frozenset(
    {
        "oauth2.token",
        "oauth2.revoke",
        "oauth2.userinfo",
        "oauth2.discovery",
        "localpool_domain.discovery",
        "localpool.jwks",
        "localpool.api",
    }
)
# What Amplify (x-amz-*, amz-sdk-*, cache-control) and oidc-client-ts (authorization) send.
ALLOW_HEADERS = [
    "amz-sdk-invocation-id",
    "amz-sdk-request",
    "authorization",
    "cache-control",
    "content-type",
    "x-amz-target",
    "x-amz-user-agent",
]
# What a client may read of an error: Cognito's error headers, and when to try again.
EXPOSE_HEADERS = ["Retry-After", "x-amzn-ErrorMessage", "x-amzn-ErrorType", "x-amzn-RequestId"]
PAGE_SIZE = 60  # ListUserPoolClients' largest page
DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """The origin a browser sends for pages under ``url`` (``scheme://host[:port]``, the default
    port left out), or None for URLs that are not http(s), such as a native app's scheme."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if port in (None, DEFAULT_PORTS[parts.scheme]):
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


class AllowedOrigins:
    """The origins of every app client's callback and sign-out URLs, re-read after a minute."""

    def __init__(self, pool) -> None:
        self.pool = pool
        self._origins: frozenset[str] = frozenset()
        self._read_at: float | None = None
        self._lock = threading.Lock()

    def current(self) -> frozenset[str]:
        """The allowed origins; when the pool cannot be read, the last ones known."""
        with self._lock:
            fresh = self._read_at is not None and time.monotonic() - self._read_at < CACHE_SECONDS
            if fresh:
                return self._origins
            try:
                self._origins = self._read()
            except UserPoolError as error:
                log.warning("CORS origins not refreshed: %s %s", error.operation, error.code)
                return self._origins
            self._read_at = time.monotonic()
            return self._origins

    def _read(self) -> frozenset[str]:
        """Every app client's URLs, page by page."""
        origins: set[str] = set()
        params: dict[str, object] = {"MaxResults": PAGE_SIZE}
        while True:
            page = self.pool.call("ListUserPoolClients", **params)
            for summary in page.get("UserPoolClients", []):
                described = self.pool.app_client(summary["ClientId"])
                for url in [*described.get("CallbackURLs", []), *described.get("LogoutURLs", [])]:
                    if origin := origin_of(url):
                        origins.add(origin)
            if not page.get("NextToken"):
                return frozenset(origins)
            params["NextToken"] = page["NextToken"]


def add_cors_headers(response: Response) -> Response:
    """CORS headers on the JSON endpoints' answers (preflights included), for allowed origins."""
    if request.endpoint not in ENDPOINTS:
        return response
    # The answer depends on Origin whether or not it is allowed: caches must keep them apart.
    response.vary.add("Origin")
    if "Origin" not in request.headers:
        return response
    origins = current_app.extensions["gatehouse.cors"].current()
    options = get_cors_options(
        current_app,
        {
            # Exact, case-insensitive matches: an origin is never read as a pattern.
            "origins": [re.compile(re.escape(o) + r"\Z", re.IGNORECASE) for o in sorted(origins)],
            "methods": ["GET", "POST"],
            "allow_headers": ALLOW_HEADERS,
            "expose_headers": EXPOSE_HEADERS,
            "supports_credentials": False,
            "max_age": 600,
            "always_send": False,
            "vary_header": False,
        },
    )
    return set_cors_headers(response, options)


def init_app(app: Flask) -> None:
    """Keep the allowed origins and add the headers after every request."""
    app.extensions["gatehouse.cors"] = AllowedOrigins(app.extensions["gatehouse.userpool"])
    app.after_request(add_cors_headers)
