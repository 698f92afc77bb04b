"""Sentences built in Python reach people through the catalogue, whole and with plurals."""

from __future__ import annotations

import gettext
import time

import pytest
from flask_babel import Domain
from werkzeug.datastructures import MultiDict

from app.flows import forms, policy
from app.flows.account import sign_in_methods
from app.flows.reconfirm import ProviderForm
from app.localpool.attribute_schema import STANDARD_ATTRIBUTES
from app.web.error_pages import retry_words

# Every standard attribute a pool can require at sign-up: the local pool's list of Cognito's
# standard attributes, less email (always asked for), sub and the two verified flags.
STANDARD = STANDARD_ATTRIBUTES - {"email", "email_verified", "phone_number_verified", "sub"}


class Pseudo(gettext.NullTranslations):
    """A language that brackets each message: text that skipped the catalogue shows bare."""

    def ugettext(self, message: str) -> str:
        """The bracketed message."""
        return f"[{message}]"

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        """The bracketed English form for n."""
        return f"[{singular if n == 1 else plural}]"


@pytest.fixture
def pseudo(monkeypatch):
    """Every gettext call answers in the bracketed language."""
    monkeypatch.setattr(Domain, "get_translations", lambda self: Pseudo())


def _with_policy(app, password_policy: dict, attributes: list[dict] | None = None) -> None:
    """Stand in a pool description for the cached DescribeUserPool answer."""
    described = {
        "Policies": {"PasswordPolicy": password_policy},
        "SchemaAttributes": attributes or [],
    }
    app.extensions[policy.CACHE_KEY] = (time.monotonic(), described)


def _form_classes() -> list[type]:
    """Every form a person fills in, the sign-up form with an attribute field included."""
    found = [c for c in vars(forms).values() if isinstance(c, type) and issubclass(c, forms.Form)]
    return [*found, ProviderForm]


def test_every_validator_names_its_message(app):
    with app.test_request_context():
        built = [cls(formdata=None) for cls in _form_classes()]
        built.append(forms.signup_form([("nickname", "Nickname")]))
        for form in built:
            for field in form:
                for validator in field.validators:
                    if hasattr(validator, "message"):
                        assert validator.message is not None, (type(form).__name__, field.name)


def test_length_limits_say_their_limit_in_the_right_plural(app):
    class Short(forms.Form):
        """One field of at most one character."""

        word = forms.StringField(validators=[forms.at_most(1)])

    with app.test_request_context(method="POST"):
        one = Short(formdata=MultiDict({"word": "ab"}), meta={"csrf": False})
        assert not one.validate()
        assert one.word.errors == ["Field cannot be longer than 1 character."]
        sign_in = forms.SignInForm(
            formdata=MultiDict({"email": "a@example.com", "password": "x" * 257}),
            meta={"csrf": False},
        )
        assert not sign_in.validate()
        assert sign_in.password.errors == ["Field cannot be longer than 256 characters."]


def test_password_rules_are_whole_sentences_with_plurals(app):
    every = dict.fromkeys(("RequireUppercase", "RequireLowercase", "RequireNumbers"), True)
    with app.test_request_context():
        _with_policy(app, {"MinimumLength": 1, **every, "RequireSymbols": True})
        assert policy.password_rules() == [
            "At least 1 character",
            "Contains an uppercase letter",
            "Contains a lowercase letter",
            "Contains a number",
            "Contains a symbol",
        ]
        _with_policy(app, {"MinimumLength": 8})
        assert policy.password_rules() == ["At least 8 characters"]


def test_python_texts_go_through_the_catalogue(app, pseudo):
    with app.test_request_context():
        _with_policy(
            app,
            {"MinimumLength": 8, "RequireNumbers": True},
            [{"Name": "given_name", "Required": True}],
        )
        assert policy.password_rules() == [
            "[At least 8 characters]",
            "[Contains a number]",
        ]
        assert policy.required_attributes() == [("given_name", "[First name]")]
        assert sign_in_methods("someone", {}) == ["[Password]"]
        assert retry_words(30) == "[Please try again in about 30 seconds.]"
        form = forms.SignInForm(formdata=MultiDict({"password": "x"}), meta={"csrf": False})
        assert not form.validate()
        assert form.email.errors == ["[This field is required.]"]
        assert str(form.email.label.text) == "[Email]"


def test_every_standard_attribute_has_a_label_and_custom_ones_their_name(app):
    assert STANDARD <= set(policy.LABELS)
    with app.test_request_context():
        _with_policy(
            app,
            {"MinimumLength": 8},
            [
                {"Name": "email", "Required": True},
                {"Name": "nickname", "Required": True},
                {"Name": "custom:team", "Required": True},
                {"Name": "website", "Required": False},
            ],
        )
        assert policy.required_attributes() == [
            ("nickname", "Nickname"),
            ("custom:team", "custom:team"),
        ]
