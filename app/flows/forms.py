"""The forms of every flow. Field names are part of the public contract (DESIGN.md §3)."""

from __future__ import annotations

import re
from functools import cache

from babel.support import Translations
from flask import request
from flask_babel import get_locale, lazy_ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted
from wtforms import EmailField, HiddenField, IntegerField, PasswordField, StringField
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from ..mail.addresses import MAX_LENGTH, is_valid

# Control characters have no place in anything a person types here (CR/LF would reach headers).
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Form(FlaskForm):
    """Every Gatehouse form: fields come from an HTML form post, never from a JSON body.

    Flask-WTF would also read ``request.get_json()``; no page posts JSON, and JSON can carry
    values a form cannot (lone surrogates, nested objects), so it is not accepted at all.
    """

    class Meta:
        """Read form fields only."""

        def wrap_formdata(self, form, formdata):
            """``request.form`` on a submitted form, else nothing (or what the caller passed)."""
            if formdata is _Auto:
                return request.form if _is_submitted() and request.form else None
            return formdata

        def get_translations(self, form):
            """WTForms' own catalogue in the request's language, read from disk once per
            language (Flask-WTF would read and parse it again on every request)."""
            return _wtforms_catalogue(str(get_locale()))


@cache
def _wtforms_catalogue(locale: str) -> Translations:
    """WTForms' packaged messages in one language (a fixed set of files, so a fixed cache)."""
    return Translations.load(messages_path(), [locale], domain="wtforms")


def _no_control_characters(form, field) -> None:
    """Refuse control characters in a typed value."""
    if field.data and CONTROL.search(field.data):
        raise ValidationError(_l("This contains characters that can't be used here."))


def _email_address(form, field) -> None:
    """A real email address (one recipient, no header tricks)."""
    if field.data and not is_valid(field.data.strip()):
        raise ValidationError(_l("Enter an email address like name@example.com."))


def required() -> DataRequired:
    """A value must be typed (WTForms' own wording, from our catalogue)."""
    return DataRequired(message=_l("This field is required."))


def at_most(limit: int) -> Length:
    """At most ``limit`` characters; the message's plural form follows the limit (it is whole
    once translated, so Length's own ``%`` formatting finds nothing left to fill)."""
    return Length(
        max=limit,
        message=lazy_ngettext(
            "Field cannot be longer than %(num)d character.",
            "Field cannot be longer than %(num)d characters.",
            limit,
        ),
    )


EMAIL = [required(), at_most(MAX_LENGTH), _email_address]
# ASCII digits only: \d would also take other scripts' digits (١٢٣٤٥٦), which no code contains.
CODE = [
    required(),
    Regexp(r"^\s*[0-9]{6}\s*$", message=_l("Enter the 6-digit code from the email.")),
]
PASSWORD = [required(), at_most(256), _no_control_characters]


def one_code(value):
    """A code as typed or pasted: "123 456" and "123-456" are the code 123456 (apps and emails
    group digits; a person copies what they see)."""
    return re.sub(r"[\s-]", "", value) if isinstance(value, str) else value


CODE_FILTERS = [one_code]


class SignInForm(Form):
    """Email and password; ``webauthn`` is "1" when the page's script found the browser can
    make passkeys (such a browser is offered one after signing in)."""

    email = EmailField(_l("Email"), validators=EMAIL)
    password = PasswordField(_l("Password"), validators=PASSWORD)
    webauthn = HiddenField()


class SignUpForm(Form):
    """A new account: email and a new password."""

    email = EmailField(_l("Email"), validators=EMAIL)
    password = PasswordField(_l("Choose a password"), validators=PASSWORD)


def signup_form(attributes: list[tuple[str, str]]) -> SignUpForm:
    """The sign-up form plus one required field per attribute the pool requires."""

    class WithAttributes(SignUpForm):
        pass

    for name, label in attributes:
        setattr(
            WithAttributes,
            f"attr_{name}",
            StringField(label, validators=[required(), at_most(2048), _no_control_characters]),
        )
    return WithAttributes()


class EmailForm(Form):
    """Just an email: forgot password, resend a code."""

    email = EmailField(_l("Email"), validators=EMAIL)


class ConfirmForm(Form):
    """An emailed code for an email address (typed, or carried by a link)."""

    email = EmailField(_l("Email"), validators=EMAIL)
    code = StringField(_l("Code from the email"), validators=CODE, filters=CODE_FILTERS)


class ResetForm(Form):
    """A reset code and the new password."""

    email = EmailField(_l("Email"), validators=EMAIL)
    code = StringField(_l("Code from the email"), validators=CODE, filters=CODE_FILTERS)
    password = PasswordField(_l("New password"), validators=PASSWORD)


class NewPasswordForm(Form):
    """The permanent password for an account created with a temporary one."""

    password = PasswordField(_l("New password"), validators=PASSWORD)


class CodeForm(Form):
    """A one-time code from an email (a magic link's, an email change's)."""

    code = StringField(_l("Code from the email"), validators=CODE, filters=CODE_FILTERS)


class AuthenticatorCodeForm(Form):
    """A one-time code from an authenticator app (two-step verification)."""

    code = StringField(
        _l("Code from your authenticator app"),
        filters=CODE_FILTERS,
        validators=[
            DataRequired(message=_l("Enter the 6-digit code your authenticator app shows.")),
            Regexp(
                r"^\s*[0-9]{6}\s*$",
                message=_l("Enter the 6-digit code your authenticator app shows."),
            ),
        ],
    )


class PasskeyAnswerForm(Form):
    """A browser's WebAuthn answer (JSON text, written by the passkey script); ``waiting`` is
    the handle of the autofill request it answers (empty from the passkey page)."""

    credential = HiddenField(validators=[required(), at_most(16_384)])
    waiting = HiddenField(validators=[at_most(64)])


class PasskeyNameForm(Form):
    """A passkey's name, as the person calls it ("Work laptop")."""

    name = StringField(_l("Name"), validators=[Optional(), at_most(60), _no_control_characters])


class ButtonForm(Form):
    """A form that is only a CSRF-protected button (sign out everywhere, cancel)."""

    intent = HiddenField()


class ElsewhereForm(ButtonForm):
    """A magic link opened on another device: the number the asking browser shows (typed), or
    ``here`` = ``yes`` to sign this device in instead."""

    number = IntegerField(validators=[Optional()])
    here = HiddenField()


class ConfirmPasswordForm(Form):
    """The current password, to confirm a recent sign-in."""

    password = PasswordField(_l("Password"), validators=PASSWORD)


class ChangePasswordForm(Form):
    """The current password and a new one."""

    current = PasswordField(_l("Current password"), validators=PASSWORD)
    password = PasswordField(_l("New password"), validators=PASSWORD)
