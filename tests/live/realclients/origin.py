"""The second origin: a small static HTTPS server, in a thread, for the browser apps under test."""

from __future__ import annotations

import functools
import ssl
import threading
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .tls import TLSFiles


class ThreadedTLSServer:
    """An HTTPS server on ``127.0.0.1:<port>`` (0: any free port) in a daemon thread, stopped at
    the latest after ``lifetime`` seconds, so a hung test run leaves nothing behind."""

    def __init__(
        self, port: int, handler: type[BaseHTTPRequestHandler], tls: TLSFiles, lifetime: float
    ) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls.cert, tls.key)
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._deadline = threading.Timer(lifetime, self.stop)
        self._deadline.daemon = True

    def __enter__(self):
        """Start serving."""
        self._thread.start()
        self._deadline.start()
        return self

    def __exit__(self, *exc) -> None:
        """Stop serving."""
        self.stop()

    def stop(self) -> None:
        """Stop the server and its deadline (idempotent)."""
        self._deadline.cancel()
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()


class _StaticFiles(SimpleHTTPRequestHandler):
    """Serves files as they are; nothing cached, so each run loads its own build."""

    def end_headers(self) -> None:
        """Forbid caching: a rebuilt bundle must never be replaced by a stale one."""
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        """Quiet: pytest's output is for failures."""


class AppOrigin(ThreadedTLSServer):
    """``https://127.0.0.1:<free port>`` serving the files under ``root``."""

    def __init__(self, root: Path, tls: TLSFiles, lifetime: float = 900) -> None:
        super().__init__(0, functools.partial(_StaticFiles, directory=str(root)), tls, lifetime)
        self.root = root
        self.url = f"https://127.0.0.1:{self.port}"
