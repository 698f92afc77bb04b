"""Emailed links follow the base URL on any port (issue 9, observation 6)."""

from __future__ import annotations

from .conftest import PASSWORD, Browser


def test_emailed_links_follow_the_base_url_on_any_port(make_app, outbox):
    # The CustomMessage trigger used to build links from its own environment (port 8000).
    app = make_app(base_url="http://localhost:9000")
    browser = Browser(app, outbox)
    browser.http.base_url = "http://localhost:9000"
    browser.open("/signup")
    browser.submit("/signup", email="port9000@example.com", password=PASSWORD)
    text = outbox.messages("port9000@example.com")[-1].text
    assert "http://localhost:9000/confirm?" in text and ":8000" not in text
