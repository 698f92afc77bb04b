"""Durable follow-ups: what must follow an irreversible change (a notice email, an audit line,
the rest of a deletion) is written to the store before the change, and delivered at least once
— exactly once as the person sees it (DESIGN.md §5).

The request that makes the change delivers right after it; what is left (an SES outage, a
crash, an unclear answer from the pool) is delivered by ``flask followups run`` (for cron) and by
a sweep in each process (a housekeeping task: after a request, at most once a minute).
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from ..web import housekeeping
from . import steps
from .queue import DELIVERED, DROPPED, FAILED, WAITING, intend, notify, pending_ids, run_due

__all__ = ["intend", "notify", "pending_ids", "run_due", "steps"]
SWEEP_SECONDS = 60
# A sweep after a response stays short; cron's run takes everything.
SWEEP_LIMIT = 50


def init_app(app: Flask) -> None:
    """Add ``flask followups run`` and the sweep."""
    group = AppGroup("followups", help="Notices and deletions that follow account changes.")

    @group.command("run")
    def run_command() -> None:
        """Deliver every follow-up that is due (safe to run again; exits 1 while some wait)."""
        results = run_due()
        names = (DELIVERED, DROPPED, FAILED, WAITING)
        click.echo(", ".join(f"{results[name]} {name}" for name in names))
        if results[WAITING]:
            raise SystemExit(1)

    app.cli.add_command(group)
    housekeeping.add(app, "deliver follow-ups", lambda: dict(run_due(SWEEP_LIMIT)), SWEEP_SECONDS)
