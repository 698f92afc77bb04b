"""Which ways in a sign-in page offers: those its brand lists (in the brand's order) that the
app client allows.

A way is offered when the pending request's app client allows one of its flows
(``ExplicitAuthFlows``) and so does Gatehouse's own client, because every first-factor sign-in
runs as Gatehouse's own client. A page never offers nothing: with no listed way allowed, it
offers the password.
"""

from __future__ import annotations

from .branding import current_brand
from .signin import own_client_id, target_client_id, user_pool
from .userpool import errors

# The ExplicitAuthFlows of which one lets an app client offer each way in.
FLOWS = {
    "password": {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_USER_AUTH"},
    "passkey": {"ALLOW_USER_AUTH"},
    "email_code": {"ALLOW_USER_AUTH"},
    "magic_link": {"ALLOW_CUSTOM_AUTH"},
}


def _flows(client_id: str) -> set[str]:
    """The app client's ExplicitAuthFlows (DescribeUserPoolClient, cached by the gateway)."""
    return set(user_pool().app_client(client_id).get("ExplicitAuthFlows") or [])


def offered(client_id: str | None = None) -> list[str]:
    """The ways in this request's sign-in page offers, in the brand's order; for the pending
    request's app client, or ``client_id``'s (the brand preview's)."""
    listed = current_brand().sign_in
    try:
        target, own = _flows(client_id or target_client_id()), _flows(own_client_id())
    except errors.UserPoolError:
        # The app client cannot be described now: the ways that need nothing more than the
        # password sign-in Gatehouse always has (a pool fault shows on the next step).
        return ["password"]
    allowed = [way for way in listed if FLOWS[way] & target and FLOWS[way] & own]
    return allowed or ["password"]


def offers(way: str) -> bool:
    """This request's sign-in page offers ``way`` (a flow checks before it runs)."""
    return way in offered()
