"""Work that keeps a long-running process tidy: purging expired records, and the like.

Each task runs at most every ``every`` seconds, after whichever response of this process is
sent once it falls due (the response's ``close``, which the WSGI server calls when the body is
out, so nobody waits for it), with no extra thread or timer; a quiet process does nothing. One
request at a time does the work; a task's failure is logged and never reaches a person.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response

log = logging.getLogger(__name__)
EXTENSION = "gatehouse.housekeeping"


@dataclass
class Task:
    """One periodic task."""

    name: str
    run: Callable[[], object]
    every: float
    due: float = 0.0


class Housekeeping:
    """The tasks of one app, and the lock that keeps two requests from running them at once."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.tasks: list[Task] = []
        self._lock = threading.Lock()

    def add(self, name: str, run: Callable[[], object], every: float) -> None:
        """Run ``run`` about every ``every`` seconds (first after one period)."""
        self.tasks.append(Task(name, run, every, self.clock() + every))

    def due(self) -> bool:
        """True when some task is due now."""
        now = self.clock()
        return any(now >= task.due for task in self.tasks)

    def run_due(self) -> list[str]:
        """Run the tasks that are due; returns their names (empty if another request is on it)."""
        if not self._lock.acquire(blocking=False):
            return []
        try:
            ran = []
            for task in self.tasks:
                now = self.clock()
                if now < task.due:
                    continue
                task.due = now + task.every
                try:
                    outcome = task.run()
                except Exception:  # a chore must never fail a request; the log says why
                    log.exception("housekeeping task %s failed", task.name)
                else:
                    log.info("housekeeping task %s: %s", task.name, outcome)
                ran.append(task.name)
            return ran
        finally:
            self._lock.release()


def init_app(app: Flask, clock: Callable[[], float]) -> Housekeeping:
    """Attach the tasks to the app; they run after responses are sent."""
    keeping = Housekeeping(clock)
    app.extensions[EXTENSION] = keeping

    def run() -> None:
        """The due tasks, in an app context of their own (the request's is gone by now)."""
        with app.app_context():
            keeping.run_due()

    @app.after_request
    def when_sent(response: Response) -> Response:
        """Run what is due once this response is out."""
        if keeping.due():
            response.call_on_close(run)
        return response

    return keeping


def add(app: Flask, name: str, run: Callable[[], object], every: float) -> None:
    """Register a periodic task on an app."""
    app.extensions[EXTENSION].add(name, run, every)
