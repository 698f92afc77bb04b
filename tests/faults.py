"""Fault injection for the gateway's boto3 client in local mode: the pool does the work, then the
answer is lost (a read timeout after success), or the call fails before reaching the pool."""

from __future__ import annotations

from contextlib import contextmanager

from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from app.localpool.dispatch import handle

EVENT = "before-send.cognito-identity-provider"


@contextmanager
def answer_lost(app, operation: str, times: int = 1, *, processed: bool = True):
    """The next ``times`` calls of ``operation`` are processed by the pool (unless not
    ``processed``: the request was lost on its way), then time out."""
    pool = app.extensions["gatehouse.localpool"]
    client = app.extensions["gatehouse.userpool"].client
    left = {"n": times}

    def send(request, **_):
        """Let the pool answer, then drop the answer."""
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else target
        if not target.endswith(f".{operation}") or left["n"] <= 0:
            return None
        left["n"] -= 1
        headers = {
            k: (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()
        }
        body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        if processed:
            handle(pool, target, body, headers)
        raise ReadTimeoutError(endpoint_url=request.url)

    client.meta.events.register_first(EVENT, send)
    try:
        yield left
    finally:
        client.meta.events.unregister(EVENT, send)


@contextmanager
def unreachable(app, operation: str | None = None):
    """Calls (of ``operation``, or all) fail before reaching the pool."""
    client = app.extensions["gatehouse.userpool"].client

    def send(request, **_):
        """Refuse to connect."""
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else target
        if operation is None or target.endswith(f".{operation}"):
            raise EndpointConnectionError(endpoint_url=request.url)
        return None

    client.meta.events.register_first(EVENT, send)
    try:
        yield
    finally:
        client.meta.events.unregister(EVENT, send)


class ProcessKilled(BaseException):
    """The process died (no handler runs: not an ``Exception``)."""


@contextmanager
def killed(app, operation: str, *, after: bool = True):
    """The process dies at the next call of ``operation``: right after the pool made the change
    (``after``), or before the request reached the pool."""
    pool = app.extensions["gatehouse.localpool"]
    client = app.extensions["gatehouse.userpool"].client

    def send(request, **_):
        """Let the pool answer (or not), then end everything."""
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else target
        if not target.endswith(f".{operation}"):
            return None
        if after:
            headers = {
                k: (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()
            }
            body = request.body if isinstance(request.body, bytes) else (request.body or "")
            handle(pool, target, body if isinstance(body, bytes) else body.encode(), headers)
        raise ProcessKilled(operation)

    client.meta.events.register_first(EVENT, send)
    try:
        yield
    finally:
        client.meta.events.unregister(EVENT, send)
