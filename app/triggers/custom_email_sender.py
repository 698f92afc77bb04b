"""CustomEmailSender trigger: the pool's emails, branded as CustomMessage brands them, sent by
this Lambda through SES, so no 20,000-character limit applies.

Lambda handler: ``app.triggers.custom_email_sender.handler``. Cognito puts the code (or an
invited user's temporary password) in ``request.code``, encrypted with the pool's KMS key as an
AWS Encryption SDK message (base64); the handler decrypts it with the Encryption SDK and the KMS
key ``GATEHOUSE_KMS_KEY_ARN`` names, renders the email with the templates CustomMessage uses
(``GATEHOUSE_BASE_URL``, ``GATEHOUSE_BRANDING_DIR``), and sends it with SES's v2 API from
``GATEHOUSE_MAIL_FROM``. In local mode the local pool encrypts with its own raw AES key and
``for_local`` decrypts with it and writes the email to the outbox.

Sources it sends: sign-up, resend, forgot password, attribute verification and emailed sign-in
codes (branded, as CustomMessage brands them), and AdminCreateUser's invitation (the pool's
default text). A source it does not know (``CustomEmailSender_AccountTakeOverNotification``:
the local pool has no threat protection) is logged and not sent, its code never decrypted. A
decrypted code that is empty or not printable fails the Lambda (``UnusableCode``), so the pool
reports a delivery failure instead of an email going out without a usable code.
"""

from __future__ import annotations

import base64
import logging
import os
from collections.abc import Callable
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..mail.outbox import Outbox, html_to_text
from .custom_message import KINDS, ROOT, custom_message

log = logging.getLogger(__name__)
INVITE = "CustomEmailSender_AdminCreateUser"
INVITE_SUBJECT = "Your temporary password"
_POOL_TEMPLATES = Environment(
    loader=FileSystemLoader(ROOT / "templates" / "email" / "pool"),
    autoescape=select_autoescape(["html"]),
)
Message = tuple[str, str, str]  # subject, text, HTML


class UnusableCode(ValueError):
    """The decrypted code is not one Cognito makes: the Lambda fails, so the pool reports a
    delivery failure instead of an email with no code, or a broken one, going out."""


def decrypt_code(encrypted: str, key_provider: Any) -> str:
    """The plaintext of ``request.code``: an Encryption SDK message, base64 (decrypted with
    the commitment policy Cognito's examples use)."""
    import aws_encryption_sdk
    from aws_encryption_sdk import CommitmentPolicy

    client = aws_encryption_sdk.EncryptionSDKClient(
        commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT
    )
    plaintext, _header = client.decrypt(
        source=base64.b64decode(encrypted), key_provider=key_provider
    )
    return plaintext.decode()


def check_code(code: str) -> str:
    """``code`` if it is one Cognito makes (digits, or a temporary password of printable ASCII
    characters; never empty, no surrounding space), else UnusableCode."""
    if not code or not code.isascii() or not code.isprintable() or code != code.strip():
        raise UnusableCode("the decrypted code is empty or not printable")
    return code


def _as_message(source: str) -> str:
    """The CustomMessage source a CustomEmailSender source is rendered as."""
    return source.replace("CustomEmailSender_", "CustomMessage_", 1)


def sends(source: str) -> bool:
    """True for a trigger source this handler sends an email for."""
    return source == INVITE or _as_message(source) in KINDS


def compose(event: dict[str, Any], code: str, base_url: str, branding_dir: str) -> Message:
    """The email for an event of a source it ``sends``, with the code in it."""
    source = event["triggerSource"]
    if source == INVITE:
        names = {
            "code_parameter": code,
            "username_parameter": event["request"]["userAttributes"].get("email", ""),
        }
        text = _POOL_TEMPLATES.get_template("invite.txt").render(names)
        return INVITE_SUBJECT, text, _POOL_TEMPLATES.get_template("invite.html").render(names)
    # The same rendering as CustomMessage's, given the code itself for its placeholder.
    message_event = {
        "triggerSource": _as_message(source),
        "callerContext": event["callerContext"],
        "request": {**event["request"], "codeParameter": code},
        "response": {},
    }
    response = custom_message(message_event, base_url, branding_dir)["response"]
    html_body = response["emailMessage"]
    return response["emailSubject"], html_to_text(html_body), html_body


def send_email(
    event: dict[str, Any],
    *,
    key_provider: Any,
    deliver: Callable[[str, Message], None],
    base_url: str,
    branding_dir: str,
) -> dict[str, Any]:
    """Decrypt the code, compose the email and deliver it to ``userAttributes.email``; a
    source it does not send is logged, and its code (if it has one) never decrypted. A code
    that is empty or not printable raises UnusableCode: the Lambda fails, nothing is sent."""
    if not sends(event["triggerSource"]):
        # Checked first: AccountTakeOverNotification's event has no code to decrypt.
        log.warning("CustomEmailSender: %s is not sent by this handler", event["triggerSource"])
        return event
    code = check_code(decrypt_code(event["request"]["code"], key_provider))
    message = compose(event, code, base_url, branding_dir)
    deliver(event["request"]["userAttributes"]["email"], message)
    return event


def ses_deliver(client: Any, sender: str) -> Callable[[str, Message], None]:
    """Delivery through SES's v2 API (``client``: a boto3 ``sesv2`` client)."""

    def deliver(to: str, message: Message) -> None:
        """Send one email with a text and an HTML part."""
        subject, text, html_body = message
        client.send_email(
            FromEmailAddress=sender,
            Destination={"ToAddresses": [to]},
            Content={
                "Simple": {
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": text, "Charset": "UTF-8"},
                        "Html": {"Data": html_body, "Charset": "UTF-8"},
                    },
                }
            },
        )

    return deliver


class Handler:
    """The Lambda handler; ``for_local`` binds it to the local app and its pool's key."""

    def __init__(self) -> None:
        # The KMS key provider and SES delivery, made at the first invocation and kept for the
        # life of the Lambda container (making boto3 clients costs more than sending).
        self._aws: tuple[Any, Callable[[str, Message], None]] | None = None

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """Lambda's entry point: KMS, SES and the brands come from the function's environment."""
        if self._aws is None:
            import aws_encryption_sdk
            import boto3

            key_provider = aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(
                key_ids=[os.environ["GATEHOUSE_KMS_KEY_ARN"]]
            )
            deliver = ses_deliver(boto3.client("sesv2"), os.environ["GATEHOUSE_MAIL_FROM"])
            self._aws = (key_provider, deliver)
        key_provider, deliver = self._aws
        return send_email(
            event,
            key_provider=key_provider,
            deliver=deliver,
            base_url=os.environ["GATEHOUSE_BASE_URL"],
            branding_dir=os.environ.get("GATEHOUSE_BRANDING_DIR", str(ROOT / "branding")),
        )

    def for_local(self, settings: Any, services: dict[str, Any]):
        """Local mode: the local pool's key (``services["kms"]``, there once the pool is made),
        the outbox, and Gatehouse's own base URL and branding folder."""
        outbox = Outbox(settings.outbox_dir)

        def deliver(to: str, message: Message) -> None:
            """Write the email to the outbox, as SES would send it."""
            outbox.send(to, *message)

        def local(event: dict[str, Any], context: Any) -> dict[str, Any]:
            """Run the handler with the local pool's key and the outbox."""
            return send_email(
                event,
                key_provider=services["kms"].master_key(),
                deliver=deliver,
                base_url=settings.base_url,
                branding_dir=str(settings.branding_dir),
            )

        return local


handler = Handler()
