"""Whose email address is proven: the one rule the linking and the magic-link triggers share.

An address is proven for a user only when the user is ``CONFIRMED`` and Cognito marks the address
``email_verified``. Anyone can sign up with any address (``UNCONFIRMED``) and an administrator can
type any address into AdminCreateUser (``FORCE_CHANGE_PASSWORD``, often unverified): neither says
that the person behind the account can read that mailbox, so neither may receive another person's
proof of it (a linked social identity, a magic link).
"""

from __future__ import annotations


def address_proven(status: str | None, email_verified: str | None) -> bool:
    """True for a CONFIRMED user whose email is verified; anything missing counts as unproven."""
    return status == "CONFIRMED" and (email_verified or "").lower() == "true"
