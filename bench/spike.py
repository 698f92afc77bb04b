"""A login spike against the pool's quota, as people live it: with admission control, and
without it (the same run's baseline).

The local pool throttles UserAuthentication at 3 × Q calls per second, i.e. Q full sign-ins per
second (a sign-in is InitiateAuth as Gatehouse, then InitiateAuth and RespondToAuthChallenge
for the app's session proof). N people arrive evenly over S seconds; each walks the whole
code flow of the demo app as a browser without script: /oauth2/authorize, the sign-in form,
the pages that follow, and the code exchanged at /oauth2/token.

- with admission (GATEHOUSE_POOL_QUOTA_USER_AUTHENTICATION unset: 0.95 × the pool's rate),
  people follow the page: "you're in line" refreshes itself until they are signed in;
- without it (the quota set to 0), people see the error page and press "try again" up to
  three times, after the Retry-After the page gives.

Printed per run: signed in, error pages seen, goodput as a ratio of Q, and the wait from
arrival to tokens (median, 95th percentile, max, share within 30 s) against the least wait any
schedule allows (the last arrival cannot be served before N / Q seconds).

Run: .venv/bin/python bench/spike.py [--people 100] [--seconds 10] [--quota 2]
     [--processes 2 --redis]   (two gunicorn processes sharing one budget in Redis)
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._servers import gatehouse, redis_server  # noqa: E402

SEED = ROOT / "app" / "localpool" / "seed.toml"
PASSWORD = "Corr3ct-horse"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
REFRESH = re.compile(r"(\d+);url=(\S+)")  # the Refresh header of the line page
TRIES = 3  # "try again" presses of a person who meets the error page


@dataclass
class Person:
    """One person's walk: when they arrived and got tokens, and the error pages they saw."""

    arrived: float = 0.0
    done: float | None = None
    error_pages: int = 0
    statuses: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def seed_text(people: int, quota: float) -> str:
    """The default seed, the pool throttled at Q sign-ins per second, one account per person."""
    text = SEED.read_text().replace(
        "[pool.throttle]", f"[pool.throttle]\nUserAuthentication = {3 * quota:g}"
    )
    users = "".join(
        f'\n[[users]]\nemail = "spike-{i}@example.com"\npassword = "{PASSWORD}"\n'
        for i in range(people)
    )
    return text + users


def walk(base: str, index: int, person: Person, follow_line: bool) -> None:
    """One person's code flow from /oauth2/authorize to tokens (bounded: 3 minutes)."""
    http = requests.Session()
    redirect_uri = f"{base}/demo/callback"
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    page = http.get(
        f"{base}/oauth2/authorize",
        params={
            "client_id": "demo",
            "response_type": "code",
            "scope": "openid email",
            "redirect_uri": redirect_uri,
            "state": secrets.token_urlsafe(8),
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        },
        timeout=30,
    )
    form = {"email": f"spike-{index}@example.com", "password": PASSWORD}
    answer = http.post(
        f"{base}/login",
        data={**form, "csrf_token": CSRF.search(page.text).group(1)},
        allow_redirects=False,
        timeout=60,
    )
    tries, deadline = 0, time.monotonic() + 180
    while time.monotonic() < deadline:
        person.statuses.append(answer.status_code)
        location = answer.headers.get("Location", "")
        if answer.status_code == 303 and location.startswith(redirect_uri):
            code = parse_qs(urlsplit(location).query)["code"][0]
            tokens = http.post(
                f"{base}/oauth2/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "client_id": "demo",
                    "redirect_uri": redirect_uri,
                    "code_verifier": verifier,
                },
                timeout=30,
            )
            if tokens.ok and "id_token" in tokens.json():
                person.done = time.monotonic()
            else:
                person.error_pages += 1
            return
        if answer.status_code == 202 and follow_line:
            wait, target = REFRESH.match(answer.headers["Refresh"]).groups()
            time.sleep(int(wait))
            answer = http.get(base + target, allow_redirects=False, timeout=60)
            continue
        person.error_pages += 1
        person.errors.append(f"{answer.status_code} {answer.url.split('?')[0].rsplit('/', 1)[-1]}")
        if tries >= TRIES:
            return
        tries += 1  # the page says when to try again; this person does so
        time.sleep(int(answer.headers.get("Retry-After", "5")))
        page = http.get(f"{base}/login", timeout=30)
        answer = http.post(
            f"{base}/login",
            data={**form, "csrf_token": CSRF.search(page.text).group(1)},
            allow_redirects=False,
            timeout=60,
        )


def spike(base: str, people: int, seconds: float, follow_line: bool) -> list[Person]:
    """N people arriving evenly over S seconds; returns their walks."""
    crowd = [Person() for _ in range(people)]
    start = time.monotonic() + 0.5
    threads = []
    for i, person in enumerate(crowd):
        arrive = start + i * seconds / people

        def run(i=i, person=person, arrive=arrive):
            time.sleep(max(0.0, arrive - time.monotonic()))
            person.arrived = time.monotonic()
            try:
                walk(base, i, person, follow_line)
            except (requests.RequestException, AttributeError):
                person.error_pages += 1

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(timeout=240)
    return crowd


def report(name: str, crowd: list[Person], quota: float, seconds: float) -> None:
    """Print one run's figures (ratios against Q and against the least possible wait)."""
    done = [p for p in crowd if p.done is not None]
    waits = sorted(p.done - p.arrived for p in done)
    first = min(p.arrived for p in crowd)
    span = (max(p.done for p in done) - first) if done else float("inf")
    goodput = len(done) / span if done else 0.0
    least_max_wait = max(0.0, len(crowd) / quota - seconds)
    print(f"{name}:")
    print(f"  signed in            {len(done)}/{len(crowd)} ({len(done) / len(crowd):.0%})")
    seen = Counter(e for p in crowd for e in p.errors)
    print(f"  error pages seen     {sum(p.error_pages for p in crowd)} {dict(seen) or ''}")
    print(f"  goodput              {goodput:.2f}/s = {goodput / quota:.2f} x Q")
    if waits:
        within = sum(w <= 30 for w in waits) / len(crowd)
        print(
            f"  wait arrival->tokens median {statistics.median(waits):.1f} s, "
            f"p95 {waits[int(0.95 * (len(waits) - 1))]:.1f} s, max {waits[-1]:.1f} s "
            f"(least possible max {least_max_wait:.1f} s: "
            f"{waits[-1] / max(least_max_wait, 1):.2f} x)"
        )
        print(f"  within 30 s          {within:.0%}")


def main() -> None:
    """Run the spike with admission control, then without (the baseline), and print both."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--quota", type=float, default=2.0, help="Q: sign-ins per second")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--redis", action="store_true", help="share the budget in Redis")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    print(
        f"{args.people} people over {args.seconds:g} s, Q = {args.quota:g} sign-ins/s "
        f"({args.people / args.seconds / args.quota:.1f} x Q), {args.processes} process(es)"
        f"{' on Redis' if args.redis else ''}"
    )
    runs = [("with admission control", True, {})]
    if not args.no_baseline:
        runs.append(
            (
                "without (baseline: error page, try again up to 3 times)",
                False,
                {"GATEHOUSE_POOL_QUOTA_USER_AUTHENTICATION": "0"},
            )
        )
    for name, follow, env in runs:
        with tempfile.TemporaryDirectory() as tmp, ExitStack() as servers:
            seed = Path(tmp) / "seed.toml"
            seed.write_text(seed_text(args.people, args.quota))
            env = {**env, "WEB_CONCURRENCY": str(args.processes)}
            env["GATEHOUSE_LOCALPOOL_SEED"] = str(seed)
            if args.redis:
                env["GATEHOUSE_REDIS_URL"] = servers.enter_context(redis_server())
            base = servers.enter_context(gatehouse(**env))
            crowd = spike(base, args.people, args.seconds, follow)
        report(name, crowd, args.quota, args.seconds)


if __name__ == "__main__":
    main()
