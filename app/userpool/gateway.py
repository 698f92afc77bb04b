"""The gateway: every user-pool call goes through ``UserPool.call``.

It fills in what each call needs (pool id, app client id, ``SECRET_HASH`` for app clients with a
secret), turns every failure into a domain error from ``errors.py``, and decides what may be
tried again. botocore's own retries are off: they would repeat a call that changes data after a
read timeout (the first call may have succeeded) and back off for seconds on
``LimitExceededException``, which no retry can cure.

Each attempt first takes its turn in the quota category's budget (``admission.py``), so a
spike waits in Gatehouse instead of being throttled by the pool; a throttle that still reaches
the pool is tried again inside that budget.

What is tried again, within ``GATEHOUSE_AWS_MAX_ATTEMPTS`` attempts in all:
- throttling (``TooManyRequestsException``) and a connection that never reached the pool: the
  pool did nothing, so any call may go again;
- a timeout or a dropped connection after the request was sent, or the pool's internal error:
  only read-only calls go again. For a call that changes data the outcome is unknown: the
  caller's ``reconcile`` finds out what happened (True: it did; False: it did not, so one more
  try is safe, and after the last one the failure is a plain ``Unavailable``: nothing changed);
  without one, or when it cannot tell, ``Ambiguous`` is raised and the person is told exactly
  that.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import random
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from botocore import xform_name
from botocore.exceptions import (
    ClientError,
    ConnectionError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    NoCredentialsError,
    ParamValidationError,
)

from ..observability.metrics import Metrics
from .admission import Admission
from .errors import (
    Ambiguous,
    ConfigurationFault,
    InvalidInput,
    Rejected,
    Throttled,
    Unavailable,
    UserPoolError,
    error_for,
)

log = logging.getLogger(__name__)
# A Gatehouse trigger's refusal: "PreSignUp failed with error gatehouse:<reason>.", where a
# reason may name a detail: "gatehouse:legacy_federated:Facebook" (a provider's name).
REASON = re.compile(r"gatehouse:([a-z_]+)(?::([A-Za-z0-9]+))?")

# Operations whose top-level ``SecretHash`` is computed over ``Username``.
SECRET_HASH_PARAM = (
    "SignUp",
    "ConfirmSignUp",
    "ResendConfirmationCode",
    "ForgotPassword",
    "ConfirmForgotPassword",
)
POOL_ID_OPERATIONS = ("ListUsers", "DescribeUserPool", "DescribeUserPoolClient")
# Every operation Gatehouse calls. The error-table test covers each one's error codes, so a new
# operation must be added here (and so to that test) before it can be called.
OPERATIONS = (
    "SignUp",
    "ConfirmSignUp",
    "ResendConfirmationCode",
    "InitiateAuth",
    "RespondToAuthChallenge",
    "GetTokensFromRefreshToken",
    "ForgotPassword",
    "ConfirmForgotPassword",
    "ChangePassword",
    "GetUser",
    "UpdateUserAttributes",
    "VerifyUserAttribute",
    "GetUserAttributeVerificationCode",
    "DeleteUser",
    "GlobalSignOut",
    "RevokeToken",
    "AssociateSoftwareToken",
    "VerifySoftwareToken",
    "SetUserMFAPreference",
    "StartWebAuthnRegistration",
    "CompleteWebAuthnRegistration",
    "ListWebAuthnCredentials",
    "DeleteWebAuthnCredential",
    "AdminGetUser",
    "AdminCreateUser",
    "AdminDeleteUser",
    "AdminUpdateUserAttributes",
    "AdminLinkProviderForUser",
    "AdminUserGlobalSignOut",
    "AdminResetUserPassword",
    "AdminSetUserPassword",
    "AdminDisableUser",
    "AdminAddUserToGroup",
    "AdminListGroupsForUser",
    "CreateGroup",
    "ListUsers",
    "DescribeUserPool",
    "DescribeUserPoolClient",
    "ListUserPoolClients",
)
CLIENT_CACHE_SECONDS = 60.0
# Calls that only read: repeating one after an unclear failure cannot change anything.
READ_ONLY = frozenset(
    {
        "GetUser",
        "AdminGetUser",
        "AdminListGroupsForUser",
        "ListUsers",
        "DescribeUserPool",
        "DescribeUserPoolClient",
        "ListWebAuthnCredentials",
    }
)
# Failures that prove the request was never processed.
NOT_SENT = (EndpointConnectionError, ConnectTimeoutError)
BACKOFF_SECONDS = 0.1
Reconcile = Callable[[], "bool | None"]


def secret_hash(client_id: str, client_secret: str, username: str) -> str:
    """Cognito's SECRET_HASH: Base64(HMAC-SHA256(key=secret, msg=username + client_id))."""
    digest = hmac.new(
        client_secret.encode(), (username + client_id).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


class UserPool:
    """One user pool, reached through one boto3 client."""

    def __init__(
        self,
        client: Any,
        *,
        pool_id: str,
        client_id: str,
        client_secret: str = "",
        max_attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        admission: Admission | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.client = client
        # Every attempt is counted and timed (``_once``); a pool built alone counts for itself.
        self.metrics = metrics or Metrics()
        self.pool_id = pool_id
        self.client_id = client_id
        self._own_secret = client_secret
        self.max_attempts = max_attempts
        self._sleep = sleep
        # Every attempt takes its turn in the quota's budget first (``admission.py``).
        self.admission = admission
        self._clients: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    # ---- app clients ---------------------------------------------------------------------

    def app_client(self, client_id: str) -> dict[str, Any]:
        """DescribeUserPoolClient, cached briefly: callback URLs, flows, secret."""
        now = time.monotonic()
        # A dict read is atomic and the entry an immutable pair: no lock for the usual case.
        cached = self._clients.get(client_id)
        if cached and now - cached[0] < CLIENT_CACHE_SECONDS:
            return cached[1]
        described = self.call("DescribeUserPoolClient", ClientId=client_id)["UserPoolClient"]
        with self._lock:
            self._clients[client_id] = (now, described)
        return described

    def client_secret(self, client_id: str) -> str:
        """The app client's secret ('' for a public client)."""
        if client_id == self.client_id:
            return self._own_secret
        return self.app_client(client_id).get("ClientSecret", "")

    # ---- calls ---------------------------------------------------------------------------

    def call(
        self,
        operation: str,
        *,
        secret_username: str | None = None,
        reconcile: Reconcile | None = None,
        **params: Any,
    ) -> dict[str, Any]:
        """Call an operation by its API name; raise a domain error on any failure.

        ``secret_username`` names the user for SECRET_HASH where the request itself does not
        (REFRESH_TOKEN_AUTH needs the user's username, i.e. their ``sub``). ``reconcile`` tells,
        after an unclear failure of a call that changes data, whether the change was made
        (see the module docstring); when it was, the call returns ``{}``.
        """
        if operation not in OPERATIONS:
            raise ValueError(f"{operation} is not in the gateway's OPERATIONS")
        params = self._complete(operation, params, secret_username)
        method = getattr(self.client, xform_name(operation))
        attempt = 0
        while True:
            attempt += 1
            if self.admission is not None:
                self.admission.admit(operation, retry=attempt > 1)
            try:
                return self._once(operation, method, params)
            except Ambiguous as unclear:
                verdict = self._reconcile(operation, reconcile)
                if verdict is True:
                    return {}
                if verdict is None:
                    raise
                if attempt >= self.max_attempts:
                    # Seen not to have happened: a plain failure, so nothing may follow it.
                    raise Unavailable(unclear.code, operation) from unclear
                # The change did not happen: one more try is safe.
            except (Throttled, Unavailable) as error:
                limit = self.max_attempts
                if isinstance(error, Throttled) and self.admission is not None:
                    limit += self.admission.extra_attempts(operation)
                if attempt >= limit or not error.repeatable:
                    raise
            self._sleep(random.uniform(0, BACKOFF_SECONDS * 2**attempt))

    def _once(self, operation: str, method: Callable[..., Any], params: dict[str, Any]):
        """One attempt, counted and timed in the metrics by its outcome."""
        started = time.perf_counter()
        try:
            result = self._attempt(operation, method, params)
        except UserPoolError as error:
            self.metrics.pool_call(operation, params, error, time.perf_counter() - started)
            raise
        self.metrics.pool_call(operation, params, None, time.perf_counter() - started)
        return result

    def _attempt(self, operation: str, method: Callable[..., Any], params: dict[str, Any]):
        """One attempt; every failure becomes a domain error (``repeatable`` says if the same
        request may simply be sent again)."""
        try:
            return method(**params)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            error = error_for(operation, code)(code, operation)
            if isinstance(error, Rejected):
                found = REASON.search(exc.response.get("Error", {}).get("Message", ""))
                error.reason = found.group(1) if found else ""
                error.detail = (found.group(2) or "") if found else ""
            if (
                isinstance(error, (Unavailable, ConfigurationFault, Throttled))
                or type(error) is UserPoolError
            ):
                log.warning("user pool %s failed: %s", operation, code)
            if isinstance(error, Unavailable) and not isinstance(error, Throttled):
                # The pool's own fault: the request may have been processed.
                error = self._unclear(operation, code, error)
            raise error from exc
        except NOT_SENT as exc:
            log.warning("user pool %s unreachable: %s", operation, type(exc).__name__)
            raise Unavailable(type(exc).__name__, operation, repeatable=True) from exc
        except (ConnectionError, HTTPClientError) as exc:
            log.warning("user pool %s: no answer: %s", operation, type(exc).__name__)
            raise self._unclear(
                operation, type(exc).__name__, Unavailable(type(exc).__name__, operation)
            ) from exc
        except NoCredentialsError as exc:
            raise ConfigurationFault("NoCredentialsError", operation) from exc
        except ParamValidationError as exc:
            raise InvalidInput("ParamValidationError", operation) from exc

    @staticmethod
    def _unclear(operation: str, code: str, error: Unavailable) -> Unavailable:
        """After an unclear failure a read may be repeated; a change's outcome is unknown."""
        if operation in READ_ONLY:
            error.repeatable = True
            return error
        return Ambiguous(code, operation)

    @staticmethod
    def _reconcile(operation: str, reconcile: Reconcile | None) -> bool | None:
        """Ask the caller what happened; a failure to find out counts as not knowing."""
        if reconcile is None:
            return None
        try:
            verdict = reconcile()
        except UserPoolError as exc:
            log.warning("user pool %s: reconcile failed: %s", operation, exc.code)
            return None
        log.info("user pool %s: unclear failure reconciled: %s", operation, verdict)
        return verdict

    def _complete(
        self, operation: str, params: dict[str, Any], secret_username: str | None
    ) -> dict[str, Any]:
        """Add the pool id, the default app client and SECRET_HASH where the operation has them."""
        params = dict(params)
        model = self.client.meta.service_model.operation_model(operation)
        members = model.input_shape.members if model.input_shape else {}
        if "UserPoolId" in members:
            params.setdefault("UserPoolId", self.pool_id)
        if "ClientId" in members and operation not in POOL_ID_OPERATIONS:
            params.setdefault("ClientId", self.client_id)
        client_id = params.get("ClientId", self.client_id)
        if operation == "RevokeToken":
            secret = self.client_secret(client_id)
            if secret:
                params.setdefault("ClientSecret", secret)
            return params
        if operation not in (*SECRET_HASH_PARAM, "InitiateAuth", "RespondToAuthChallenge"):
            return params
        secret = self.client_secret(client_id)
        if not secret:
            return params
        if operation in SECRET_HASH_PARAM:
            params.setdefault(
                "SecretHash", secret_hash(client_id, secret, params.get("Username", ""))
            )
            return params
        key = "AuthParameters" if operation == "InitiateAuth" else "ChallengeResponses"
        inner = dict(params.get(key) or {})
        name = secret_username or inner.get("USERNAME", "")
        inner.setdefault("SECRET_HASH", secret_hash(client_id, secret, name))
        params[key] = inner
        return params

    def ready(self) -> bool:
        """True when the pool answers (used by ``/readyz``)."""
        try:
            self.call("DescribeUserPoolClient", ClientId=self.client_id)
        except UserPoolError:
            return False
        return True
