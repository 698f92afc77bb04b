"""Rendered pages kept per process, for the anonymous GETs that everyone is shown alike.

GET ``/login`` is the page a login spike asks for first, and rendering it was most of its cost
(Jinja, the WTForms widgets, some sixty catalogue look-ups). Two people who ask for it with the
same inputs (language, brand, app client, the ways in and providers offered) get the same bytes
but for two per-request secrets: the CSRF token and the CSP nonce. So the first render of each
distinct page is kept with those two values swapped for markers, and later requests get a copy
with their own token and nonce written in (the token made as Flask-WTF makes it,
``csrf_tokens``: it also puts the raw token in the person's session, as a fresh render would).

A page is kept only under a key that names every input it reads: a view that caches a page
says what those are. Objects read by identity (a brand, which a reload in local mode replaces
with a new object) are named by ``id()`` and held with the page, so that no other object can
take that id while the page is kept. A page that shows something of the person (a flash
message, an address typed or given in the link) is rendered afresh and never kept. The cache
is bounded (least recently used out first), so a flood of distinct query strings costs what
rendering costs.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import Flask, current_app, request, session

from .csrf_tokens import csrf_token
from .security import csp_nonce

SIZE = 256
EXTENSION = "gatehouse.page_cache"


class PageCache:
    """Rendered pages by key, with markers where each request's CSRF token and nonce go."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, tuple[object, str]] = OrderedDict()
        self._lock = threading.Lock()
        # Random per process: no page's own text can contain them by chance or by design.
        self._csrf_mark = "csrf-" + secrets.token_hex(16)
        self._nonce_mark = "nonce-" + secrets.token_hex(16)

    def __len__(self) -> int:
        """How many pages are kept."""
        return len(self._pages)

    def clear(self) -> None:
        """Forget every page (the tests compare kept pages with fresh renders)."""
        with self._lock:
            self._pages.clear()

    def page(self, key: Hashable, render: Callable[[], str], held: object = None) -> str:
        """The page for ``key`` with this request's token and nonce; ``render()`` makes it once.
        ``held`` is what the key names by ``id()``: kept alive with the page.

        Personal pages are never kept: with a flash message waiting in the session the page is
        rendered (and the message shown) as if there were no cache.
        """
        if "_flashes" in session:
            return render()
        # Every url_for() on the page starts with the WSGI SCRIPT_NAME, which a proxy may pass
        # from the client: it is part of every page's key, whatever the view's key says.
        key = (request.script_root, key)
        with self._lock:
            kept = self._pages.get(key)
            if kept is not None:
                self._pages.move_to_end(key)
        if kept is None:
            html = render()
            page = html.replace(csrf_token(), self._csrf_mark).replace(
                csp_nonce(), self._nonce_mark
            )
            with self._lock:
                self._pages[key] = (held, page)
                while len(self._pages) > self.size:
                    self._pages.popitem(last=False)
            return html
        return kept[1].replace(self._csrf_mark, csrf_token()).replace(self._nonce_mark, csp_nonce())


def cached_page(key: Hashable, render: Callable[[], str], held: object = None) -> str:
    """This app's kept page for ``key`` (see ``PageCache.page``)."""
    return current_app.extensions[EXTENSION].page(key, render, held)


def init_app(app: Flask) -> None:
    """Give the app its page cache."""
    app.extensions[EXTENSION] = PageCache()
