"""One gunicorn worker against two, both keeping their state in one Redis, for pages that
hash nothing (the sign-in and sign-up pages, the discovery document).

Run: .venv/bin/python bench/redis_workers.py [--seconds 6] [--concurrency 16]
On a machine of two cores the load generator shares the cores with the workers.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._servers import KeepAlive, gatehouse, hammer, redis_server  # noqa: E402

PAGES = ("/login", "/signup", "/.well-known/openid-configuration")


def measure(url: str, concurrency: int, seconds: float) -> float:
    """Requests per second over the pages in turn, after a short warm-up."""
    client = KeepAlive(url)
    turn = itertools.cycle(PAGES)
    hammer(lambda: client.get(next(turn)), concurrency, 1)
    return hammer(lambda: client.get(next(turn)), concurrency, seconds)


def main() -> None:
    """Measure 1 then 2 workers on a fresh Redis each; print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    rates = {}
    for workers in (1, 2):
        with (
            redis_server() as redis_url,
            gatehouse(WEB_CONCURRENCY=str(workers), GATEHOUSE_REDIS_URL=redis_url) as url,
        ):
            rates[workers] = measure(url, args.concurrency, args.seconds)
    print(f"pages {', '.join(PAGES)}; {args.concurrency} clients; state in Redis")
    for workers, rate in rates.items():
        print(
            f"{workers} worker{'s' if workers > 1 else ' '}  {rate:7.1f} req/s = "
            f"{rate / rates[1]:.2f} x one worker"
        )


if __name__ == "__main__":
    main()
