"""Local mode stays on this machine, under one host name.

- Only loopback peers are served: local mode answers the local pool's admin API and the outbox,
  which must never reach a network (gunicorn.conf.py also refuses to bind elsewhere; this holds
  however the app is served), unless GATEHOUSE_DANGEROUSLY_SERVE_LOCAL_MODE_ON_NETWORK says so.
- A GET on another name of the same server goes to the base URL: ``make run`` serves on
  127.0.0.1 while the base URL says ``localhost`` (passkeys need a host name). Cookies belong to
  one host name, so a person who opened ``127.0.0.1:8000/demo`` would lose the session between
  the two names halfway through a sign-in. In production the proxy in front owns host names.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import Flask, redirect, request


def _loopback(address: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback; a Unix socket has no address."""
    if not address:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return ip.is_loopback or bool(getattr(ip, "ipv4_mapped", None) and ip.ipv4_mapped.is_loopback)


class LoopbackOnly:
    """WSGI middleware (outermost, before any proxy handling): refuse non-loopback peers."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        """403 for a peer on the network."""
        if _loopback(environ.get("REMOTE_ADDR")):
            return self.wsgi_app(environ, start_response)
        start_response("403 Forbidden", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"Local mode serves this machine only (see GATEHOUSE_MODE).\n"]


def serve_loopback_only(app: Flask) -> None:
    """Refuse network peers. Call it last in create_app: the check must wrap everything,
    ProxyFix included (else a forged X-Forwarded-For would pass for a loopback peer)."""
    app.wsgi_app = LoopbackOnly(app.wsgi_app)


def one_host_name(app: Flask, base_url: str) -> None:
    """Redirect GET and HEAD requests whose Host is not the base URL's (register it first)."""
    base = urlsplit(base_url)
    host = base.netloc.lower()

    @app.before_request
    def to_base_host():
        """The same path and query on the base URL's host (a POST is never redirected)."""
        if request.method not in ("GET", "HEAD") or request.host.lower() == host:
            return None
        path = request.full_path if request.query_string else request.path
        return redirect(f"{base.scheme}://{base.netloc}{path}", 302)
