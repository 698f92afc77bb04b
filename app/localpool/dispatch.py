"""Answer a Cognito JSON-protocol request (``X-Amz-Target`` + JSON body) from the local pool.

The in-process botocore hook and the HTTP endpoint both come through here, so an SDK talking
to ``/_localpool/`` and Gatehouse's own gateway see exactly the same behaviour: the same body
limit, the same checks against botocore's model (``validation``), the same errors.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Mapping

from .errors import PoolError
from .operations import OPERATIONS
from .pool import LocalPool
from .validation import parse_request

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
CONTENT_TYPE = "application/x-amz-json-1.1"
log = logging.getLogger(__name__)


def handle(
    pool: LocalPool, target: str, body: bytes, headers: Mapping[str, str]
) -> tuple[int, dict[str, str], bytes]:
    """Run one API call; returns (status, headers, JSON body) as Cognito would."""
    name = target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else ""
    op = OPERATIONS.get(name)
    try:
        if op is None:
            raise PoolError("UnknownOperationException", f"Unknown operation {target[:128]!r}")
        if op.admin and not _signed(headers):
            raise PoolError("MissingAuthenticationTokenException", "Missing Authentication Token")
        params = parse_request(name, body)
        pool.admit(op.category)
        run = op.run
        if op.prepare is not None:
            run = functools.partial(op.run, prepared=op.prepare(pool, params))
        with pool.db.transaction() as conn:
            result = run(pool, conn, params)
        return 200, {"Content-Type": CONTENT_TYPE}, json.dumps(result).encode()
    except PoolError as err:
        log.info("local pool %s -> %s", name or "(no operation)", err.code)
        return error_response(err)
    except Exception:  # the last line of defence: a fault answers as Cognito's does, logged
        log.exception("local pool %s failed", name)
        return error_response(
            PoolError("InternalErrorException", "An internal error occurred.", status=500)
        )


def error_response(err: PoolError) -> tuple[int, dict[str, str], bytes]:
    """Cognito's error shape: ``__type`` and ``message`` in the body and ``x-amzn-ErrorType``."""
    return (
        err.status,
        {"Content-Type": CONTENT_TYPE, "x-amzn-ErrorType": err.code},
        json.dumps(err.body()).encode(),
    )


def _signed(headers: Mapping[str, str]) -> bool:
    """Admin operations need SigV4 credentials; any signature is accepted locally."""
    auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    return auth.startswith("AWS4-HMAC-SHA256")
