"""gunicorn refuses to serve local mode on a network address (issue 10: the Dockerfile failed
open, serving /_localpool and /_dev/mail to the network)."""

from __future__ import annotations

import os
import subprocess
import sys

from .conftest import ROOT, free_port


def test_gunicorn_refuses_local_mode_on_all_interfaces(tmp_path):
    env = dict(
        os.environ,
        HOST="0.0.0.0",
        PORT=str(free_port()),
        GATEHOUSE_DATA_DIR=str(tmp_path / "data"),
    )
    env.pop("GATEHOUSE_MODE", None)
    env.pop("GATEHOUSE_DANGEROUSLY_SERVE_LOCAL_MODE_ON_NETWORK", None)
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode != 0
    assert "GATEHOUSE_DANGEROUSLY_SERVE_LOCAL_MODE_ON_NETWORK" in done.stderr
    assert "Traceback" not in done.stderr
