"""Flows through Flask's test client against the local pool, as a person without JavaScript."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.conftest import code_in

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PASSWORD = "Corr3ct-horse"


class Browser:
    """Keeps cookies, reads CSRF tokens from the last page, and submits forms."""

    def __init__(self, app, outbox) -> None:
        self.app = app
        self.http = app.test_client()
        self.outbox = outbox
        self.page = None

    def get(self, url: str, **kwargs):
        """GET without following redirects."""
        self.page = self.http.get(url, **kwargs)
        return self.page

    def open(self, url: str):
        """GET and follow redirects that stay on Gatehouse."""
        response = self.get(url)
        while response.status_code in (301, 302, 303) and _local(response.location):
            response = self.get(response.location)
        return response

    def submit(self, target: str, **fields):
        """POST a form of the current page with its CSRF token."""
        token = CSRF.search(self.page.get_data(as_text=True)).group(1)
        self.page = self.http.post(target, data={"csrf_token": token, **fields})
        return self.page

    def text(self) -> str:
        """The current page's HTML."""
        return self.page.get_data(as_text=True)

    def last_code(self, to: str) -> str:
        """The code in the newest email to an address."""
        return code_in(self.outbox.messages(to)[-1].text)

    def account(self, email: str | None = None, password: str = PASSWORD) -> str:
        """Sign up and confirm an account through the pages; returns its email."""
        email = email or f"flow-{uuid.uuid4().hex[:8]}@example.com"
        self.open("/signup")
        self.submit("/signup", email=email, password=password)
        self.open("/confirm")
        self.submit("/confirm", email=email, code=self.last_code(email))
        return email

    def sign_in(self, email: str, password: str = PASSWORD):
        """Submit the sign-in form."""
        self.open("/login")
        return self.submit("/login", email=email, password=password)


def app_tokens(app, email: str, password: str = PASSWORD) -> dict:
    """An app client's tokens for the account (the demo app, signed in at the pool directly)."""
    idp = app.extensions["gatehouse.userpool"].client
    return idp.initiate_auth(
        ClientId="demo",
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )["AuthenticationResult"]


def _local(location: str) -> bool:
    """True for a redirect that stays on Gatehouse (the test apps' base URLs)."""
    return location.startswith(
        ("/", "http://localhost/", "http://localhost:8000/", "https://localhost:8000/")
    )


@pytest.fixture
def browser(app, outbox) -> Browser:
    """A fresh browser on the app."""
    return Browser(app, outbox)


@pytest.fixture
def signed_in(app, outbox) -> tuple[Browser, str]:
    """A fresh account, signed in: (its browser, its email)."""
    browser = Browser(app, outbox)
    email = browser.account()
    browser.sign_in(email)
    return browser, email


def without_tokens(html: str) -> str:
    """A page with its CSRF tokens, CSP nonces and the magic-link number to match (random for
    every asking browser, known address or not) blanked, for byte comparisons."""
    html = CSRF.sub('name="csrf_token" type="hidden" value=""', html)
    html = re.sub(r'(class="match"[^>]*>)\d+<', r"\1<", html)
    return re.sub(r'nonce="[^"]+"', 'nonce=""', html)
