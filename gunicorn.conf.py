"""gunicorn settings; each can be overridden by the environment (PORT, WEB_CONCURRENCY, ...)."""

import os
import sys

# gevent: a request that waits (the equal-timing floor of app/web/timing.py, a call to the
# user pool, Redis) yields its worker to the others instead of holding a thread. Set
# GUNICORN_WORKER_CLASS=gthread (with GUNICORN_THREADS) to go back to threads.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gevent")
if worker_class == "gevent":
    # Patched before anything imports ssl, threading or socket (app.config below, boto3 in
    # the app): patched later, gevent's ssl recurses without end in botocore's SSL context.
    from gevent import monkey

    monkey.patch_all()

# Every worker writes its metrics here and /metrics adds them up (app/observability): set before
# anything imports prometheus_client, which reads it on import.
os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR",
    os.path.join(os.environ.get("GATEHOUSE_DATA_DIR") or "var", "metrics"),
)

from app.config import ConfigError, refuse_unsafe_bind  # noqa: E402
from app.observability import multiprocess  # noqa: E402

host = os.environ.get("HOST", "127.0.0.1")
try:
    refuse_unsafe_bind(host)
except ConfigError as exc:
    sys.exit(f"gatehouse: {exc}")
bind = f"{host}:{os.environ.get('PORT', '8000')}"
# One process by default: without GATEHOUSE_REDIS_URL, rate limits count in each process's
# memory (DESIGN.md §6); with it, raise WEB_CONCURRENCY freely.
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
# Requests one gevent worker serves at once; past it, connections wait in the listen backlog.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "256"))
# Threads per worker for the gthread class (gevent ignores it).
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = 30
accesslog = "-"
# Query strings carry codes and states, and some paths carry tokens: the logger class
# redacts them (app/web/log_redaction.py), and the format prints the path only.
logger_class = "app.web.log_redaction.RedactingLogger"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# A client-sent SCRIPT_NAME or PATH_INFO header is never a path prefix (gunicorn would take
# it from a trusted proxy that passes it on): Gatehouse is served at the root.
forwarder_headers = ""
# HTTPS straight from gunicorn: PEM certificate (chain) and key (README "Running behind TLS").
# Unset, gunicorn speaks plain HTTP, for a TLS proxy in front or a local run.
certfile = os.environ.get("TLS_CERT_FILE") or None
keyfile = os.environ.get("TLS_KEY_FILE") or None


def on_starting(server):
    """The master starts: no counts from an earlier run."""
    multiprocess.reset()


def child_exit(server, worker):
    """A worker exited: its live values go (its counts stay in the sums)."""
    multiprocess.worker_exited(worker.pid)
