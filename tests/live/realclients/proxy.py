"""A TLS-terminating reverse proxy, in a thread, as a load balancer stands in front of gunicorn.

It forwards each request to a plain-HTTP upstream with `X-Forwarded-For`, `X-Forwarded-Proto:
https` and `X-Forwarded-Host`, and returns the answer untouched (redirects are not followed).
"""

from __future__ import annotations

import http.client
from http.server import BaseHTTPRequestHandler

from .origin import ThreadedTLSServer
from .tls import TLSFiles

# Headers that belong to one connection, never forwarded (RFC 9110 §7.6.1).
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}


def _handler(upstream_port: int):
    """A request handler class that forwards to ``127.0.0.1:upstream_port``."""

    class Forward(BaseHTTPRequestHandler):
        """Forwards any method with its body."""

        def _forward(self) -> None:
            """Send the request upstream and copy the answer back."""
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers.update(
                {
                    "X-Forwarded-For": self.client_address[0],
                    "X-Forwarded-Proto": "https",
                    "X-Forwarded-Host": self.headers.get("Host", ""),
                }
            )
            upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
            try:
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                payload = answer.read()
                self.send_response(answer.status, answer.reason)
                for name, value in answer.getheaders():
                    if name.lower() not in HOP_BY_HOP | {"content-length"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            finally:
                upstream.close()

        do_GET = do_POST = do_HEAD = do_OPTIONS = _forward

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
            """Quiet: gunicorn's access log says it all."""

    return Forward


class TLSProxy(ThreadedTLSServer):
    """``https://127.0.0.1:<port>`` in front of ``http://127.0.0.1:<upstream_port>``."""

    def __init__(self, port: int, upstream_port: int, tls: TLSFiles, lifetime: float = 900):
        super().__init__(port, _handler(upstream_port), tls, lifetime)
