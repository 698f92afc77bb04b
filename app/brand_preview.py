"""Local mode's brand preview: ``/_dev/brands/<client>?page=<page>&lang=<lang>[&errors=1]``.

Any page, in any brand and language, without signing in: each page's template gets sample
context built from the flows' own forms. ``errors=1`` shows the forms' fields in error (and an
error message). ``PAGES`` is every person-facing template (all of templates/ but email/, demo/,
dev/ and localpool/), one entry per state a template shows, so a tool can walk them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, render_template, request
from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from . import passkeys
from .branding import DEFAULT, brand_errors, current_brand, preview_brand
from .flows.account import PasswordChangeForm
from .flows.forms import (
    AuthenticatorCodeForm,
    ButtonForm,
    CodeForm,
    ConfirmForm,
    ConfirmPasswordForm,
    ElsewhereForm,
    EmailForm,
    NewPasswordForm,
    PasskeyAnswerForm,
    PasskeyNameForm,
    ResetForm,
    SignInForm,
    signup_form,
)
from .flows.passkeys import NewPasskeyForm
from .flows.policy import LABELS, password_rules
from .flows.reconfirm import ProviderForm, Ways
from .flows.refusal import UNAVAILABLE_RETRY_SECONDS
from .flows.social import LABELS as PROVIDER_LABELS
from .flows.two_step import SETUP_SECONDS, grouped, otpauth_uri, qr_svg
from .i18n import language_links, supported
from .magic_link.tokens import masked
from .messages import flash_message, text
from .web.error_pages import retry_words

EMAIL = "sam@example.com"
NEW_EMAIL = "sam.new@example.com"
PROVIDERS = [(name, PROVIDER_LABELS.get(name, name)) for name in ("Google", "SignInWithApple")]
# What a person might have typed wrong, for ``errors=1``.
TYPED_WRONG = {"email": "sam@", "code": "12", "password": "", "current": ""}
ATTRIBUTES = ["given_name"]
# An authenticator-app secret that belongs to no account.
SAMPLE_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@dataclass(frozen=True)
class Page:
    """A template and the sample context it is shown with (``errors``: fields in error)."""

    template: str
    context: Callable[[bool], dict[str, Any]] = field(default=lambda errors: {})
    # Gatehouse's own pages always wear the default brand, as they do when served.
    own: bool = False


def _form(make: Callable[..., Any], errors: bool, **data: Any):
    """A form with sample data, or as submitted with typing mistakes when ``errors``."""
    if not errors:
        return make(formdata=None, **data)
    form = make(formdata=MultiDict(TYPED_WRONG))
    form.validate()
    return form


def _signup(errors: bool) -> dict[str, Any]:
    """The sign-up page, with one attribute the pool might require."""
    attributes = [(name, str(LABELS[name])) for name in ATTRIBUTES]
    form = signup_form(attributes)  # built per request; a GET gives it nothing to read
    if errors:
        form.process(MultiDict(TYPED_WRONG))
        form.validate()
    return {"form": form, "rules": password_rules(), "attributes": attributes}


def _confirm(errors: bool, **ways: Any) -> dict[str, Any]:
    """ "Confirm it's you" with the given ways."""
    return {
        "form": _form(ConfirmPasswordForm, errors),
        "buttons": ProviderForm(formdata=None),
        "ways": Ways(email=EMAIL, **ways),
        "who": masked(EMAIL),
        "back": "account.overview",
    }


def _ways() -> list[str]:
    """Every way in the previewed brand lists, in its order (the served page shows those of
    them the app client allows)."""
    return list(current_brand().sign_in)


def _passkeys(count: int) -> dict[str, Any]:
    """The passkey list with ``count`` sample passkeys."""
    samples = [
        {
            "CredentialId": f"sample{i}",
            "name": name,
            "CreatedAt": datetime(2026, 11, 3 + i, tzinfo=UTC),
            "AuthenticatorAttachment": attachment,
        }
        for i, (name, attachment) in enumerate(
            [("Work laptop", "platform"), ("", "cross-platform")][:count]
        )
    ]
    return {
        "credentials": samples,
        "rename_form": PasskeyNameForm(formdata=None),
        "form": ButtonForm(formdata=None),
        "most": 20,
    }


def _new_passkey(errors: bool) -> NewPasskeyForm:
    """The add-a-passkey form; in error, a name too long."""
    if not errors:
        return NewPasskeyForm(formdata=None)
    form = NewPasskeyForm(formdata=MultiDict({"name": "n" * 61}))
    form.validate()
    return form


def _secure(state: str) -> dict[str, Any]:
    """The "secure your account" page in one of its states."""
    return {"state": state, "form": ButtonForm(formdata=None), "email": EMAIL}


def _two_step_app(errors: bool) -> dict[str, Any]:
    """Adding the account to an authenticator app, for a sample secret."""
    uri = otpauth_uri(SAMPLE_SECRET, EMAIL)
    return {
        "form": _form(AuthenticatorCodeForm, errors),
        "qr": qr_svg(uri),
        "uri": uri,
        "secret": grouped(SAMPLE_SECRET),
        "minutes": SETUP_SECONDS // 60,
    }


PAGES: dict[str, Page] = {
    "home": Page(
        "home.html",
        lambda e: {"local_mode": True, "demo_users": [(EMAIL, "sample-password")]},
        own=True,
    ),
    "error": Page("error.html", lambda e: {"message": text("not_found_page"), "status": 404}),
    "error-busy": Page(
        "error.html",
        lambda e: {"message": text("throttled"), "status": 503, "retry": retry_words(30)},
    ),
    "language": Page(
        "language.html", lambda e: {"links": language_links("/login"), "back": "/login"}
    ),
    "signin/login": Page(
        "signin/login.html",
        lambda e: {"form": _form(SignInForm, e), "providers": PROVIDERS, "ways": _ways()},
    ),
    "signin/email_code": Page("signin/email_code.html", lambda e: {"form": _form(EmailForm, e)}),
    "signin/email_code_sent": Page(
        "signin/email_code_sent.html",
        lambda e: {"form": _form(CodeForm, e), "email": EMAIL},
    ),
    "signin/passkey": Page(
        "signin/passkey.html",
        lambda e: {
            "form": PasskeyAnswerForm(formdata=None),
            "who": masked(EMAIL),
            "email": EMAIL,
            "options": passkeys.request_options(None),
        },
    ),
    "signin/line": Page("signin/line.html", lambda e: {"seconds": 42, "email": EMAIL}),
    "signin/mfa": Page("signin/mfa.html", lambda e: {"form": _form(AuthenticatorCodeForm, e)}),
    "signin/new_password": Page(
        "signin/new_password.html",
        lambda e: {"form": _form(NewPasswordForm, e), "rules": password_rules()},
    ),
    "signup/signup": Page("signup/signup.html", _signup),
    "signup/confirm": Page(
        "signup/confirm.html",
        lambda e: {
            "form": _form(ConfirmForm, e, email=EMAIL),
            "from_link": False,
            "resend": EmailForm(formdata=None, email=EMAIL),
            "sent": "1",
        },
    ),
    "signup/confirm-link": Page(
        "signup/confirm.html",
        lambda e: {
            "form": ConfirmForm(formdata=None, email=EMAIL, code="123456"),
            "from_link": True,
            "resend": EmailForm(formdata=None, email=EMAIL),
        },
    ),
    "recovery/forgot": Page("recovery/forgot.html", lambda e: {"form": _form(EmailForm, e)}),
    "recovery/reset": Page(
        "recovery/reset.html",
        lambda e: {
            "form": _form(ResetForm, e, email=EMAIL),
            "rules": password_rules(),
            "sent": "1",
        },
    ),
    "account/overview": Page(
        "account/overview.html",
        lambda e: {
            "attributes": {"email": EMAIL, "email_verified": "true", "sub": "sample"},
            "form": ButtonForm(formdata=None),
            "methods": [gettext("Password"), "Google"],
            "has_password": True,
            "mfa": False,
        },
    ),
    "account/passkeys": Page("account/passkeys.html", lambda e: _passkeys(2)),
    "account/passkeys-none": Page("account/passkeys.html", lambda e: _passkeys(0)),
    "account/passkey_new": Page(
        "account/passkey_new.html",
        lambda e: {"form": _new_passkey(e), "then": ""},
    ),
    "account/passkey_offer": Page(
        "account/passkey_offer.html", lambda e: {"form": ButtonForm(formdata=None)}
    ),
    "account/password": Page(
        "account/password.html",
        lambda e: {"form": _form(PasswordChangeForm, e), "rules": password_rules()},
    ),
    "account/confirm": Page(
        "account/confirm.html",
        lambda e: _confirm(e, password=True, providers=PROVIDERS, code=True),
    ),
    "account/confirm-none": Page("account/confirm.html", lambda e: _confirm(e, password=False)),
    "account/confirm_code": Page(
        "account/confirm_code.html",
        lambda e: {
            "form": _form(CodeForm, e),
            "buttons": ButtonForm(formdata=None),
            "who": masked(EMAIL),
            "back": "account.overview",
        },
    ),
    "account/two_step": Page(
        "account/two_step.html", lambda e: {"form": ButtonForm(formdata=None), "on": False}
    ),
    "account/two_step-on": Page(
        "account/two_step.html", lambda e: {"form": ButtonForm(formdata=None), "on": True}
    ),
    "account/two_step_app": Page("account/two_step_app.html", _two_step_app),
    "account/two_step_off": Page(
        "account/two_step_off.html", lambda e: {"form": ButtonForm(formdata=None)}
    ),
    "deletion/confirm": Page(
        "deletion/confirm.html", lambda e: {"form": ButtonForm(formdata=None), "apple": True}
    ),
    "deletion/apple_failed": Page("deletion/apple_failed.html"),
    "deletion/done": Page("deletion/done.html", lambda e: {"emailed": "delivered"}),
    "deletion/in_progress": Page("deletion/in_progress.html"),
    "email_change/start": Page("email_change/start.html", lambda e: {"form": _form(EmailForm, e)}),
    "email_change/sent": Page(
        "email_change/sent.html",
        lambda e: {
            "form": _form(CodeForm, e),
            "new": NEW_EMAIL,
            "buttons": ButtonForm(formdata=None),
        },
    ),
    "email_change/confirm": Page(
        "email_change/confirm.html", lambda e: {"form": CodeForm(formdata=None, code="123456")}
    ),
    "email_change/secure": Page("email_change/secure.html", lambda e: _secure("ask")),
    "email_change/secure-invalid": Page("email_change/secure.html", lambda e: _secure("invalid")),
    "email_change/secure-busy": Page("email_change/secure.html", lambda e: _secure("busy")),
    "email_change/secure-taken": Page("email_change/secure.html", lambda e: _secure("taken")),
    "email_change/secure-restored": Page("email_change/secure.html", lambda e: _secure("restored")),
    "magic_link/ask": Page("magic_link/ask.html", lambda e: {"form": _form(EmailForm, e)}),
    "magic_link/sent": Page(
        "magic_link/sent.html",
        lambda e: {"form": _form(CodeForm, e), "number": 42, "refresh": None, "typing": False},
    ),
    "magic_link/sent-typing": Page(
        "magic_link/sent.html",
        lambda e: {"form": _form(CodeForm, e), "number": None, "refresh": None, "typing": True},
    ),
    "magic_link/continue": Page(
        "magic_link/continue.html",
        lambda e: {"form": ButtonForm(formdata=None), "who": masked(EMAIL)},
    ),
    "magic_link/elsewhere": Page(
        "magic_link/elsewhere.html",
        lambda e: {
            "form": ElsewhereForm(formdata=None),
            "who": masked(EMAIL),
            "here_allowed": True,
        },
    ),
    "magic_link/refused": Page("magic_link/refused.html"),
    "magic_link/signed_in_elsewhere": Page("magic_link/signed_in_elsewhere.html"),
    "magic_link/spent": Page("magic_link/spent.html", lambda e: {"form": _form(EmailForm, e)}),
    "magic_link/stopped": Page("magic_link/stopped.html", lambda e: {"form": _form(EmailForm, e)}),
    "oauth2/signed_out": Page("oauth2/signed_out.html", lambda e: {"message": text("signed_out")}),
    "social/failed": Page("social/failed.html", lambda e: {"message": text("social_failed")}),
    "signin/refused": Page(
        "signin/refused.html",
        lambda e: {"reason": "legacy_disabled", "message": text("legacy_disabled")},
    ),
    "signin/refused-not-activated": Page(
        "signin/refused.html",
        lambda e: {"reason": "legacy_not_activated", "message": text("legacy_not_activated")},
    ),
    "signin/refused-unavailable": Page(
        "signin/refused.html",
        lambda e: {
            "reason": "legacy_unavailable",
            "message": text("legacy_unavailable"),
            "retry": retry_words(UNAVAILABLE_RETRY_SECONDS),
        },
    ),
    "signin/refused-provider": Page(
        "signin/refused.html",
        lambda e: {
            "reason": "legacy_federated",
            "message": text("legacy_federated"),
            "provider": ("Facebook", "Facebook"),
        },
    ),
}

bp = Blueprint("brand_preview", __name__)


@bp.get("/_dev/brands/")
def index() -> str:
    """Every brand × every page, as links; brands whose last edit failed say why."""
    return render_template(
        "dev/brands.html",
        brands=sorted(current_app.extensions["gatehouse.brands"]),
        pages=PAGES,
        languages=supported(),
        errors=brand_errors(),
    )


@bp.get("/_dev/brands/<client_id>")
def preview(client_id: str) -> str:
    """One page in one brand, with sample context; the ``lang`` parameter picks the language."""
    page = PAGES.get(request.args.get("page", "signin/login"))
    if client_id not in current_app.extensions["gatehouse.brands"] or page is None:
        abort(404)
    # The default brand is no app client's: nothing to look up for its way back.
    preview_brand(None if page.own or client_id == DEFAULT else client_id)
    problem = brand_errors().get(client_id)
    if problem:
        # Developer words, like the rest of /_dev: the edit that did not load, and why.
        flash(f"This brand's last edit did not load; showing the last good one. {problem}", "error")
    errors = request.args.get("errors") == "1"
    if errors:
        flash_message("invalid_input")
    return render_template(page.template, **page.context(errors))
