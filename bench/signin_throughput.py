"""Whole sign-ins per second (authorize with PKCE -> POST /login -> /oauth2/token, the demo
app client and the seed's demo account) at 1, 4 and 16 people at once.

Run: .venv/bin/python bench/signin_throughput.py [--seconds 6] [--worker-class gevent]
Ratios are against one person at a time, measured in the same run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._servers import gatehouse, hammer, sign_in  # noqa: E402

CONCURRENCY = (1, 4, 16)


def main() -> None:
    """One line per concurrency: sign-ins per second and the ratio to one at a time."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--worker-class", default="gevent", help="gunicorn's (gevent, gthread)")
    args = parser.parse_args()
    rates = {}
    with gatehouse(GUNICORN_WORKER_CLASS=args.worker_class) as url:
        hammer(lambda: sign_in(url), 2, 1)
        for people in CONCURRENCY:
            rates[people] = hammer(lambda: sign_in(url), people, args.seconds)
    print(f"worker class {args.worker_class}; whole sign-ins (authorize -> login -> token)")
    for people, rate in rates.items():
        ratio = rate / rates[1]
        print(f"{people:3d} at once  {rate:7.1f} sign-ins/s = {ratio:.2f} x one at a time")


if __name__ == "__main__":
    main()
