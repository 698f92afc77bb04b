"""Home, health and error pages: DESIGN.md §5 headers everywhere, and clear pages for faults."""

from __future__ import annotations

import pytest

from app.messages import text
from app.userpool import errors

PAGES = [
    "/",
    "/healthz",
    "/readyz",
    "/_dev/mail",
    "/no-such-page",
    "/_localpool/us-east-1_gatehouse/.well-known/jwks.json",
]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_every_page(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert "'unsafe-inline'" not in csp and "script-src 'self' 'nonce-" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_csp_nonce_differs_per_request(client):
    first = client.get("/").headers["Content-Security-Policy"]
    assert first != client.get("/").headers["Content-Security-Policy"]


def test_session_cookie_flags(make_app):
    app = make_app(base_url="https://login.example.com")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert not make_app(base_url="http://localhost:8000").config["SESSION_COOKIE_SECURE"]


def test_over_https_the_session_cookie_cannot_be_planted_from_a_sibling_subdomain(make_app):
    # A page on another subdomain can set a cookie for the parent domain (cookie tossing) that
    # the browser then sends here: an attacker's session, or his CSRF token, in the victim's
    # browser. Browsers refuse a __Host- cookie that names a domain or comes from another host.
    app = make_app(base_url="https://login.example.com")
    response = app.test_client().get("/login")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-")
    assert "Secure" in cookie and "Path=/;" in cookie and "Domain" not in cookie
    plain = make_app(base_url="http://localhost:8000").test_client().get("/login")
    assert plain.headers["Set-Cookie"].startswith("session=")  # no prefix without https


def test_health_and_readiness(client):
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json == {"status": "ready", "pool": "ok", "store": "ok"}


def test_readiness_fails_when_the_pool_throttles(app, client):
    app.extensions["gatehouse.localpool"].throttle["UserResourceRead"] = 0.5
    client.get("/readyz")
    response = client.get("/readyz")
    assert response.status_code == 503 and response.headers["Retry-After"]


@pytest.mark.parametrize(
    ("error", "status", "key"),
    [
        (errors.Throttled("TooManyRequestsException", "SignUp"), 503, "throttled"),
        (errors.Unavailable("EndpointConnectionError", "SignUp"), 503, "unavailable"),
        (errors.ConfigurationFault("ResourceNotFoundException", "SignUp"), 500, "configuration"),
        (errors.CodeMismatch("CodeMismatchException", "ConfirmSignUp"), 500, "unexpected"),
        (errors.InvalidInput("InvalidParameterException", "ChangePassword"), 400, "invalid_input"),
        (RuntimeError("boom: secret detail"), 500, "unexpected"),
    ],
)
def test_faults_get_a_clear_page(app, error, status, key):
    @app.get("/_test/fault")
    def fault():
        raise error

    response = app.test_client().get("/_test/fault")
    body = response.get_data(as_text=True)
    assert response.status_code == status
    assert text(key).replace("'", "&#39;") in body
    assert (
        "Traceback" not in body
        and "secret detail" not in body
        and error.__class__.__name__ not in body
    )
    if status == 503:
        assert int(response.headers["Retry-After"]) > 0
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_outbox_page_lists_mail(app, client):
    idp = app.extensions["gatehouse.userpool"].client
    idp.sign_up(ClientId="demo", Username="outbox@example.com", Password="Corr3ct-horse")
    page = client.get("/_dev/mail").get_data(as_text=True)
    assert "outbox@example.com" in page and "Confirm your email for Demo app" in page


def test_a_form_without_an_email_is_limited_per_ip_not_globally(app):
    from app.web.limits import account_key

    with app.test_request_context(
        "/magic-link/sent",
        method="POST",
        data={"code": "123456"},
        environ_base={"REMOTE_ADDR": "192.0.2.1"},
    ):
        first = account_key()
    with app.test_request_context(
        "/magic-link/sent",
        method="POST",
        data={"code": "123456"},
        environ_base={"REMOTE_ADDR": "192.0.2.2"},
    ):
        assert account_key() != first
    with app.test_request_context("/login", method="POST", data={"email": "A@example.com "}):
        typed = account_key()
    with app.test_request_context("/login", method="POST", data={"email": "a@example.com"}):
        assert account_key() == typed and "a@example.com" not in typed


def test_the_start_page_leads_to_the_demo_and_the_outbox(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/demo"' in page and 'href="/_dev/mail"' in page and 'href="/login"' in page


def test_outbox_links_are_clickable_exactly_as_emailed(app, client, outbox):
    import re

    from tests.flows.conftest import Browser

    browser = Browser(app, outbox)
    browser.open("/signup")
    browser.submit("/signup", email="clicks@example.com", password="Corr3ct-horse")
    mail = outbox.messages("clicks@example.com")[-1]
    link = re.search(r"\((http[^)]+/confirm\?[^)]+)\)", mail.text).group(1)
    page = client.get(f"/_dev/mail/{mail.path.name}").get_data(as_text=True)
    assert f'<a href="{link.replace("&", "&amp;")}"' in page


def test_the_start_page_shows_the_seeded_account_in_local_mode(client):
    page = client.get("/").get_data(as_text=True)
    assert "<code>demo@example.com</code>" in page and "<code>Demo-passw0rd</code>" in page
