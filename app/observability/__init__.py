"""Observability: Prometheus metrics (``metrics``, served at ``/metrics`` by ``scrape``), JSON
logs with request ids (``logs``) and the audit stream of security events (``audit``)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from . import logs
from .metrics import Metrics, multiprocess_dir


def init_app(app: Flask) -> Metrics:
    """Attach this app's metrics, ``/metrics`` and request ids."""
    from .scrape import bp

    directory = multiprocess_dir()
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
    metrics = Metrics()
    app.extensions["gatehouse.metrics"] = metrics
    logs.init_app(app)
    app.register_blueprint(bp)
    return metrics


def metrics() -> Metrics:
    """The current app's metrics."""
    return current_app.extensions["gatehouse.metrics"]


def admission_wait(category: str, seconds: float, outcome: str) -> None:
    """A pool call waited ``seconds`` for quota ``category``, then was ``admitted``, ``queued``
    or ``refused`` (``Metrics.admission_wait``, for the admission control to call)."""
    metrics().admission_wait(category, seconds, outcome)
