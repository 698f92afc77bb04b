"""The blank sign-in page is rendered once per distinct page and kept (``app.web.page_cache``):
every person still gets their own CSRF token and CSP nonce, sees exactly what a fresh render
would show them, and never sees what was meant for someone else."""

from __future__ import annotations

import re

import pytest
from flask import template_rendered

from app.web.page_cache import EXTENSION, PageCache
from tests.flows.conftest import CSRF, Browser, without_tokens

NONCE = re.compile(r'nonce="([^"]+)"')


@pytest.fixture
def renders(app):
    """The names of the templates rendered while the test runs."""
    names: list[str] = []

    def note(sender, template, context, **extra):
        """Record one render."""
        names.append(template.name)

    template_rendered.connect(note, app)
    yield names
    template_rendered.disconnect(note, app)


def test_the_blank_sign_in_page_is_rendered_once_and_each_person_gets_their_own_secrets(
    app, renders
):
    pages = [app.test_client().get("/login") for _ in range(3)]
    assert renders.count("signin/login.html") == 1
    tokens = {CSRF.search(page.get_data(as_text=True)).group(1) for page in pages}
    nonces = {NONCE.search(page.get_data(as_text=True)).group(1) for page in pages}
    assert len(tokens) == 3 and len(nonces) == 3
    for page in pages:
        # The page's nonce is the one its Content-Security-Policy allows.
        nonce = NONCE.search(page.get_data(as_text=True)).group(1)
        assert f"'nonce-{nonce}'" in page.headers["Content-Security-Policy"]


def test_the_token_on_a_kept_page_signs_in(app, outbox):
    email = Browser(app, outbox).account()
    Browser(app, outbox).open("/login")  # the page is kept now
    person = Browser(app, outbox)
    person.open("/login")
    response = person.submit("/login", email=email, password="Corr3ct-horse")
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    assert "/account" in response.location or "/oauth2" in response.location


VARIANTS = [
    "/login",
    "/login?lang=fr",
    "/login?lang=ar",
    "/login?client_id=demo",
    "/login?client_id=demo&lang=de",
    "/login?client_id=northwind",
    "/login?client_id=northwind&lang=fr",
    "/login?client_id=no-such-client",
    "/login?email=someone%40example.com",
]


def test_every_kept_page_is_the_page_a_fresh_render_gives(app):
    """All variants share one cache, so an input missing from the key would show here as one
    variant's page served for another."""
    cache: PageCache = app.extensions[EXTENSION]
    fresh = {}
    for url in VARIANTS:
        cache.clear()
        fresh[url] = without_tokens(app.test_client().get(url).get_data(as_text=True))
    cache.clear()
    for _ in range(2):
        for url in VARIANTS:
            kept = without_tokens(app.test_client().get(url).get_data(as_text=True))
            assert kept == fresh[url], url
    assert len(set(fresh.values())) == len(VARIANTS)  # each variant its own page
    assert len(cache) == len(VARIANTS)


def test_a_pending_app_request_gets_its_apps_page(app):
    """The pending authorization request (in the session) names the app client: its brand and
    providers, not those of the page kept for a visitor with none."""
    plain = app.test_client().get("/login?client_id=demo").get_data(as_text=True)
    person = app.test_client()
    person.get(
        "/oauth2/authorize?response_type=code&client_id=demo&scope=openid"
        "&redirect_uri=http%3A%2F%2Flocalhost%3A8000%2Fdemo%2Fcallback&state=s1"
    )
    pending = person.get("/login").get_data(as_text=True)
    fresh = app.test_client()
    app.extensions[EXTENSION].clear()
    fresh.get(
        "/oauth2/authorize?response_type=code&client_id=demo&scope=openid"
        "&redirect_uri=http%3A%2F%2Flocalhost%3A8000%2Fdemo%2Fcallback&state=s2"
    )
    assert without_tokens(pending) == without_tokens(fresh.get("/login").get_data(as_text=True))
    assert "Demo app" in pending and "Demo app" in plain


def test_a_flashed_message_is_shown_once_and_to_no_one_else(app):
    app.test_client().get("/login")
    person = app.test_client()
    person.get("/login/resume")  # no place in line: "your session expired" is flashed
    shown = person.get("/login").get_data(as_text=True)
    assert 'role="alert"' in shown
    assert 'role="alert"' not in person.get("/login").get_data(as_text=True)
    assert 'role="alert"' not in app.test_client().get("/login").get_data(as_text=True)


def test_an_address_in_the_link_is_never_kept(app, renders):
    hinted = app.test_client().get("/login?login_hint=someone%40example.com")
    assert 'value="someone@example.com"' in hinted.get_data(as_text=True)
    other = app.test_client().get("/login").get_data(as_text=True)
    assert "someone@example.com" not in other
    app.test_client().get("/login?login_hint=someone%40example.com")
    assert renders.count("signin/login.html") == 3  # two hinted pages, each rendered


def test_the_cache_is_bounded_least_recently_used_first(app):
    cache = PageCache(size=2)
    with app.test_request_context("/login"):
        assert cache.page("a", lambda: "page a") == "page a"
        assert cache.page("b", lambda: "page b") == "page b"
        assert cache.page("a", lambda: "render again") == "page a"  # a is used again
        cache.page("c", lambda: "page c")  # b, the least recently used, goes
        assert len(cache) == 2
        assert cache.page("b", lambda: "b rendered again") == "b rendered again"
        assert cache.page("a", lambda: "render again") == "render again"  # gone in its turn


def test_a_script_name_from_the_request_never_reaches_another_persons_page(app):
    """A proxy may pass a client's SCRIPT_NAME header on (gunicorn trusts it from its
    forwarded_allow_ips): the page it gives that request is not kept for anyone else."""
    hostile = app.test_client().get("/login", base_url="http://localhost:8000/evil-prefix")
    assert 'action="/evil-prefix/login"' in hostile.get_data(as_text=True)
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "evil-prefix" not in page


def test_page_reads_skip_the_rate_limiters_bookkeeping_and_form_posts_do_not(app, monkeypatch):
    """Every limit counts POSTs, so the limiter is not consulted for a page read."""
    from flask_limiter import Limiter
    from flask_limiter._extension import LimiterContext

    consulted = []
    real = Limiter._check_request_limit

    def counting(self, *args, **kwargs):
        """Note each time Flask-Limiter itself is asked."""
        consulted.append(kwargs.get("in_middleware", True))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Limiter, "_check_request_limit", counting)
    # Its after-request and teardown hooks, which the app holds (as partials and bound methods).
    after = []
    monkeypatch.setattr(
        Limiter, "_Limiter__check_conditional_deductions", lambda *a: after.append(1)
    )
    monkeypatch.setattr(LimiterContext, "reset", lambda self: after.append(2))
    client = app.test_client()
    page = client.get("/login")
    assert page.status_code == 200 and consulted == [] and after == []
    token = CSRF.search(page.get_data(as_text=True)).group(1)
    client.post("/login", data={"csrf_token": token, "email": "a@example.com", "password": "x"})
    assert consulted  # the POST is limited as before
    assert 1 in after and 2 in after
