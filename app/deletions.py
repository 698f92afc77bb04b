"""Durable deletion jobs: an account whose Apple authorization is already revoked but whose pool
deletion failed is recorded here and finished by ``flask deletions retry`` (idempotent)."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from . import mailer
from .userpool import errors

audit = logging.getLogger("gatehouse.audit")


def audit_id(sub: str) -> str:
    """A stable, non-reversible id for audit lines (no personal data in logs)."""
    return hashlib.sha256(f"gatehouse-audit:{sub}".encode()).hexdigest()[:16]


class DeletionJobs:
    """Pending deletions in SQLite under the data directory (they must outlive any process)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS deletion_jobs (sub TEXT PRIMARY KEY, email TEXT NOT NULL,"
            " created REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
            " done INTEGER NOT NULL DEFAULT 0)"
        )
        self._lock = threading.Lock()

    def record(self, sub: str, email: str) -> None:
        """Remember an account that must still be deleted (once)."""
        with self._lock:
            self._conn.execute(
                "INSERT OR IGNORE INTO deletion_jobs (sub, email, created) VALUES (?, ?, ?)",
                (sub, email, time.time()),
            )

    def pending(self) -> list[tuple[str, str]]:
        """(sub, email) of every unfinished job."""
        with self._lock:
            return self._conn.execute(
                "SELECT sub, email FROM deletion_jobs WHERE done = 0"
            ).fetchall()

    def attempt(self, sub: str) -> None:
        """Count a try."""
        with self._lock:
            self._conn.execute(
                "UPDATE deletion_jobs SET attempts = attempts + 1 WHERE sub = ?", (sub,)
            )

    def finish(self, sub: str) -> bool:
        """Mark a job done; True only the first time (so the email goes out once)."""
        with self._lock:
            cursor = self._conn.execute(
                "UPDATE deletion_jobs SET done = 1 WHERE sub = ? AND done = 0", (sub,)
            )
        return cursor.rowcount == 1


def jobs() -> DeletionJobs:
    """The app's deletion jobs."""
    return current_app.extensions["gatehouse.deletions"]


def deleted(email: str, sub: str) -> None:
    """After a deletion: the confirmation email and an audit line without personal data."""
    mailer.send(email, "account_deleted")
    audit.info("account deleted id=%s", audit_id(sub))


def retry_all() -> tuple[int, int]:
    """Try every pending deletion again; returns (finished, still pending)."""
    pool = current_app.extensions["gatehouse.userpool"]
    finished = failed = 0
    for sub, email in jobs().pending():
        jobs().attempt(sub)
        try:
            pool.call("AdminDeleteUser", Username=sub)
        except errors.NotFound:
            pass  # already gone: the job is done all the same
        except (errors.Unavailable, errors.Throttled, errors.ConfigurationFault):
            failed += 1
            continue
        if jobs().finish(sub):
            deleted(email, sub)
        finished += 1
    return finished, failed


def init_app(app: Flask, data_dir: Path) -> None:
    """Attach the job table and the ``flask deletions retry`` command."""
    app.extensions["gatehouse.deletions"] = DeletionJobs(data_dir / "deletions.sqlite3")
    group = AppGroup("deletions", help="Account deletions that are still in progress.")

    @group.command("retry")
    def retry_command() -> None:
        """Finish every pending deletion (safe to run again)."""
        finished, failed = retry_all()
        click.echo(f"{finished} finished, {failed} still pending")
        if failed:
            raise SystemExit(1)

    app.cli.add_command(group)
