"""One host name per local run: a GET on another name of the same server goes to the base URL.

``make run`` serves on 127.0.0.1 while the base URL says ``localhost`` (passkeys need a host
name). Cookies belong to one host name, so a person who opened ``127.0.0.1:8000/demo`` would lose
the session between the two names halfway through a sign-in. Local mode only: in production the
proxy in front owns host names.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, redirect, request


def init_app(app: Flask, base_url: str) -> None:
    """Redirect GET and HEAD requests whose Host is not the base URL's."""
    base = urlsplit(base_url)
    host = base.netloc.lower()

    @app.before_request
    def to_base_host():
        """The same path and query on the base URL's host (a POST is never redirected)."""
        if request.method not in ("GET", "HEAD") or request.host.lower() == host:
            return None
        path = request.full_path if request.query_string else request.path
        return redirect(f"{base.scheme}://{base.netloc}{path}", 302)
