"""Wrong authenticator-app codes, counted per account across sign-ins.

Cognito (and the local pool) allow a few wrong codes per challenge session, but a password
sign-in starts a new session, so an attacker who has the password could keep guessing. Gatehouse
therefore keeps its own count in its store, per account and whatever the session: at most
``MAX_WRONG`` wrong codes within ``WINDOW_SECONDS``.

The count is a set of slots, each a store record written with the store's atomic ``add``. Every
answer takes a free slot *before* it is sent to the pool and gives it back unless the code was
wrong; a wrong code's slot stays for the window. So answers sent in parallel cannot together
pass the limit, and when every slot is taken the next answer is refused without asking the pool.
"""

from __future__ import annotations

import hashlib

from .store import Store

MAX_WRONG = 5
WINDOW_SECONDS = 15 * 60
PREFIX = "mfa_wrong:"


def _slots(account: str) -> list[str]:
    """The store keys of an account's slots (a hash: no username is kept in the store)."""
    digest = hashlib.sha256(account.strip().lower().encode()).hexdigest()
    return [f"{PREFIX}{digest}:{n}" for n in range(MAX_WRONG)]


def take_slot(store: Store, account: str, now: float) -> str | None:
    """Take one of the account's slots for an answer; None when all are taken (paused)."""
    for key in _slots(account):
        if store.add(key, {"until": now + WINDOW_SECONDS}, WINDOW_SECONDS):
            return key
    return None


def give_back(store: Store, slot: str) -> None:
    """The answer was not a wrong code: its slot is free again."""
    store.delete(slot)


def seconds_paused(store: Store, account: str, now: float) -> int:
    """How long until the account's oldest wrong code stops counting (at least one second)."""
    untils = [record["until"] for key in _slots(account) if (record := store.get(key))]
    return max(1, int(min(untils, default=now + 1) - now))
