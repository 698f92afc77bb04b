"""CustomMessage trigger: branded emails with a link and the code, for every app client.

Lambda handler: ``app.triggers.custom_message.handler``. Configuration comes from the function's
environment (``GATEHOUSE_BASE_URL``, ``GATEHOUSE_BRANDING_DIR``), never from the request: a link
base taken from ClientMetadata would let anyone calling SignUp make the pool mail a phishing link.
In local mode the local pool binds it to Gatehouse's own settings (``for_local``), so the links
follow the base URL, whatever the port.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..branding import DEFAULT, BrandError, load_brand

ROOT = Path(__file__).resolve().parents[2]
# trigger source -> (template stem, page the link opens)
KINDS = {
    "CustomMessage_SignUp": ("confirm_signup", "/confirm"),
    "CustomMessage_ResendCode": ("confirm_signup", "/confirm"),
    "CustomMessage_ForgotPassword": ("reset_password", "/confirmForgotPassword"),
    "CustomMessage_UpdateUserAttribute": ("verify_email", "/account/email/confirm"),
    "CustomMessage_VerifyUserAttribute": ("verify_email", "/account/email/confirm"),
}
_ENV = Environment(
    loader=FileSystemLoader(ROOT / "templates"), autoescape=select_autoescape(["html"])
)


@functools.lru_cache(maxsize=256)
def _brand_name(root_dir: str, client_id: str) -> str:
    """Read a brand once per process: brands change only with a deployment."""
    root = Path(root_dir)
    folder = root / client_id if client_id and (root / client_id).is_dir() else root / DEFAULT
    try:
        return load_brand(folder).display_name
    except BrandError:
        return load_brand(root / DEFAULT).display_name


def custom_message(event: dict[str, Any], base_url: str, branding_dir: str) -> dict[str, Any]:
    """Fill ``emailSubject`` and ``emailMessage`` for the sources Gatehouse brands."""
    kind = KINDS.get(event["triggerSource"])
    if kind is None:
        return event  # the pool's default message
    stem, path = kind
    request = event["request"]
    client_id = event["callerContext"].get("clientId") or ""
    email = request["userAttributes"].get("email", "")
    code = request["codeParameter"]
    base = base_url.rstrip("/")
    # The code placeholder must stay literal: Cognito replaces it after the trigger returns.
    if stem == "verify_email":  # the person is signed in; the link needs only the code
        link = f"{base}{path}?code={code}"
    else:
        link = f"{base}{path}?email={quote(email)}&code={code}&client_id={quote(client_id)}"
    context_vars = {"link": link, "code": code, "brand_name": _brand_name(branding_dir, client_id)}
    event["response"]["emailSubject"] = (
        _ENV.get_template(f"email/{stem}.subject.txt").render(context_vars).strip()
    )
    event["response"]["emailMessage"] = _ENV.get_template(f"email/{stem}.html").render(context_vars)
    return event


class Handler:
    """The Lambda handler; ``for_local`` binds it to the local app's settings."""

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """Lambda's entry point: the base URL and brands come from the function's environment."""
        return custom_message(
            event,
            os.environ["GATEHOUSE_BASE_URL"],
            os.environ.get("GATEHOUSE_BRANDING_DIR", str(ROOT / "branding")),
        )

    def for_local(self, settings: Any):
        """Local mode: Gatehouse's own base URL and branding folder."""
        base_url, branding_dir = settings.base_url, str(settings.branding_dir)
        return lambda event, context: custom_message(event, base_url, branding_dir)


handler = Handler()
