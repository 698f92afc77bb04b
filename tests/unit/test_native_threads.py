"""CPU-heavy work leaves a gevent worker's hub free, and runs directly elsewhere."""

from __future__ import annotations

import subprocess
import sys
import threading

from app.web.native_threads import run_in_native_thread

# Run in a fresh interpreter: monkey-patching must not reach the rest of the suite.
UNDER_GEVENT = """
from gevent import monkey
monkey.patch_all()
import threading, time
import gevent
from app.localpool import passwords
ticks = []
def tick():
    for _ in range(40):
        ticks.append(time.monotonic())
        gevent.sleep(0.001)
ticker = gevent.spawn(tick)
gevent.sleep(0)
started = time.monotonic()
for _ in range(5):
    passwords.hash_password("Corr3ct-horse")
took = time.monotonic() - started
ticker.join()
during = [t for t in ticks if started <= t <= started + took]
# The ticker ran all along: no gap between its ticks near one hash's length.
gaps = [b - a for a, b in zip(during, during[1:])]
print(len(during), max(gaps) if gaps else 0, took / 5)
"""


def test_argon2_under_gevent_leaves_the_hub_to_the_other_requests():
    out = subprocess.run(
        [sys.executable, "-c", UNDER_GEVENT], capture_output=True, text=True, timeout=60, check=True
    ).stdout.split()
    ticks, widest_gap, one_hash = int(out[0]), float(out[1]), float(out[2])
    assert ticks >= 10
    assert widest_gap < one_hash / 2


def test_without_gevent_the_work_runs_in_the_calling_thread():
    assert run_in_native_thread(threading.get_ident) == threading.get_ident()


def test_exceptions_reach_the_caller():
    def refuse() -> None:
        raise ValueError("no")

    try:
        run_in_native_thread(refuse)
    except ValueError as exc:
        assert str(exc) == "no"
    else:
        raise AssertionError("the exception was lost")
