"""GET /login against a bare Flask "hello", both under the project's gunicorn settings.

Run: .venv/bin/python bench/login_vs_flask.py [--seconds 8] [--concurrency 8]
Prints each server's requests per second and the ratio (the issue asks >= 0.5).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._servers import KeepAlive, bare_flask, gatehouse, hammer  # noqa: E402


def measure(url: str, path: str, concurrency: int, seconds: float) -> float:
    """Requests per second for GET ``path``, after a short warm-up."""
    client = KeepAlive(url)
    hammer(lambda: client.get(path), concurrency, 1)
    return hammer(lambda: client.get(path), concurrency, seconds)


def main() -> None:
    """Measure the baseline, then /login and /login?client_id=demo, and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with bare_flask() as url:
        baseline = measure(url, "/", args.concurrency, args.seconds)
    print(f"bare Flask hello          {baseline:8.1f} req/s = 1.00 x")
    with gatehouse() as url:
        for path in ("/login", "/login?client_id=demo"):
            rate = measure(url, path, args.concurrency, args.seconds)
            print(f"GET {path:22} {rate:8.1f} req/s = {rate / baseline:.2f} x bare Flask")


if __name__ == "__main__":
    main()
