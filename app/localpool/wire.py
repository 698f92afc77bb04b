"""Wire a boto3 ``cognito-idp`` client to the local pool in process, through botocore's events.

botocore emits ``before-send`` with the fully serialised, signed request; a handler that returns
a response stops the HTTP send. So everything else — parameter validation, serialisation,
signing, response parsing, error mapping, retries — is botocore's own, exactly as in production.
"""

from __future__ import annotations

from typing import Any

from botocore.awsrequest import AWSResponse

from .dispatch import handle
from .pool import LocalPool


class _Body:
    """The raw body botocore reads a response from (it calls ``stream()``)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any):
        """Yield the whole body at once."""
        yield self._data


def attach(client: Any, pool: LocalPool) -> None:
    """Make every call of ``client`` go to ``pool`` instead of the network."""

    def send(request: Any, **_: Any) -> AWSResponse:
        """Answer a prepared request from the local pool."""
        headers = {
            k: (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()
        }
        body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        status, out_headers, out_body = handle(pool, headers.get("X-Amz-Target", ""), body, headers)
        return AWSResponse(request.url, status, out_headers, _Body(out_body))

    client.meta.events.register("before-send.cognito-identity-provider", send)
