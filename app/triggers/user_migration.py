"""UserMigration trigger: move people from a legacy user table, reached over HTTP, into the pool
the first time they sign in (or ask for a reset) — an example to adapt to one's own legacy API.

Lambda handler: ``app.triggers.user_migration:handler``. Settings (environment):
``GATEHOUSE_LEGACY_URL`` (the legacy API's base URL, required) and ``GATEHOUSE_LEGACY_TIMEOUT``
(seconds per request, default 2, at most 4: Cognito gives the whole trigger 5 seconds).

The legacy API it expects (JSON):

- ``POST /authenticate`` with ``{"email", "password"}``: 200 with the account
  (``{"email", "name"?, "status", "provider"?}``) when the password is right, 401 or 404 when it
  is wrong or the address unknown (the two are not told apart). An account that signs in with a
  social provider has no password: the legacy API answers 200 with ``status`` ``federated`` and
  ``provider`` (the pool's provider name, ``Facebook``), whatever password was typed.
- ``GET /users/<email>``: 200 with the account, or 404.

``status`` is ``active``, ``disabled``, ``not_activated`` or ``federated``. An active account is
migrated CONFIRMED with its password (sign-in) or RESET_REQUIRED (forgot password, Cognito's
choice), its email verified, and no welcome message. The others are refused at sign-in with a
reason Gatehouse shows as a page (``gatehouse:<reason>``, this project's refusal vocabulary):

- ``legacy_disabled``: disabled in the old system;
- ``legacy_not_activated``: never activated there;
- ``legacy_federated:<Provider>``: signs in with that provider (its button is offered);
- ``legacy_unavailable``: the legacy API did not answer in time or failed.

Enumeration: the first two are only said to someone who typed the account's right password; a
federated account has no password, so "this account signs in with Facebook" is said to anyone
who types its address — what the legacy sign-in page itself said; ``legacy_unavailable`` is said
at sign-in to anyone who types an address the pool lacks while the legacy API is down (both
documented in docs/localpool.md). ForgotPassword never refuses, not even in an outage: an account
that is not active, or not found out about, gets the answer an unknown address gets (no code),
so a reset tells no one anything.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

DEFAULT_TIMEOUT = 2.0
MAX_TIMEOUT = 4.0  # under Cognito's 5 s for the whole trigger
REFUSALS = {"disabled": "legacy_disabled", "not_activated": "legacy_not_activated"}


class Refused(Exception):
    """A migration the trigger refuses; the message is a reason of the vocabulary above."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"gatehouse:{reason}")


def _settings() -> tuple[str, float]:
    """The legacy API's base URL and the timeout per request, from the environment."""
    base = os.environ.get("GATEHOUSE_LEGACY_URL", "").rstrip("/")
    if not base:
        raise RuntimeError("GATEHOUSE_LEGACY_URL is not set")
    timeout = float(os.environ.get("GATEHOUSE_LEGACY_TIMEOUT", DEFAULT_TIMEOUT))
    return base, min(max(timeout, 0.1), MAX_TIMEOUT)


def _request(method: str, url: str, body: dict | None, timeout: float) -> tuple[int, Any]:
    """One JSON request; returns (status, decoded body or None). Raises OSError when the
    legacy API cannot be reached in time."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        error.close()
        return error.code, None


def _within(timeout: float, method: str, url: str, body: dict | None) -> tuple[int, Any]:
    """``_request``, given up once ``timeout`` has passed in all (``TimeoutError``, an
    OSError). urllib's timeout bounds each wait on the socket, not the whole request: a legacy
    API that answers byte by byte would outlast Cognito's 5 seconds, which Cognito answers with
    UnexpectedLambdaException (a fault page) instead of this trigger's clear refusal."""
    executor = ThreadPoolExecutor(max_workers=1)
    try:
        return executor.submit(_request, method, url, body, timeout).result(timeout=timeout)
    finally:
        executor.shutdown(wait=False)  # an abandoned request ends at its own socket timeout


def _look_up(method: str, path: str, body: dict | None) -> dict[str, Any] | None:
    """The legacy account, None when the API says it does not know it (401/404), or the
    ``legacy_unavailable`` refusal when it cannot say."""
    base, timeout = _settings()
    try:
        status, account = _within(timeout, method, base + path, body)
    except (OSError, ValueError) as exc:  # unreachable, timed out, or not JSON
        raise Refused("legacy_unavailable") from exc
    if status in (401, 404):
        return None
    if status != 200 or not isinstance(account, dict):
        raise Refused("legacy_unavailable")
    return account


def _migrate(event: dict[str, Any], account: dict[str, Any]) -> dict[str, Any]:
    """Fill the response that makes Cognito create the user from an active legacy account."""
    attributes = {"email": event["userName"].lower(), "email_verified": "true"}
    if isinstance(account.get("name"), str) and account["name"]:
        attributes["name"] = account["name"]
    event["response"]["userAttributes"] = attributes
    event["response"]["messageAction"] = "SUPPRESS"
    if event["triggerSource"] == "UserMigration_Authentication":
        event["response"]["finalUserStatus"] = "CONFIRMED"
    return event


def migrate_user(event: dict[str, Any]) -> dict[str, Any]:
    """Answer UserMigration_Authentication and UserMigration_ForgotPassword."""
    email = event["userName"].lower()
    if event["triggerSource"] == "UserMigration_ForgotPassword":
        try:
            account = _look_up("GET", "/users/" + urllib.parse.quote(email, safe=""), None)
        except Refused:
            # The legacy API is down: saying so would tell that the pool lacks this address
            # (a known one never reaches the trigger), so the reset answers as for anyone.
            account = None
        if account is not None and account.get("status") == "active":
            return _migrate(event, account)
        return event  # unknown, or not migrated by a reset: the unknown address's answer
    password = event["request"].get("password") or ""
    account = _look_up("POST", "/authenticate", {"email": email, "password": password})
    if account is None:
        return event
    status = account.get("status")
    if status == "active":
        return _migrate(event, account)
    if status == "federated":
        provider = str(account.get("provider") or "")
        raise Refused(f"legacy_federated:{provider}" if provider.isalnum() else "legacy_federated")
    if status in REFUSALS:
        raise Refused(REFUSALS[status])
    return event  # a status this handler does not know: not migrated


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda's entry point."""
    return migrate_user(event)
