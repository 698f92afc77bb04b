"""The pool's own emails: Cognito's default texts, or what the CustomMessage trigger returns."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..mail.outbox import MailUnavailable, Outbox, Undeliverable, html_to_text
from . import custom_sender
from .custom_sender import LocalKms
from .errors import PoolError
from .triggers import TriggerRunner

CODE = "{####}"
USERNAME = "{username}"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

# trigger source -> (default subject, template stem under templates/email/pool/)
DEFAULTS = {
    "CustomMessage_SignUp": ("Your verification code", "verify"),
    "CustomMessage_ResendCode": ("Your verification code", "verify"),
    "CustomMessage_ForgotPassword": ("Your password reset code", "reset"),
    "CustomMessage_UpdateUserAttribute": ("Your verification code", "verify"),
    "CustomMessage_VerifyUserAttribute": ("Your verification code", "verify"),
    "CustomMessage_AdminCreateUser": ("Your temporary password", "invite"),
    "CustomMessage_Authentication": ("Your sign-in code", "verify"),
}
# Messages a source sends besides its usual one: the welcome email of a migrated user
# (``CustomMessage_AdminCreateUser``, without a temporary password).
TEMPLATES_BY_NAME = {"welcome": ("Welcome", "welcome")}


@dataclass(frozen=True)
class CustomEmail:
    """A message the CustomEmailSender trigger composes and sends (the pool only encrypts the
    code for it)."""

    source: str
    user_name: str
    attributes: dict[str, str]
    client_id: str | None
    client_metadata: dict[str, str] | None


class MessageSender:
    """Builds and delivers the pool's messages to the outbox, or hands them to the
    CustomEmailSender trigger when the pool has one; once the operation's writes are committed
    (the database's ``after_commit``)."""

    def __init__(
        self,
        outbox_dir: Path,
        triggers: TriggerRunner,
        kms: LocalKms,
        after_commit: Callable[[Callable[[], None]], None],
    ) -> None:
        self.kms = kms
        self.after_commit = after_commit
        self.outbox = Outbox(outbox_dir)
        # Where a message to nobody is written (and at once removed): see ``rehearse``.
        self.scratch = Outbox(outbox_dir.parent / "localpool-scratch")
        self.triggers = triggers
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"])
        )

    def send(
        self,
        source: str,
        *,
        to: str,
        user_name: str,
        attributes: dict[str, str],
        client_id: str,
        code: str,
        client_metadata: dict[str, str] | None = None,
        username_value: str = "",
        template: str | None = None,
    ) -> dict[str, str]:
        """Send one message for a trigger source (``template``: the pool's own text, when it is
        not the source's usual one); returns Cognito's CodeDeliveryDetails."""
        message = self.compose(
            source,
            user_name=user_name,
            attributes=attributes,
            client_id=client_id,
            client_metadata=client_metadata,
            template=template,
        )
        return self.deliver(message, to=to, code=code, username_value=username_value)

    def compose(
        self,
        source: str,
        *,
        user_name: str,
        attributes: dict[str, str],
        client_id: str,
        client_metadata: dict[str, str] | None = None,
        template: str | None = None,
    ) -> tuple[str, str, str] | CustomEmail:
        """The message for a trigger source, placeholders unfilled: (subject, text, HTML) from
        the pool's templates, or from the CustomMessage trigger when it answers; with a
        CustomEmailSender trigger, what that trigger needs to compose it."""
        if self.triggers.configured("CustomEmailSender"):
            # Cognito runs CustomEmailSender instead of CustomMessage, never both.
            return CustomEmail(source, user_name, dict(attributes), client_id, client_metadata)
        subject, text, html_body = self._default(source, template)
        if self.triggers.configured("CustomMessage"):
            request: dict[str, Any] = {
                "userAttributes": dict(attributes),
                "codeParameter": CODE,
                "linkParameter": None,
                "usernameParameter": USERNAME
                if source == "CustomMessage_AdminCreateUser"
                else None,
            }
            if client_metadata:
                request["clientMetadata"] = dict(client_metadata)
            event = self.triggers.event(
                source,
                user_name,
                client_id,
                request,
                {"smsMessage": None, "emailMessage": None, "emailSubject": None},
            )
            response = self.triggers.invoke("CustomMessage", event)
            if response.get("emailMessage"):
                html_body = response["emailMessage"]
                text = html_to_text(html_body)
            subject = response.get("emailSubject") or subject
        return subject, text, html_body

    def _default(self, source: str, template: str | None = None) -> tuple[str, str, str]:
        """The pool's own message for a trigger source (or the named ``template`` of
        ``TEMPLATES_BY_NAME``), from its templates, placeholders unfilled."""
        subject, stem = TEMPLATES_BY_NAME[template] if template else DEFAULTS[source]
        # The templates print the placeholders; the code goes in last, as Cognito does.
        names = {"code_parameter": CODE, "username_parameter": USERNAME}
        text = self.env.get_template(f"email/pool/{stem}.txt").render(names)
        html_body = self.env.get_template(f"email/pool/{stem}.html").render(names)
        return subject, text, html_body

    def deliver(
        self,
        message: tuple[str, str, str] | CustomEmail,
        *,
        to: str,
        code: str,
        username_value: str = "",
    ) -> dict[str, str]:
        """Fill in the code (and username) and write the message to the outbox; or give the
        CustomEmailSender trigger the code, encrypted, to send it. Either is done once the
        operation's writes are committed: no code is sent that a rollback takes back."""
        self.after_commit(lambda: self._send_now(message, to, code, username_value))
        return _details(to)

    def _send_now(
        self, message: tuple[str, str, str] | CustomEmail, to: str, code: str, username: str
    ) -> None:
        """``deliver``'s sending, done as it is asked."""
        if isinstance(message, CustomEmail):
            custom_sender.run(
                self.triggers,
                self.kms,
                message.source,
                to=to,
                user_name=message.user_name,
                attributes=message.attributes,
                client_id=message.client_id,
                code=code,
                client_metadata=message.client_metadata,
            )
            return
        try:
            self.outbox.send(to, *_filled(message, code, username))
        except (MailUnavailable, Undeliverable) as exc:
            # Cognito's answer when its email cannot go out (what it wrote before stays).
            raise PoolError("CodeDeliveryFailureException", "Unable to deliver message.") from exc

    def rehearse(self, message: tuple[str, str, str] | CustomEmail, *, to: str, code: str) -> None:
        """Do all that delivering a message does, then remove it: an answer about an address
        nobody has takes as long as one that sends (no account enumeration by timing). With
        CustomEmailSender the trigger is not run for nobody: the pool encrypts the code and
        does the trigger's work of rendering and writing a message itself."""
        if isinstance(message, CustomEmail):
            self.kms.encrypt(code)
            message = self._default(message.source)
        with contextlib.suppress(MailUnavailable, Undeliverable):
            self.scratch.send(to, *_filled(message, code, "")).unlink(missing_ok=True)


def _filled(message: tuple[str, str, str], code: str, username: str) -> tuple[str, str, str]:
    """The message with its placeholders replaced (the code last, as Cognito does)."""
    subject, text, html_body = message
    for placeholder, value in {CODE: code, USERNAME: username}.items():
        text = text.replace(placeholder, value)
        html_body = html_body.replace(placeholder, value)
    return subject, text, html_body


def _details(to: str) -> dict[str, str]:
    """Cognito's CodeDeliveryDetails for an email sent to ``to``."""
    return {"Destination": mask(to), "DeliveryMedium": "EMAIL", "AttributeName": "email"}


def mask(email: str) -> str:
    """Cognito's masked destination, e.g. ``a***@e***``."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"
