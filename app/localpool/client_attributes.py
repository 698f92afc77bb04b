"""An app client's attribute permissions (ReadAttributes and WriteAttributes), as Cognito
enforces them: what GetUser answers and the ID token carries, what SignUp and
UpdateUserAttributes may set, and the checks CreateUserPoolClient and UpdateUserPoolClient
make of the two lists. Calls made with credentials (Admin*) are not limited by them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from .errors import invalid_parameter, not_authorized

if TYPE_CHECKING:  # the seed file's loader checks its clients' lists here too
    from .seed import AppClient

# Cognito's verification flags: readable by default, but written by default only by the pool
# itself (a code confirmed) or an administrator, never by a client that did not name them.
VERIFICATION_FLAGS = frozenset({"email_verified", "phone_number_verified"})
# Never writable, whatever a client's list says: the pool sets it once.
UNWRITABLE = frozenset({"sub"})
UNAUTHORIZED_WRITE = "A client attempted to write unauthorized attribute"


def token_client(pool, client_id: str) -> AppClient:
    """The app client an access token was issued to, whose lists limit what the token reads
    and writes. A token of a client deleted since is refused (NotAuthorizedException) rather
    than given the default lists, which would let it read and write more than its client could."""
    client = pool.clients.get(client_id)
    if client is None:
        raise not_authorized("Access Token has been revoked")
    return client


def may_read(client: AppClient, name: str) -> bool:
    """Whether the client may read this attribute (an empty list: every attribute)."""
    return not client.read_attributes or name in client.read_attributes


def may_write(client: AppClient, name: str) -> bool:
    """Whether the client may write this attribute (an empty list: every attribute but the
    verification flags and ``sub``)."""
    if name in UNWRITABLE:
        return False
    if not client.write_attributes:
        return name not in VERIFICATION_FLAGS
    return name in client.write_attributes


def readable(client: AppClient, attributes: Mapping[str, str]) -> dict[str, str]:
    """The attributes this client may read; ``sub`` always, as Cognito always names the user."""
    return {k: v for k, v in attributes.items() if k == "sub" or may_read(client, k)}


def check_writable(client: AppClient, names: Iterable[str]) -> None:
    """Refuse a write by a client of an attribute it may not write, as Cognito does: the
    whole call fails (NotAuthorizedException) and nothing is written."""
    if any(not may_write(client, name) for name in names):
        raise not_authorized(UNAUTHORIZED_WRITE)


def unfit_list(schema, required: Iterable[str], read: list[str], write: list[str]) -> str | None:
    """Which list ("read" or "write") Cognito refuses, or None: a list naming an attribute the
    schema lacks, or a write list naming ``sub`` or leaving out a required attribute (those
    must always be writable, or no one could sign up)."""
    if any(not schema.known(name) for name in read):
        return "read"
    if write and (
        any(not schema.known(name) or name in UNWRITABLE for name in write)
        or any(name not in write for name in required)
    ):
        return "write"
    return None


def checked_lists(
    schema, required: Iterable[str], params: Mapping, verb: str
) -> tuple[list[str], list[str]]:
    """CreateUserPoolClient's and UpdateUserPoolClient's ReadAttributes and WriteAttributes,
    refused as Cognito refuses them (InvalidParameterException; ``verb`` is "creating" or
    "updating", as its messages say)."""
    read = list(params.get("ReadAttributes") or [])
    write = list(params.get("WriteAttributes") or [])
    unfit = unfit_list(schema, required, read, write)
    if unfit:
        raise invalid_parameter(f"Invalid {unfit} attributes specified while {verb} a client")
    return read, write
