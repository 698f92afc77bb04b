"""Cross-device magic links: the browser that asked for the link finishes the sign-in.

A link opened on another device (a phone, while the app waits on a laptop) used to sign in *that*
device, where the app's own state (its ``state``, its PKCE verifier) does not exist, so the app
failed. Now the asking browser keeps a random **asker** secret in its session and the link carries
only its tag (a hash). When the link is opened in a browser that does not hold the asker, that
device spends the link and leaves the pool's answer here, under the tag, for the asking browser:
its "check your email" page refreshes itself (no JavaScript needed), collects the answer once and
finishes the sign-in where the app's request lives.

A link that signs in *another* browser is what phishing wants (an attacker asks for a link for the
victim's address and waits for the victim to click it), so the other device must first type the
two-digit number that the asking browser shows (number matching, as push-MFA apps do; typed, not
picked from a few, so a guess succeeds one time in 90). One wrong number stops this asking
browser's sign-in for good.

Each tag's record moves once from nothing to ``claimed`` or ``refused`` (the store's add-if-absent)
and from ``claimed`` to ``done`` or ``failed``; the asking browser takes a finished record once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from .tokens import LIFETIME_SECONDS

HANDOFF_SECONDS = LIFETIME_SECONDS
KEY = "magic-handoff:"
FINISHED = ("done", "refused", "failed")


def new_asker() -> str:
    """The asking browser's secret, kept in its session only."""
    return secrets.token_urlsafe(24)


def tag_of(asker: str) -> str:
    """What the link carries: the asker cannot be read back from it."""
    return hashlib.sha256(f"gatehouse.asker:{asker}".encode()).hexdigest()[:32]


def match_number(key: str, tag: str) -> int:
    """The two-digit number the asking browser shows, derived from the tag with the app's key
    (stable across reloads, unknown to anyone without the key or the asking screen)."""
    digest = hmac.new(key.encode(), f"{tag}:0".encode(), hashlib.sha256).digest()
    return 10 + int.from_bytes(digest[:4], "big") % 90


def claim(store: Any, tag: str) -> bool:
    """The other device starts spending the link; False if this tag is claimed or refused."""
    return store.add(KEY + tag, {"state": "claimed"}, HANDOFF_SECONDS)


def refuse(store: Any, tag: str) -> None:
    """A wrong number: this asking browser's sign-in stops (unless it already finished)."""
    store.add(KEY + tag, {"state": "refused"}, HANDOFF_SECONDS)


def hand_over(store: Any, tag: str, result: dict[str, Any]) -> None:
    """The pool's answer to the link (tokens, or its next challenge) for the asking browser."""
    store.put(KEY + tag, {"state": "done", "result": result}, HANDOFF_SECONDS)


def failed(store: Any, tag: str) -> None:
    """The link no longer worked when the other device spent it."""
    store.put(KEY + tag, {"state": "failed"}, HANDOFF_SECONDS)


def collect(store: Any, tag: str) -> dict[str, Any] | None:
    """A finished record, taken once; None while nothing (or only a claim) is there."""
    record = store.get(KEY + tag)
    if record is None or record.get("state") not in FINISHED:
        return None
    return store.take(KEY + tag)
