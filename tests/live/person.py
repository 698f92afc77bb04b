"""A person at a browser without JavaScript: follows links, fills forms, keeps cookies."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import requests

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Person:
    """Drives Gatehouse's pages over HTTP as a browser would (CSRF tokens included)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()
        self.page: requests.Response | None = None

    def get(self, url: str) -> requests.Response:
        """Open a URL (relative to the server); redirects are not followed."""
        self.page = self.http.get(urljoin(self.base, url), allow_redirects=False, timeout=10)
        return self.page

    def open(self, url: str) -> requests.Response:
        """Open a URL and follow redirects that stay on the server."""
        response = self.get(url)
        while response.status_code in (301, 302, 303) and self.stays(response.headers["Location"]):
            response = self.get(response.headers["Location"])
        return response

    def stays(self, location: str) -> bool:
        """True when a redirect stays on Gatehouse."""
        return urljoin(self.base, location).startswith(self.base)

    def submit(self, target: str, **fields: str) -> requests.Response:
        """POST a form of the current page, with its CSRF token."""
        match = CSRF.search(self.page.text)
        assert match, "the page has no form with a CSRF token"
        data = {"csrf_token": match.group(1), **fields}
        self.page = self.http.post(
            urljoin(self.base, target), data=data, allow_redirects=False, timeout=10
        )
        return self.page
