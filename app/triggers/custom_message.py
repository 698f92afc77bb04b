"""CustomMessage trigger: branded emails with a link and the code, for every app client, in the
person's language.

Lambda handler: ``app.triggers.custom_message.handler``. Configuration comes from the function's
environment (``GATEHOUSE_BASE_URL``, ``GATEHOUSE_BRANDING_DIR``), never from the request: a link
base taken from ClientMetadata would let anyone calling SignUp make the pool mail a phishing link.
In local mode the local pool binds it to Gatehouse's own settings (``for_local``), so the links
follow the base URL, whatever the port.

The language: ClientMetadata's ``lang`` (Gatehouse sends the page's), else the user's ``locale``
attribute, else the brand's ``default_language``, else English; each only if it is shipped.

Cognito takes at most 20,000 characters of ``emailMessage`` and silently sends its default
message instead of a longer one, so start-up renders every brand's emails in every language and
refuses a brand whose email would be too long (``check_sizes``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..branding import Brand, BrandError
from ..i18n import supported, translations_for
from ..mail.branded import EmailTemplates, TriggerEmails

ROOT = Path(__file__).resolve().parents[2]
CODE = "{####}"
# Cognito's limit on a CustomMessage trigger's emailMessage, in characters.
MAX_EMAIL_MESSAGE = 20_000
# trigger source -> (template stem, page the link opens; None: a code only)
KINDS = {
    # An emailed sign-in code (USER_AUTH's EMAIL_OTP): no link, or it would be a magic link.
    "CustomMessage_Authentication": ("sign_in_code", None),
    "CustomMessage_SignUp": ("confirm_signup", "/confirm"),
    "CustomMessage_ResendCode": ("confirm_signup", "/confirm"),
    "CustomMessage_ForgotPassword": ("reset_password", "/confirmForgotPassword"),
    "CustomMessage_UpdateUserAttribute": ("verify_email", "/account/email/confirm"),
    "CustomMessage_VerifyUserAttribute": ("verify_email", "/account/email/confirm"),
}
# The longest link an address can make: 64 characters that each quote to three, and a domain
# of the longest length an address leaves it (254 in all).
LONGEST_ADDRESS = "+" * 64 + "@" + ("a" * 62 + ".") * 2 + "a" * 63
TEMPLATES = EmailTemplates()
# Brands (with their base URL) whose every email fits, measured once per process.
_FITTING: set[tuple[str, tuple[str, ...]]] = set()


def _link(stem: str, path: str | None, base_url: str, email: str, client_id: str, code: str) -> str:
    """The page the email's button opens ("" for a code-only email). The code placeholder stays
    literal (in the link and in every language): Cognito replaces it after the trigger returns."""
    if path is None:
        return ""
    base = base_url.rstrip("/")
    if stem == "verify_email":  # the person is signed in; the link needs only the code
        return f"{base}{path}?code={code}"
    return f"{base}{path}?email={quote(email)}&code={code}&client_id={quote(client_id)}"


def custom_message(event: dict[str, Any], base_url: str, branding_dir: str) -> dict[str, Any]:
    """Fill ``emailSubject`` and ``emailMessage`` for the sources Gatehouse brands."""
    kind = KINDS.get(event["triggerSource"])
    if kind is None:
        return event  # the pool's default message
    stem, path = kind
    request = event["request"]
    client_id = event["callerContext"].get("clientId") or ""
    code = request["codeParameter"]
    link = _link(stem, path, base_url, request["userAttributes"].get("email", ""), client_id, code)
    emails = TriggerEmails(base_url, TEMPLATES, branding_dir)
    subject = emails.render(f"email/{stem}.subject.txt", event, link=link, code=code).strip()
    event["response"]["emailSubject"] = subject
    event["response"]["emailMessage"] = emails.render(
        f"email/{stem}.html", event, link=link, code=code
    )
    return event


def measure(brands: dict[str, Brand], base_url: str) -> list[tuple[int, str, str, str]]:
    """The length of every CustomMessage email: ``(characters, brand, email, language)`` for
    every brand, email and shipped language, with the longest link an address can make."""
    emails = TriggerEmails(base_url, TEMPLATES)
    sizes = []
    for client_id, brand in brands.items():
        for language in supported():
            translations = translations_for(language, brand)
            for stem, path in dict(KINDS.values()).items():
                link = _link(stem, path, base_url, LONGEST_ADDRESS, client_id, CODE)
                message = emails.render_in(
                    f"email/{stem}.html", brand, language, translations, link=link, code=CODE
                )
                sizes.append((len(message), client_id, stem, language))
    return sizes


def check_sizes(brands: dict[str, Brand], base_url: str) -> None:
    """Stop start-up when a brand's email is longer than Cognito takes (it would silently send
    its default message instead)."""
    # Templates and catalogues are fixed for the process: the same brands measure the same.
    key = (base_url, tuple(repr(vars(brand)) for brand in brands.values()))
    if key in _FITTING:
        return
    too_long = [size for size in measure(brands, base_url) if size[0] > MAX_EMAIL_MESSAGE]
    if too_long:
        size, client_id, stem, language = max(too_long)
        raise BrandError(
            f"brand {client_id}: the {stem} email in {language} is {size} characters; Cognito's "
            f"CustomMessage takes at most {MAX_EMAIL_MESSAGE} and would send its default instead "
            "(shorten the brand's texts or links)"
        )
    _FITTING.add(key)


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
