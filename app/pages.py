"""The home page and the health endpoints."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

from .store import StoreUnavailable

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> str:
    """What Gatehouse is, with links to sign in (and the demo app in local mode)."""
    settings = current_app.extensions["gatehouse.settings"]
    return render_template(
        "home.html",
        local_mode=settings.is_local,
        demo_users=current_app.extensions.get("gatehouse.demo_users", []),
    )


@bp.get("/healthz")
def healthz():
    """The process is alive."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """The user pool and the store answer; a load balancer sends no traffic until both do."""
    parts = {
        "pool": current_app.extensions["gatehouse.userpool"].ready(),
        "store": _store_ready(),
    }
    report = {name: "ok" if ok else "unavailable" for name, ok in parts.items()}
    if all(parts.values()):
        return jsonify(status="ready", **report)
    return jsonify(status="unavailable", **report), 503, {"Retry-After": "10"}


def _store_ready() -> bool:
    """The store can be written and read now."""
    try:
        current_app.extensions["gatehouse.store"].ping()
    except StoreUnavailable:
        return False
    return True
