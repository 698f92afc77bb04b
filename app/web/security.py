"""Security headers on every response (DESIGN.md §5), the CSP nonce for templates, and CSRF
protection of every form POST."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from .csrf_tokens import csrf_token

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


HSTS = "max-age=63072000; includeSubDomains"
# Requests larger than this are refused (413) before they are parsed; no form comes near it.
MAX_BODY_BYTES = 256 * 1024


# The headers every response carries whatever it is; no view sets any of them.
FIXED_HEADERS = (
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
FIXED_NAMES = frozenset(name.lower() for name, _ in FIXED_HEADERS)


def add_security_headers(response: Response) -> Response:
    """Strict CSP, no framing, no sniffing, no referrer, no caching of pages, and HSTS where
    Gatehouse is served over https in production."""
    headers = response.headers
    headers["Content-Security-Policy"] = CSP.format(nonce=csp_nonce())
    if "Cache-Control" not in headers:
        headers.add("Cache-Control", "no-store")
    if any(name.lower() in FIXED_NAMES for name in headers.keys()):
        for name, value in FIXED_HEADERS:  # replaced, never sent twice
            headers[name] = value
    else:
        headers.extend(FIXED_HEADERS)  # the usual case, without a search per header
    if current_app.config["SESSION_COOKIE_SECURE"] and not current_app.config["GATEHOUSE_LOCAL"]:
        headers["Strict-Transport-Security"] = HSTS
    return response


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL, lowercased."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_form_post(csrf: CSRFProtect) -> None:
    """Refuse a form POST without this session's CSRF token, or one a browser says came from
    another site.

    Flask-WTF's token (bound to the session, signed, timed) is the protection. Its
    ``WTF_CSRF_SSL_STRICT`` referrer check cannot be used: every page sends
    ``Referrer-Policy: no-referrer`` (DESIGN.md §5), so over HTTPS a browser sends no ``Referer``
    and ``Origin: null``, and every POST would fail. The origin check is done with Fetch
    Metadata instead, which browsers send whatever the referrer policy: ``Sec-Fetch-Site`` is
    ``same-origin`` for Gatehouse's own forms, so ``cross-site`` or ``same-site`` (a sibling
    subdomain is another origin) is refused. A real ``Origin`` header, when a browser sends one,
    must be Gatehouse's. Clients that send neither (scripts, old browsers) rely on the token
    alone, as they always did.
    """
    if request.method not in current_app.config["WTF_CSRF_METHODS"]:
        return
    g.pop("csrf_valid", None)
    csrf.protect(apply_exemptions=True)
    if not g.get("csrf_valid"):
        return  # an exempt endpoint: machine clients that authenticate themselves
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        raise CSRFError("The form was sent from another site.")
    origin = request.headers.get("Origin", "null")
    base = current_app.extensions["gatehouse.settings"].base_url
    if origin != "null" and origin.lower() not in (_origin(base), _origin(request.host_url)):
        raise CSRFError("The form was sent from another origin.")


def init_app(app: Flask, base_url: str, csrf: CSRFProtect, *, local: bool) -> None:
    """Install the headers, secure cookie settings, CSRF protection and the template helpers.

    Cookies are Secure whenever Gatehouse is served over https, which cognito mode requires;
    only a local-mode run on plain http (``make run``) sends them without the flag. Over https
    the session cookie is a ``__Host-`` cookie: a page on a sibling subdomain could otherwise set
    one for the parent domain (cookie tossing) and give the browser its own session. HSTS is sent
    only outside local mode: pinning ``localhost`` to https would break a developer's other
    local servers.
    """
    app.config.update(
        GATEHOUSE_LOCAL=local,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        SESSION_COOKIE_SECURE=base_url.startswith("https://"),
        SESSION_COOKIE_NAME="__Host-session" if base_url.startswith("https://") else "session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # See check_form_post: the token is checked there, with Fetch Metadata, not the referrer.
        WTF_CSRF_SSL_STRICT=False,
        WTF_CSRF_CHECK_DEFAULT=False,
    )
    csrf.init_app(app)
    app.before_request(lambda: check_form_post(csrf))
    app.after_request(add_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    # Flask-WTF's token, made without its per-call serializer (see csrf_tokens).
    app.jinja_env.globals["csrf_token"] = csrf_token
    from ..branding import current_brand

    app.jinja_env.globals["current_brand"] = current_brand
    from ..mail import external_url

    app.jinja_env.globals["external_url"] = external_url
