"""The local pool's API operations, registered by name with their Cognito quota category."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Handler = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Operation:
    """One API operation: its function, quota category, and whether it needs IAM credentials."""

    name: str
    run: Handler
    category: str
    admin: bool


OPERATIONS: dict[str, Operation] = {}


def operation(name: str, category: str, *, admin: bool = False) -> Callable[[Handler], Handler]:
    """Register a function ``(pool, conn, params) -> response`` as the operation ``name``."""

    def register(fn: Handler) -> Handler:
        """Add the function to OPERATIONS."""
        OPERATIONS[name] = Operation(name, fn, category, admin)
        return fn

    return register


def _register_all() -> None:
    """Import the operation modules; importing one registers its operations."""
    for module in ("accounts", "admin", "auth", "listing", "mfa", "profile", "recovery", "signup"):
        importlib.import_module(f"{__name__}.{module}")


_register_all()
