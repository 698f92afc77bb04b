"""Rate limits on sign-in, sign-up, confirmation, resend, forgot-password and magic links: per IP
and per account typed.

Flask-Limiter keeps its counters in Redis when ``GATEHOUSE_REDIS_URL`` is set (shared by every
process, like the store); otherwise in this process's memory, which matches the embedded store's
one-process scope. The per-account key is a hash of the typed email, so a known and an unknown
address are limited alike.
"""

from __future__ import annotations

import functools
import hashlib
import math
import time

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

from .error_pages import error_page


class FormLimiter(Limiter):
    """Flask-Limiter, consulted for form POSTs only.

    Every limit here counts POSTs (``limited``, and the views' own ``methods=["POST"]``), so
    for a page read the limiter's bookkeeping (resolving the view's limits, their exemption
    scopes and meta limits, twice per request) decides nothing; it was a sixth of the cost of
    GET ``/login``. A request filter would not save it: Flask-Limiter runs its evaluation even
    for a filtered request.
    """

    def _check_request_limit(self, *args, **kwargs) -> None:
        """Flask-Limiter's check, for POSTs."""
        if request.method == "POST":
            super()._check_request_limit(*args, **kwargs)

    def init_app(self, app: Flask) -> None:
        """Flask-Limiter's set-up, with its after-request and teardown hooks run for POSTs
        only: on a page read they would deduct nothing and add no header (headers are off)."""
        super().init_app(app)
        for hooks in (app.after_request_funcs[None], app.teardown_request_funcs[None]):
            hooks[:] = [_for_posts(hook) if self._owns(hook) else hook for hook in hooks]

    def _owns(self, hook) -> bool:
        """Whether an app hook is this limiter's (a bound method, or a partial given it)."""
        if isinstance(hook, functools.partial):
            return hook.args[:1] == (self,)
        return getattr(hook, "__self__", None) is self


def _for_posts(hook):
    """``hook`` for a POST; for any other request, the response (or error) passed through."""

    def for_posts(value):
        """Run the limiter's hook for a POST only."""
        return hook(value) if request.method == "POST" else value

    return for_posts


limiter = FormLimiter(key_func=get_remote_address)


def per_ip() -> str:
    """The configured per-IP limit, e.g. ``30 per minute``."""
    return current_app.extensions["gatehouse.settings"].rate_limit_ip


def per_account() -> str:
    """The configured per-account limit."""
    return current_app.extensions["gatehouse.settings"].rate_limit_account


def account_key() -> str:
    """The typed email, normalised and hashed (no address is kept in the limiter).

    A form without an email (the magic-link code form) counts per IP instead: one shared
    bucket for every such form would let anyone lock everyone out.
    """
    email = (request.form.get("email") or "").strip().lower()
    if not email:
        return "ip:" + get_remote_address()
    return "account:" + hashlib.sha256(email.encode()).hexdigest()


def limited(view):
    """Limit a form view's POSTs per IP and per account.

    A page read goes straight to the view: Flask-Limiter's two wrappers would only look up the
    request's identity and find nothing to count. The wrapper keeps the view's name, which is
    what Flask-Limiter files the limits under.
    """
    counted = limiter.limit(per_account, key_func=account_key, methods=["POST"])(view)
    counted = limiter.limit(per_ip, methods=["POST"])(counted)

    @functools.wraps(view)
    def form_view(*args, **kwargs):
        """The limited view for a POST, the view itself otherwise."""
        return (counted if request.method == "POST" else view)(*args, **kwargs)

    return form_view


def init_app(app: Flask) -> None:
    """Attach the limiter, trust the configured proxies for the client IP, add the 429 page."""
    settings = app.extensions["gatehouse.settings"]
    if settings.trusted_proxies:
        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=settings.trusted_proxies,
            x_proto=settings.trusted_proxies,
            x_host=settings.trusted_proxies,
        )
    app.config.update(
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        # Off: Flask-Limiter would put its own Retry-After on every limited response, a 503
        # from the pool included, so the header and the page's words would disagree.
        RATELIMIT_HEADERS_ENABLED=False,
        RATELIMIT_STRATEGY="moving-window",
    )
    limiter.init_app(app)

    @app.errorhandler(429)
    def too_many(error):
        """The clear page; Retry-After is when the breached limit lets the next request in."""
        breached = limiter.current_limit
        seconds = math.ceil(breached.reset_at - time.time()) if breached else 60
        return error_page("rate_limited", 429, max(1, seconds))
