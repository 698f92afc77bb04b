"""The second origin: a small static HTTPS server, in a thread, for the browser apps under test."""

from __future__ import annotations

import functools
import ssl
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .tls import TLSFiles


class _Handler(SimpleHTTPRequestHandler):
    """Serves files as they are; nothing cached, so each run loads its own build."""

    def end_headers(self) -> None:
        """Forbid caching: a rebuilt bundle must never be replaced by a stale one."""
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        """Quiet: pytest's output is for failures."""


class AppOrigin:
    """``https://127.0.0.1:<port>`` serving one directory, for at most ``lifetime`` seconds."""

    def __init__(self, root: Path, tls: TLSFiles, lifetime: float = 900) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls.cert, tls.key)
        self.root = root
        handler = functools.partial(_Handler, directory=str(root))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        # A test run that hangs must not leave a server behind for ever.
        self._deadline = threading.Timer(lifetime, self.stop)
        self._deadline.daemon = True

    def __enter__(self) -> AppOrigin:
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
