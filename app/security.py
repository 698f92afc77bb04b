"""Security headers on every response (DESIGN.md §5), and the CSP nonce for templates."""

from __future__ import annotations

import secrets

from flask import Flask, Response, g

# form-action is left out on purpose: browsers apply it to the redirect that follows a form
# POST, and after sign-in that redirect goes to the app client's registered callback URL.
CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def csp_nonce() -> str:
    """The per-request nonce that an inline script must carry to run."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def add_security_headers(response: Response) -> Response:
    """Strict CSP, no framing, no sniffing, no referrer, and no caching of pages."""
    response.headers["Content-Security-Policy"] = CSP.format(nonce=csp_nonce())
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    return response


def init_app(app: Flask, base_url: str) -> None:
    """Install the headers, secure cookie settings and the template helper.

    Cookies are Secure whenever Gatehouse is served over https, which cognito mode requires;
    only a local-mode run on plain http (``make run``) sends them without the flag.
    """
    app.config.update(
        SESSION_COOKIE_SECURE=base_url.startswith("https://"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.after_request(add_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    from .branding import current_brand

    app.jinja_env.globals["current_brand"] = current_brand
    from .mailer import external_url

    app.jinja_env.globals["external_url"] = external_url
