"""gunicorn's side of multiprocess metrics: one directory of value files for all the workers.

gunicorn's configuration sets ``PROMETHEUS_MULTIPROC_DIR`` (``$GATEHOUSE_DATA_DIR/metrics``
unless set) before anything imports prometheus_client, which chooses where values live when it
is imported. ``reset`` runs when the master starts, so a restart does not add the last run's
counts; ``worker_exited`` lets a dead worker's live values go while its counts stay in the sums.
"""

from __future__ import annotations

import os
from pathlib import Path


def reset() -> None:
    """Create the directory, and remove the value files an earlier run left in it."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for leftover in directory.glob("*.db"):
        leftover.unlink(missing_ok=True)


def worker_exited(pid: int) -> None:
    """Clean up after a worker that exited (gunicorn's ``child_exit`` hook)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)
