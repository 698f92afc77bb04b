"""A requests transport adapter that answers from the app itself (local mode).

It does for the pool's OAuth2 domain what the botocore hook does for its API: Gatehouse's HTTP
client code runs unchanged, and no socket is needed — so the test client can drive social
sign-in without a live server.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from flask import Flask
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict


class InProcessAdapter(BaseAdapter):
    """Send requests to a Flask app in this process."""

    def __init__(self, app: Flask) -> None:
        super().__init__()
        self.app = app

    def send(self, request, **kwargs) -> requests.Response:
        """Run the request through the app's WSGI stack and wrap its answer."""
        url = urlsplit(request.url)
        answer = self.app.test_client().open(
            url.path,
            base_url=f"{url.scheme}://{url.netloc}",
            query_string=url.query,
            method=request.method,
            headers=dict(request.headers),
            data=request.body,
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = CaseInsensitiveDict(answer.headers)
        response._content = answer.get_data()
        response.url = request.url
        response.request = request
        response.encoding = answer.mimetype_params.get("charset", "utf-8")
        return response

    def close(self) -> None:
        """Nothing to release."""
