"""The forms of every flow. Field names are part of the public contract (DESIGN.md §3)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Regexp

EMAIL = [
    DataRequired(),
    Length(max=254),
    Regexp(
        r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter an email address like name@example.com.")
    ),
]
CODE = [
    DataRequired(),
    Regexp(r"^\s*\d{6}\s*$", message=_l("Enter the 6-digit code from the email.")),
]
PASSWORD = [DataRequired(), Length(max=256)]


class SignInForm(FlaskForm):
    """Email and password."""

    email = EmailField(_l("Email"), validators=EMAIL)
    password = PasswordField(_l("Password"), validators=PASSWORD)


class SignUpForm(FlaskForm):
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
            StringField(label, validators=[DataRequired(), Length(max=2048)]),
        )
    return WithAttributes()


class EmailForm(FlaskForm):
    """Just an email: forgot password, resend a code."""

    email = EmailField(_l("Email"), validators=EMAIL)


class ConfirmForm(FlaskForm):
    """An emailed code for an email address (typed, or carried by a link)."""

    email = EmailField(_l("Email"), validators=EMAIL)
    code = StringField(_l("Code from the email"), validators=CODE)


class ResetForm(FlaskForm):
    """A reset code and the new password."""

    email = EmailField(_l("Email"), validators=EMAIL)
    code = StringField(_l("Code from the email"), validators=CODE)
    password = PasswordField(_l("New password"), validators=PASSWORD)


class NewPasswordForm(FlaskForm):
    """The permanent password for an account created with a temporary one."""

    password = PasswordField(_l("New password"), validators=PASSWORD)


class CodeForm(FlaskForm):
    """A one-time code from an authenticator app."""

    code = StringField(_l("Code from your authenticator app"), validators=CODE)


class ButtonForm(FlaskForm):
    """A form that is only a CSRF-protected button (sign out everywhere, cancel)."""

    intent = HiddenField()


class ConfirmPasswordForm(FlaskForm):
    """The current password, to confirm a recent sign-in."""

    password = PasswordField(_l("Password"), validators=PASSWORD)


class ChangePasswordForm(FlaskForm):
    """The current password and a new one."""

    current = PasswordField(_l("Current password"), validators=PASSWORD)
    password = PasswordField(_l("New password"), validators=PASSWORD)
