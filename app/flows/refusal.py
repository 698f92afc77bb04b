"""A sign-in trigger's refusal, shown as a clear page: the UserMigration trigger's legacy
directory (disabled there, never activated there, signs in with a provider, unreachable) and
PreAuthentication or PostAuthentication saying no.

The trigger names its reason (``gatehouse:<reason>[:<detail>]``, the vocabulary documented in
``app/triggers/user_migration.py``); Cognito hands apps only "UserMigration failed with error
…", so the reason is all Gatehouse reads. A refusal with no reason it knows is the generic
``sign_in_refused``: a trigger's own words are never shown.
"""

from __future__ import annotations

from flask import render_template

from ..messages import text
from ..userpool import errors
from ..web.error_pages import retry_words
from .social import providers_for

PAGES = (
    "legacy_disabled",
    "legacy_not_activated",
    "legacy_federated",
    "legacy_unavailable",
    "sign_in_refused",
)
# When to try again after an unreachable legacy directory: the header and the page's words
# (``retry_words``) both come from this number.
UNAVAILABLE_RETRY_SECONDS = 120


def refusal_page(error: errors.Rejected, client_id: str):
    """The page for a refused sign-in (403; 503 with ``Retry-After`` when the legacy directory
    could not be reached). A provider named by the refusal is offered only if this app client
    has it."""
    reason = error.reason if error.reason in PAGES else "sign_in_refused"
    provider = None
    if reason == "legacy_federated":
        label = dict(providers_for(client_id)).get(error.detail)
        provider = (error.detail, label) if label else None
    unavailable = reason == "legacy_unavailable"
    body = render_template(
        "signin/refused.html",
        reason=reason,
        message=text(reason),
        provider=provider,
        retry=retry_words(UNAVAILABLE_RETRY_SECONDS) if unavailable else "",
    )
    if unavailable:
        return body, 503, {"Retry-After": str(UNAVAILABLE_RETRY_SECONDS)}
    return body, 403
