"""GET /login against a bare Flask "hello", both under the project's gunicorn settings.

Run: .venv/bin/python bench/login_vs_flask.py [--seconds 9] [--concurrency 8]
     [--worker-class gevent]
Prints each server's requests per second and the ratio (the issue asks >= 0.5): the median of
the rounds' ratios, each round measuring the baseline and then the pages right after it, so
that a neighbour's burst on a shared machine moves one round, not the figure.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._servers import KeepAlive, bare_flask, gatehouse, hammer  # noqa: E402

ROUNDS = 5


def measure(url: str, path: str, concurrency: int, seconds: float) -> float:
    """Requests per second for GET ``path``, after a short warm-up."""
    client = KeepAlive(url)
    hammer(lambda: client.get(path), concurrency, 0.5)
    return hammer(lambda: client.get(path), concurrency, seconds)


def main() -> None:
    """Measure the baseline, then /login and /login?client_id=demo, and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10, help="per server and path")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--worker-class", default="gevent", help="gunicorn's (gevent, gthread)")
    args = parser.parse_args()
    workers = {"GUNICORN_WORKER_CLASS": args.worker_class}
    paths = ("/login", "/login?client_id=demo")
    rates: dict[str, list[float]] = {path: [] for path in ("/", *paths)}
    with bare_flask(**workers) as hello, gatehouse(**workers) as url:
        # Rounds alternate, so that a machine busy with other work weighs on both sides alike.
        for _ in range(ROUNDS):
            rates["/"].append(measure(hello, "/", args.concurrency, args.seconds / ROUNDS))
            for path in paths:
                rates[path].append(measure(url, path, args.concurrency, args.seconds / ROUNDS))
    baseline = statistics.median(rates["/"])
    print(f"worker class {args.worker_class}; {args.concurrency} keep-alive clients")
    print(f"bare Flask hello          {baseline:8.1f} req/s = 1.00 x")
    for path in paths:
        ratios = [page / base for page, base in zip(rates[path], rates["/"], strict=True)]
        spread = f"rounds {min(ratios):.2f}-{max(ratios):.2f}"
        print(
            f"GET {path:22} {statistics.median(rates[path]):8.1f} req/s = "
            f"{statistics.median(ratios):.2f} x bare Flask ({spread})"
        )


if __name__ == "__main__":
    main()
