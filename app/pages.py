"""The home page and the health endpoints."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> str:
    """What Gatehouse is, with links to sign in (and the demo app in local mode)."""
    settings = current_app.extensions["gatehouse.settings"]
    return render_template("home.html", local_mode=settings.is_local)


@bp.get("/healthz")
def healthz():
    """The process is alive."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """The user pool answers; a load balancer should send no traffic until it does."""
    if current_app.extensions["gatehouse.userpool"].ready():
        return jsonify(status="ready")
    return jsonify(status="unavailable"), 503, {"Retry-After": "10"}
