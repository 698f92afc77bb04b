"""Paging through a listing the way a client does: follow ``NextToken`` to the end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def every_page(
    call: Callable[..., dict[str, Any]], key: str, size_member: str, size: int, **params: Any
) -> list[dict[str, Any]]:
    """Every item of a listing (``key`` of each answer), asked for ``size`` at a time (by
    ``size_member``: ``Limit`` or ``MaxResults``); asserts that no page holds more, and that
    the listing ends (at most 100 pages)."""
    items: list[dict[str, Any]] = []
    token = None
    for _ in range(100):
        page = call(**params, **{size_member: size}, **({"NextToken": token} if token else {}))
        assert len(page[key]) <= size
        items += page[key]
        token = page.get("NextToken")
        if not token:
            return items
    raise AssertionError(f"{key}: still a NextToken after 100 pages")
