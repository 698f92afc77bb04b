"""The local pool's API operations, registered by name with their Cognito quota category."""

from __future__ import annotations

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
        OPERATIONS[name] = Operation(name, fn, category, admin)
        return fn

    return register


# Importing the modules registers their operations.
from . import admin, auth, mfa, profile, recovery, signup  # noqa: E402,F401
