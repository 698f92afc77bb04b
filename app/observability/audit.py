"""The audit stream: security events on the ``gatehouse.audit`` logger, one JSON line each.

A line names the event and the person by a hashed id only: an HMAC of their ``sub`` under a
key derived from the app's secret, so lines about one person can be joined, but nobody without
the secret can turn a ``sub`` (which apps see in ID tokens) into its audit id or back. No email,
no IP address, no token.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from flask import current_app

log = logging.getLogger("gatehouse.audit")
KEY_CONTEXT = b"gatehouse audit id v1"


def audit_key(secret_key: str) -> bytes:
    """The audit ids' key, derived from the app's secret (never the secret itself)."""
    return hmac.new(secret_key.encode(), KEY_CONTEXT, hashlib.sha256).digest()


def audit_id(sub: str, secret_key: str | None = None) -> str:
    """A stable, non-reversible id for ``sub`` (this app's secret unless one is given)."""
    secret = current_app.config["SECRET_KEY"] if secret_key is None else secret_key
    return hmac.new(audit_key(secret), sub.encode(), hashlib.sha256).hexdigest()[:32]


def event(name: str, sub: str, **fields: str) -> None:
    """Log security event ``name`` about ``sub`` (``fields``: nothing personal, e.g. a method)."""
    write(name, audit_id(sub), **fields)


def write(name: str, hashed_id: str, **fields: str) -> None:
    """Log an event whose id is already hashed (a follow-up's, written earlier)."""
    log.info("%s id=%s", name, hashed_id, extra={"event": name, "audit_id": hashed_id, **fields})
