"""brand.toml's language, sender name, dark colours and texts: checked at start-up, the file
and key named on error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.branding import MESSAGE_TEMPLATE, BrandError, load_brand, load_brands, message_ids

ROOT = Path(__file__).resolve().parents[2] / "branding"


@pytest.fixture
def demo(tmp_path) -> Path:
    """A copy of the demo brand's folder to edit."""
    target = tmp_path / "demo"
    shutil.copytree(ROOT / "demo", target)
    return target


def add(folder: Path, toml: str) -> Path:
    """Put top-level keys before the first table (or tables at the end) of brand.toml."""
    path = folder / "brand.toml"
    text = path.read_text()
    if toml.lstrip().startswith("["):
        path.write_text(text + "\n" + toml)
    else:
        path.write_text(toml + "\n" + text)
    return path


def refused(folder: Path) -> str:
    """The start-up refusal for a folder."""
    with pytest.raises(BrandError) as exc:
        load_brand(folder)
    assert str(folder / "brand.toml") in str(exc.value)
    return str(exc.value)


def test_the_example_brands_carry_the_new_keys():
    brands = load_brands(ROOT)
    north = brands["northwind"]
    assert north.texts == {
        "en": {"Sign in": "Sign in to Northwind"},
        "fr": {"Sign in": "Se connecter à Northwind"},
    }
    assert north.sender_name == "Northwind Traders accounts"
    assert brands["demo"].dark_colors and brands["default"].dark_colors
    assert brands["default"].default_language == ""


def test_unset_keys_have_their_defaults(demo):
    path = demo / "brand.toml"
    path.write_text('display_name = "Plain"\n')
    brand = load_brand(demo)
    assert (brand.default_language, brand.sender_name) == ("", "Plain")
    assert brand.dark_colors == {} and brand.texts == {}
    assert "prefers-color-scheme" not in brand.css()


@pytest.mark.parametrize("language", ["fr", "pt_BR", "zh_Hant_TW", "en"])
def test_a_shipped_language_is_a_default_language(demo, language):
    add(demo, f'default_language = "{language}"')
    assert load_brand(demo).default_language == language


@pytest.mark.parametrize("language", ["xx", "pt-BR", "FR", 3])
def test_an_unknown_default_language_is_refused(demo, language):
    add(demo, f"default_language = {language!r}".replace("'", '"'))
    assert "default_language" in refused(demo)


@pytest.mark.parametrize("name", ['""', '"Two\\nlines"', '"' + "x" * 101 + '"', "7"])
def test_a_bad_sender_name_is_refused(demo, name):
    add(demo, f"sender_name = {name}")
    assert "sender_name" in refused(demo)


def test_dark_colours_go_in_a_prefers_color_scheme_block(demo):
    brand = load_brand(demo)
    css = brand.css()
    light, dark = css.split("@media (prefers-color-scheme: dark)")
    assert "--gh-accent: #0c7a69;" in light
    assert "--gh-accent: #4fd1b8;" in dark and "color-scheme: dark;" in dark
    assert brand.dark_colors["accent"] == "#4fd1b8" and "dark" not in brand.colors


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ('[colors.dark]\nshadow = "#000"', "unknown key colors.dark.shadow"),
        ('[colors.dark]\naccent = "teal"', "colors.dark.accent"),
    ],
)
def test_a_bad_dark_colour_is_refused(demo, table, named):
    (demo / "brand.toml").write_text('display_name = "Dark"\n' + table + "\n")
    assert named in refused(demo)


def test_texts_override_message_ids_per_language(demo):
    add(demo, '[texts.fr]\n"Sign in" = "Entrer"\n"Back to %(name)s" = "Retour à %(name)s"')
    assert load_brand(demo).texts == {
        "fr": {"Sign in": "Entrer", "Back to %(name)s": "Retour à %(name)s"}
    }


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ('[texts.fr]\n"Sign inn" = "Entrer"', 'unknown message id texts.fr."Sign inn"'),
        ('[texts.xx]\n"Sign in" = "Entrer"', "unknown language texts.xx"),
        ('[texts.fr]\n"Back to %(name)s" = "Retour"', 'texts.fr."Back to %(name)s" must use'),
        (
            '[texts.fr]\n"Back to %(name)s" = "Retour à %(nom)s"',
            'texts.fr."Back to %(name)s" must use the placeholders of its message id, %(name)s',
        ),
        ('[texts.fr]\n"Back to %(name)s" = "Retour à %(name)d"', 'texts.fr."Back to %(name)s"'),
        ('[texts.fr]\n"Back to %(name)s" = "100% %(name)s"', 'texts.fr."Back to %(name)s"'),
        ('[texts.fr]\n"Sign in" = "Entrer %(name)s"', 'texts.fr."Sign in" must use'),
        ('[texts.fr]\n"Sign in" = "<b>Entrer</b>"', 'texts.fr."Sign in" contains markup'),
        # A quote would leave a double-quoted attribute (aria-label, data-show); an entity
        # is markup too.
        (
            """[texts.en]\n"Show password" = 'Show" autofocus onfocus="x'""",
            'texts.en."Show password" contains markup',
        ),
        ('[texts.fr]\n"Sign in" = "Entrer &amp; voir"', 'texts.fr."Sign in" contains markup'),
        ('[texts.fr]\n"Sign in" = ""', 'texts.fr."Sign in" must be a text'),
        ("[texts]\nfr = 3", "texts.fr must be a table"),
    ],
)
def test_a_bad_text_stops_start_up_naming_the_key(demo, table, named):
    add(demo, table)
    assert named in refused(demo)


def test_a_plural_message_cannot_be_overridden(demo):
    plural = next(m for m, placeholders in message_ids().items() if placeholders is None)
    add(demo, f'[texts.fr]\n"{plural}" = "x"')
    assert "plural" in refused(demo)


def test_message_ids_come_from_the_template():
    ids = message_ids()
    assert MESSAGE_TEMPLATE.name == "messages.pot"
    assert ids["Sign in"] == set() and ids["Back to %(name)s"] == {"%(name)s"}
    assert "" not in ids
