"""Gatehouse's Flask class: Flask, less the per-request work that gives the same answer each time.

Every request runs some twenty functions (the view, and each extension's before-, after- and
teardown hooks) through ``Flask.ensure_sync``, which asks ``inspect`` each time whether the
function is a coroutine; and every missing query parameter or cookie looked up with ``.get()``
built (and threw away) a ``BadRequestKeyError``, about ten per sign-in page. Neither changes the
outcome, and together they were a tenth of the page's cost in Flask.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Request
from werkzeug.datastructures import ImmutableMultiDict

T = TypeVar("T")
# Hooks and views are registered once; anything past this many is not kept (a bound).
KEPT_FUNCTIONS = 1024


class Values(ImmutableMultiDict):
    """Query parameters, form fields and cookies: ``get()`` of a missing name returns the
    default without raising and catching a werkzeug HTTP exception on the way."""

    def get(self, key: Any, default: Any = None, type: Callable[[Any], T] | None = None) -> Any:  # noqa: A002 - werkzeug's name
        """The first value for ``key`` (converted by ``type``), or ``default``."""
        if key not in self:
            return default
        return super().get(key, default, type)


class GatehouseRequest(Request):
    """Flask's request, with ``Values`` for its query, form and cookies."""

    parameter_storage_class = Values
    dict_storage_class = Values


class Application(Flask):
    """Flask, with ``ensure_sync``'s answer kept for each hook and view."""

    request_class = GatehouseRequest

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Flask's answer for ``func`` (itself, or a wrapper for an ``async def``), found once."""
        try:
            return self._sync[func]
        except KeyError:
            pass
        except TypeError:  # an unhashable callable: ask every time
            return super().ensure_sync(func)
        answer = super().ensure_sync(func)
        if len(self._sync) < KEPT_FUNCTIONS:
            self._sync[func] = answer
        return answer
