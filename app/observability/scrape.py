"""``/metrics``: open in local mode; in cognito mode only with ``GATEHOUSE_METRICS_TOKEN`` as a
bearer token, and not served at all when no token is configured (counts of sign-ins and
failures tell an attacker how a defence is doing)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request
from werkzeug.wrappers import Response

from ..web.signing import same_secret

bp = Blueprint("metrics", __name__)


def _allowed() -> bool:
    """Local mode, or the configured bearer token (compared in constant time)."""
    settings = current_app.extensions["gatehouse.settings"]
    if settings.is_local:
        return True
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and same_secret(settings.metrics_token, given.strip())


@bp.get("/metrics")
def metrics() -> Response:
    """Every metric in Prometheus' text format."""
    settings = current_app.extensions["gatehouse.settings"]
    if not settings.is_local and not settings.metrics_token:
        abort(404)
    if not _allowed():
        return Response(
            "bearer token required\n",
            401,
            {"WWW-Authenticate": 'Bearer realm="metrics"', "Content-Type": "text/plain"},
        )
    from .metrics import CONTENT_TYPE

    body = current_app.extensions["gatehouse.metrics"].render()
    return Response(body, 200, {"Content-Type": CONTENT_TYPE, "Cache-Control": "no-store"})
