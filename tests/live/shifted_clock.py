"""The app as ``wsgi.py`` builds it, on a clock a live test can move forward:
``gunicorn -c gunicorn.conf.py tests.live.shifted_clock:app`` with ``LIVE_CLOCK_OFFSET_FILE``
naming a file that holds the seconds to add (the local pool and Gatehouse read the same clock)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from app import create_app


class ShiftedClock:
    """Real time plus the seconds written in a file (none, or unreadable: no shift)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self) -> float:
        """Now, shifted."""
        try:
            offset = float(self.path.read_text() or 0)
        except (OSError, ValueError):
            offset = 0.0
        return time.time() + offset


app = create_app({"clock": ShiftedClock(Path(os.environ["LIVE_CLOCK_OFFSET_FILE"]))})
