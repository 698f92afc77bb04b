"""What Gatehouse accepts as an email address: one rule for forms, the outbox and SES.

A loose pattern let ``a,x@evil.co`` (two recipients) and ``a@b.co\\n`` (a header break) through;
email-validator checks the syntax properly (RFC 5321/5322, internationalised addresses), without
DNS lookups.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

MAX_LENGTH = 254


class InvalidAddress(ValueError):
    """An address that no email may be sent to, or sign in with."""


def checked(address: str) -> str:
    """The address with its domain normalised; raises InvalidAddress for anything else."""
    if not isinstance(address, str) or not address or len(address) > MAX_LENGTH:
        raise InvalidAddress("missing or too long")
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidAddress(str(exc)) from exc


def is_valid(address: str) -> bool:
    """True when ``checked`` would accept the address."""
    try:
        checked(address)
    except InvalidAddress:
        return False
    return True
