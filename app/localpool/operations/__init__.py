"""The local pool's API operations, registered by name with their Cognito quota category."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import PoolError
from ..passwords import check_policy

Handler = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Operation:
    """One API operation: its function, quota category, and whether it needs IAM credentials.

    ``prepare(pool, params)``, if given, runs before the write transaction and its result is
    passed to ``run`` as ``prepared``: slow work (password hashing) holds no database lock.
    """

    name: str
    run: Handler
    category: str
    admin: bool
    prepare: Callable[..., dict[str, Any]] | None = None


OPERATIONS: dict[str, Operation] = {}


def operation(
    name: str, category: str, *, admin: bool = False, prepare: Callable | None = None
) -> Callable[[Handler], Handler]:
    """Register a function ``(pool, conn, params) -> response`` as the operation ``name``."""

    def register(fn: Handler) -> Handler:
        """Add the function to OPERATIONS."""
        OPERATIONS[name] = Operation(name, fn, category, admin, prepare)
        return fn

    return register


def known_client(pool, params: dict[str, Any]) -> Any:
    """The app client a request names, or None: prepare functions check cheaply, never raise."""
    client_id = params.get("ClientId")
    return pool.clients.get(client_id) if isinstance(client_id, str) else None


def acceptable(pool, password: Any) -> bool:
    """True for a password the pool's policy accepts (worth hashing before the transaction)."""
    if not isinstance(password, str):
        return False
    try:
        check_policy(pool.settings.password_policy, password)
    except PoolError:
        return False
    return True


def _register_all() -> None:
    """Import the operation modules; importing one registers its operations."""
    for module in (
        "accounts",
        "admin",
        "admin_auth",
        "app_clients",
        "auth",
        "groups",
        "listing",
        "mfa",
        "passkeys",
        "pool_info",
        "profile",
        "recovery",
        "resource_servers",
        "signup",
    ):
        importlib.import_module(f"{__name__}.{module}")


_register_all()
