"""CPU-heavy C code that releases the GIL, run where it does not stop the other requests.

Under gunicorn's gevent worker (gunicorn.conf.py) one OS thread runs every request of a worker:
an Argon2 hash there (tens of milliseconds) would stop them all and leave the second core idle.
gevent's pool of real threads runs it beside them. Under threads, or the test client, the call
is made directly: it already runs in a thread of its own.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def run_in_native_thread(work: Callable[..., T], *args: object) -> T:
    """``work(*args)`` in a real thread when gevent runs this process, else here; its
    exceptions reach the caller either way."""
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("threading"):
        from gevent import get_hub

        return get_hub().threadpool.apply(work, args)
    return work(*args)
