"""Local mode stays on this machine, under one host name.

- Only this machine is served: local mode answers the local pool's admin API and the outbox,
  which must never reach a network (gunicorn.conf.py also refuses to bind elsewhere; this holds
  however the app is served), unless GATEHOUSE_DANGEROUSLY_SERVE_LOCAL_MODE_ON_NETWORK says so.
  That takes a loopback peer *and* one of this machine's names in ``Host``: a web page whose
  name an attacker points at 127.0.0.1 (DNS rebinding) makes the browser a loopback peer that is
  same-origin with the page, so no CORS rule stands in its way; only its ``Host`` gives it away.
- A GET on another name of the same server goes to the base URL: ``make run`` serves on
  127.0.0.1 while the base URL says ``localhost`` (passkeys need a host name). Cookies belong to
  one host name, so a person who opened ``127.0.0.1:8000/demo`` would lose the session between
  the two names halfway through a sign-in. In production the proxy in front owns host names.
"""

from __future__ import annotations

import functools
import ipaddress
from urllib.parse import quote, urlsplit

from flask import Flask, redirect, request
from werkzeug.middleware.proxy_fix import ProxyFix

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
# Characters a path or query keeps as they are when the redirect quotes it again (RFC 3986's
# sub-delims, ":" and "@"; "%" only in the query, which is still in its raw, quoted form).
PATH_SAFE = "/!$&'()*+,;=:@~"
QUERY_SAFE = PATH_SAFE + "?%"


@functools.lru_cache(maxsize=1024)
def _loopback(address: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback; a Unix socket has no address.
    (Kept per address: parsing one cost as much as choosing the page's brand.)"""
    if not address:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return ip.is_loopback or bool(getattr(ip, "ipv4_mapped", None) and ip.ipv4_mapped.is_loopback)


def _host_name(environ) -> str | None:
    """The host name the client asked for (``Host``, without its port), lowercased."""
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or ""
    return urlsplit(f"//{host}").hostname


class LoopbackOnly:
    """WSGI middleware: refuse network peers (403) and names other than this machine's (400)."""

    def __init__(self, wsgi_app, names: frozenset[str]) -> None:
        self.wsgi_app = wsgi_app
        self.names = names

    def __call__(self, environ, start_response):
        """The app, for a loopback peer that asked for one of this machine's names."""
        if not _loopback(environ.get("REMOTE_ADDR")):
            status, why = "403 Forbidden", "serves this machine only"
        elif _host_name(environ) not in self.names:
            status, why = "400 Bad Request", "answers only to this machine's own names"
        else:
            return self.wsgi_app(environ, start_response)
        start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
        return [f"Local mode {why} (see GATEHOUSE_MODE).\n".encode()]


def serve_loopback_only(app: Flask, base_url: str) -> None:
    """Refuse network peers and foreign host names. Call it last in create_app: the check must
    wrap everything, ProxyFix included (else a forged X-Forwarded-For would pass for a loopback
    peer). Behind trusted proxies it also judges the client they name, inside ProxyFix: a
    network client that reaches a proxy on this machine must not pass for the proxy."""
    names = LOOPBACK_NAMES | {urlsplit(base_url).hostname or "localhost"}
    if isinstance(app.wsgi_app, ProxyFix):
        app.wsgi_app.app = LoopbackOnly(app.wsgi_app.app, names)
    app.wsgi_app = LoopbackOnly(app.wsgi_app, names)


def one_host_name(app: Flask, base_url: str) -> None:
    """Redirect GET and HEAD requests whose Host is not the base URL's (register it first)."""
    base = urlsplit(base_url)
    host = base.netloc.lower()

    @app.before_request
    def to_base_host():
        """The same path and query on the base URL's host (a POST is never redirected).

        The path is quoted again: Werkzeug hands it over decoded, and a decoded line break
        must not reach the Location header (nor a decoded ``?`` change what the path is).
        """
        if request.method not in ("GET", "HEAD") or request.host.lower() == host:
            return None
        location = f"{base.scheme}://{base.netloc}{quote(request.path, safe=PATH_SAFE)}"
        if request.query_string:
            location += "?" + quote(request.query_string.decode("latin-1"), safe=QUERY_SAFE)
        return redirect(location, 302)
