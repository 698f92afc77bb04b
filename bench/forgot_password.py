"""Sign-in throughput alone, then with 16 people asking for a reset code at the same time.

Each forgot-password answer waits for the equal-timing floor (GATEHOUSE_MIN_RESPONSE_MS, 400 ms):
the wait must not hold the worker that sign-ins need. Also prints the forgot-password answer
times for a known and an unknown address (no account enumeration: they must match).

Run: .venv/bin/python bench/forgot_password.py [--seconds 8] [--worker-class gevent]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._servers import DEMO_EMAIL, ForgetfulPerson, gatehouse, hammer, sign_in  # noqa: E402

SIGN_IN_CONCURRENCY = 4
FORGETFUL = 16
ROUNDS = 3


def _beside_the_forgetful(url: str, seconds: float, times: dict[str, list[float]]) -> float:
    """Sign-ins per second while 16 people ask for codes (their answer times kept by kind)."""
    stop = threading.Event()

    def ask(slot: int) -> None:
        """One person asking again and again, for a known and an unknown address in turn."""
        person = ForgetfulPerson(url)
        turn = 0
        while not stop.is_set():
            known = (slot + turn) % 2 == 0
            email = DEMO_EMAIL if known else f"nobody-{slot}-{turn}@example.com"
            times["known" if known else "unknown"].append(person.ask(email))
            turn += 1

    askers = [threading.Thread(target=ask, args=(i,)) for i in range(FORGETFUL)]
    for thread in askers:
        thread.start()
    time.sleep(0.5)
    rate = hammer(lambda: sign_in(url), SIGN_IN_CONCURRENCY, seconds)
    stop.set()
    for thread in askers:
        thread.join()
    return rate


def main() -> None:
    """Measure sign-ins alone, then beside 16 looping forgot-password requests."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--worker-class", default="gevent", help="gunicorn's (gevent, gthread)")
    args = parser.parse_args()
    alone = beside = 0.0
    with gatehouse(GUNICORN_WORKER_CLASS=args.worker_class) as url:
        hammer(lambda: sign_in(url), SIGN_IN_CONCURRENCY, 1)
        times: dict[str, list[float]] = {"known": [], "unknown": []}
        # Rounds alternate, so that a machine busy with other work weighs on both sides alike.
        for _ in range(ROUNDS):
            alone += hammer(lambda: sign_in(url), SIGN_IN_CONCURRENCY, args.seconds / ROUNDS)
            beside += _beside_the_forgetful(url, args.seconds / ROUNDS, times)
    alone, beside = alone / ROUNDS, beside / ROUNDS
    print(f"worker class {args.worker_class}; sign-ins at {SIGN_IN_CONCURRENCY} concurrent")
    print(f"sign-ins alone                      {alone:7.1f}/s = 1.00 x")
    print(
        f"sign-ins beside {FORGETFUL} forgot-password   {beside:7.1f}/s = "
        f"{beside / alone:.2f} x alone  (acceptance >= 0.8)"
    )
    for kind, seconds in times.items():
        ms = sorted(s * 1000 for s in seconds)
        print(
            f"forgot-password, {kind:7} address: n={len(ms):4d}  "
            f"median {statistics.median(ms):6.1f} ms  "
            f"p90 {ms[int(len(ms) * 0.9)]:6.1f} ms  max {ms[-1]:6.1f} ms"
        )


if __name__ == "__main__":
    main()
