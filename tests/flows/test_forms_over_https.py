"""Form POSTs over HTTPS as a real browser sends them (issue 9, observation 1).

Every page sends ``Referrer-Policy: no-referrer``, so Chromium sends no ``Referer`` and
``Origin: null`` with a form POST; it still sends ``Sec-Fetch-Site``. The same holds behind a TLS
proxy that sets ``X-Forwarded-Proto: https``.
"""

from __future__ import annotations

import pytest

from .conftest import PASSWORD, Browser

# What Chromium sends with a same-origin form POST from a page with Referrer-Policy: no-referrer.
SAME_ORIGIN_FORM = {"Origin": "null", "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate"}


class HttpsBrowser(Browser):
    """A browser on https://localhost:8000 that sends what Chromium sends."""

    def __init__(self, app, outbox, *, proxied: bool = False, headers=None) -> None:
        super().__init__(app, outbox)
        self.headers = dict(SAME_ORIGIN_FORM if headers is None else headers)
        if proxied:
            # TLS ends at a proxy; the app sees plain HTTP plus the forwarded scheme.
            self.http.base_url = "http://localhost:8000"
            self.http.environ_base["HTTP_X_FORWARDED_PROTO"] = "https"
            # A browser on this machine: local mode refuses a network client, proxied or not.
            self.http.environ_base["HTTP_X_FORWARDED_FOR"] = "127.0.0.1"
        else:
            self.http.base_url = "https://localhost:8000"

    def submit(self, target: str, **fields):
        """POST the current page's form with the browser's headers (and no Referer)."""
        from .conftest import CSRF

        token = CSRF.search(self.page.get_data(as_text=True)).group(1)
        self.page = self.http.post(
            target, data={"csrf_token": token, **fields}, headers=self.headers
        )
        return self.page


@pytest.fixture
def https_app(make_app):
    """The app as production runs it: an https base URL (Secure cookies)."""
    return make_app(base_url="https://localhost:8000")


@pytest.mark.parametrize("proxied", [False, True], ids=["direct-tls", "tls-proxy"])
def test_sign_up_confirm_and_sign_in_over_https(make_app, outbox, proxied):
    app = make_app(base_url="https://localhost:8000", trusted_proxies=1 if proxied else 0)
    browser = HttpsBrowser(app, outbox, proxied=proxied)
    email = browser.account()
    assert "Your email address is confirmed" in browser.open(browser.page.location).get_data(
        as_text=True
    )
    response = browser.sign_in(email)
    assert response.status_code == 303 and response.location.endswith("/account")
    assert email in browser.open("/account").get_data(as_text=True)


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "same-site", "Origin": "https://other.localhost:8000"},
        {"Origin": "https://evil.example"},
    ],
    ids=["cross-site", "same-site", "foreign-origin"],
)
def test_a_cross_site_post_with_a_valid_token_is_refused(https_app, outbox, headers):
    browser = HttpsBrowser(https_app, outbox, headers=headers)
    browser.open("/login")
    response = browser.submit("/login", email="someone@example.com", password=PASSWORD)
    assert response.status_code == 400
    assert "This form expired or was sent from another page" in response.get_data(as_text=True)


def test_a_client_without_fetch_metadata_still_needs_only_the_token(https_app, outbox):
    # Older browsers and scripts send neither Sec-Fetch-Site nor a usable Origin: the
    # session-bound token alone decides.
    browser = HttpsBrowser(https_app, outbox, headers={})
    browser.open("/forgotPassword")
    assert browser.submit("/forgotPassword", email="someone@example.com").status_code == 303
