"""Prometheus metrics: what people do (sign-ins, sign-ups, failures, magic links) and what the
user pool does (calls, their latency, throttles, admission waits).

Cognito publishes no per-app metrics, so Gatehouse counts for itself. Each app has its own
``Metrics`` (its own registry, so tests do not share counters). Under gunicorn every worker
writes its values to files in ``PROMETHEUS_MULTIPROC_DIR`` (``multiprocess``) and ``render``
adds up every worker's, so a scrape sees the whole server whichever worker answers.

Every label's values come from a short, fixed set (operations, error keys, challenge and
provider names the pool knows): nothing a person types becomes a label.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from ..userpool.errors import ConfigurationFault, Throttled, Unavailable, UserPoolError

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
ADMISSION_OUTCOMES = ("admitted", "queued", "refused")
# Pool calls take milliseconds to seconds; an admission wait up to the page's bound and past it.
POOL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
WAIT_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# The calls by which a person signs in; their refusals are sign-in failures.
SIGN_IN_OPERATIONS = ("InitiateAuth", "RespondToAuthChallenge")
# Failures of the pool or of Gatehouse, not of the person signing in.
NOT_THE_PERSON = (Unavailable, ConfigurationFault)


def multiprocess_dir() -> str:
    """The directory worker processes write their values to ('' outside gunicorn's set-up)."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


class Metrics:
    """One app's metrics; the flows and the gateway call its methods, one line each."""

    def __init__(self) -> None:
        """Create every metric in a registry of this app's own."""
        self.registry = CollectorRegistry()
        r = self.registry
        self.signins = Counter(
            "gatehouse_signins", "Completed sign-ins, by method", ["method"], registry=r
        )
        self.signups = Counter("gatehouse_signups", "Sign-ups sent to the pool", registry=r)
        self.signin_failures = Counter(
            "gatehouse_signin_failures", "Refused sign-in steps, by reason", ["reason"], registry=r
        )
        self.challenges = Counter(
            "gatehouse_challenges", "Challenges the pool asked for, by name", ["name"], registry=r
        )
        self.magic_links = Counter(
            "gatehouse_magic_links", "Magic links sent and used", ["stage"], registry=r
        )
        self.social_signins = Counter(
            "gatehouse_social_signins", "Sign-ins through a provider", ["provider"], registry=r
        )
        self.pool_calls = Counter(
            "gatehouse_pool_calls",
            "User-pool call attempts, by operation and outcome",
            ["operation", "outcome"],
            registry=r,
        )
        self.pool_seconds = Histogram(
            "gatehouse_pool_call_seconds",
            "User-pool call attempt latency",
            ["operation"],
            buckets=POOL_BUCKETS,
            registry=r,
        )
        self.throttles = Counter(
            "gatehouse_pool_throttles",
            "TooManyRequestsException seen from the pool",
            ["operation"],
            registry=r,
        )
        self.admission_seconds = Histogram(
            "gatehouse_admission_wait_seconds",
            "Time a pool call waited for the quota's budget",
            ["category"],
            buckets=WAIT_BUCKETS,
            registry=r,
        )
        self.admissions = Counter(
            "gatehouse_admissions",
            "Admission decisions, by quota category and outcome",
            ["category", "outcome"],
            registry=r,
        )

    # ---- what people do ----------------------------------------------------------------

    def signed_in(self, methods: list[str], provider: str | None = None) -> None:
        """A sign-in completed (``methods`` as the session records them)."""
        self.signins.labels(method=" ".join(methods) or "pwd").inc()
        if provider:
            self.social_signins.labels(provider=provider).inc()

    def signed_up(self) -> None:
        """The pool accepted a sign-up."""
        self.signups.inc()

    def challenged(self, name: str) -> None:
        """The pool answered a sign-in step with a challenge."""
        self.challenges.labels(name=name).inc()

    def magic_link(self, stage: str) -> None:
        """A magic link was ``sent`` or ``used``."""
        self.magic_links.labels(stage=stage).inc()

    def signin_failed(self, reason: str) -> None:
        """A sign-in was refused for ``reason`` (a message key)."""
        self.signin_failures.labels(reason=reason).inc()

    # ---- what the pool does -------------------------------------------------------------

    def pool_call(
        self,
        operation: str,
        params: dict[str, Any],
        error: UserPoolError | None,
        seconds: float,
    ) -> None:
        """One attempt at a pool call ended (``error`` None: it succeeded)."""
        outcome = "ok" if error is None else type(error).__name__
        self.pool_calls.labels(operation=operation, outcome=outcome).inc()
        self.pool_seconds.labels(operation=operation).observe(seconds)
        if isinstance(error, Throttled):
            self.throttles.labels(operation=operation).inc()
        elif (
            error is not None
            and operation in SIGN_IN_OPERATIONS
            and params.get("AuthFlow") != "REFRESH_TOKEN_AUTH"
            and not isinstance(error, NOT_THE_PERSON)
        ):
            self.signin_failed(error.key)

    def admission_wait(self, category: str, seconds: float, outcome: str) -> None:
        """A call waited ``seconds`` for its quota ``category``'s budget, then was ``admitted``,
        ``queued`` (the person was shown the waiting page) or ``refused``."""
        if outcome not in ADMISSION_OUTCOMES:
            raise ValueError(f"admission outcome must be one of {ADMISSION_OUTCOMES}")
        self.admission_seconds.labels(category=category).observe(seconds)
        self.admissions.labels(category=category, outcome=outcome).inc()

    # ---- the scrape ---------------------------------------------------------------------

    def render(self) -> bytes:
        """Every metric in Prometheus' text format, summed over gunicorn's workers."""
        directory = multiprocess_dir()
        if not directory:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=directory)
        return generate_latest(registry)
