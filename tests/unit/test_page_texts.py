"""Page templates: every sentence a person reads goes through gettext; placeholders stay safe."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import render_template

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Local mode's developer pages stay in English (babel.cfg does not extract them); emails and the
# shared layout and macros are checked where they are made translatable.
NOT_PAGES = {"demo", "dev", "localpool", "email", "base.html", "_macros.html"}
PAGES = sorted(
    path
    for path in TEMPLATES.rglob("*.html")
    if path.relative_to(TEMPLATES).parts[0] not in NOT_PAGES
)
JINJA = re.compile(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", re.S)
READ_ATTRIBUTES = re.compile(r'\b(?:alt|aria-label|placeholder|title)="([^"]*)"')
TAG = re.compile(r"<[^>]*>")
# A button's value is read out; a hidden input's value is data.
BUTTON_VALUE = re.compile(r'<(?:button|input)\b(?![^>]*type="hidden")[^>]*\bvalue="([^"]*)"')


def untranslated(source: str) -> list[str]:
    """The words a person would see that are not produced by a Jinja expression."""
    plain = JINJA.sub("", source)
    read = READ_ATTRIBUTES.findall(plain) + BUTTON_VALUE.findall(plain)
    return [word for word in TAG.sub(" ", plain).split() + read if re.search(r"[A-Za-z]", word)]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_visible_word_goes_through_gettext(path):
    assert untranslated(path.read_text()) == []


def test_the_check_sees_text_outside_gettext():
    assert untranslated('<h1>{{ _("Sign in") }}</h1><p>New here?</p>') == ["New", "here?"]
    assert untranslated('<p aria-label="Your number">{{ n }}</p>') == ["Your number"]
    assert untranslated('<input type="hidden" name="here" value="yes">') == []


@pytest.mark.parametrize(
    ("template", "context", "expected"),
    [
        (
            "magic_link/continue.html",
            {"who": "a<b@example.com"},
            "Continue as <strong>a&lt;b@example.com</strong>.",
        ),
        (
            "magic_link/elsewhere.html",
            {"who": "a<b@example.com", "here_allowed": False},
            "This link was asked for <strong>a&lt;b@example.com</strong> in another browser.",
        ),
        (
            "signup/confirm.html",
            {"from_link": True},
            "Confirm <strong>a&lt;b@example.com</strong> for your account.",
        ),
    ],
)
def test_markup_placeholders_stay_markup_and_values_are_escaped(app, template, context, expected):
    form = SimpleNamespace(
        csrf_token="", email=SimpleNamespace(data="a<b@example.com"), code=SimpleNamespace(data="")
    )
    with app.test_request_context("/"):
        page = render_template(template, form=form, **context)
    assert expected in page


def test_a_button_in_a_sentence_stays_a_button(client):
    page = client.get("/confirm?email=a%3Cb%40example.com").get_data(as_text=True)
    assert 'or <button type="submit" class="secondary">send a new code</button></p>' in page
