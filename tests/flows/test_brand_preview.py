"""The local-mode brand preview: every person-facing page, in every example brand and in a
right-to-left language, without signing in."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from app.brand_preview import PAGES
from app.branding import RELOAD_SECONDS

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
NOT_PAGES = {"email", "demo", "dev", "localpool"}
BRANDS = ("default", "demo", "northwind")


def test_every_person_facing_template_is_a_page():
    templates = {
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if path.relative_to(TEMPLATES).parts[0] not in NOT_PAGES
    } - {"base.html", "_macros.html"}
    assert templates == {page.template for page in PAGES.values()}


@pytest.mark.parametrize("client_id", BRANDS)
def test_every_page_renders_in_every_brand(client, client_id):
    for name, page in PAGES.items():
        fields = None
        for query in ({}, {"lang": "ar"}, {"errors": "1"}):
            response = client.get(f"/_dev/brands/{client_id}", query_string={"page": name, **query})
            html = response.get_data(as_text=True)
            assert response.status_code == 200, (name, query, html)
            worn = "default" if page.own else client_id
            assert f"/brand/{worn}/brand.css" in html, (name, query)
            assert "<h1>" in html, (name, query)
            if query.get("lang") == "ar":
                assert '<html lang="ar" dir="rtl">' in html, name
            if not query:
                # The form fields this page shows (render_field marks each one).
                fields = html.count('aria-invalid="false"')
                assert 'aria-invalid="true"' not in html, name
            if query.get("errors"):
                assert html.count('aria-invalid="true"') == fields, name
                assert html.count("field-error") == fields, name


def test_the_preview_remembers_no_brand(client):
    response = client.get("/_dev/brands/northwind?page=signin/login")
    assert response.status_code == 200
    assert not any(h.startswith("brand=") for h in response.headers.getlist("Set-Cookie"))
    assert "/brand/default/brand.css" in client.get("/login").get_data(as_text=True)


def test_the_index_links_every_brand_and_page(client):
    html = client.get("/_dev/brands/").get_data(as_text=True)
    for client_id in BRANDS:
        for name in PAGES:
            assert f'href="/_dev/brands/{client_id}?page={name}"' in html


@pytest.mark.parametrize(
    "path", ["/_dev/brands/nosuchclient?page=signin/login", "/_dev/brands/demo?page=nosuchpage"]
)
def test_an_unknown_brand_or_page_is_the_404_page(client, path):
    response = client.get(path)
    assert response.status_code == 404 and "Not found" in response.get_data(as_text=True)


def test_a_brands_texts_show_in_two_languages_and_follow_edits(make_app, tmp_path):
    brands = tmp_path / "branding"
    shutil.copytree(TEMPLATES.parent / "branding", brands)
    toml = brands / "northwind" / "brand.toml"
    toml.write_text(
        toml.read_text()
        + '\n[texts.de]\n"Your account" = "Ihr Northwind-Konto"\n'
        + '"Change your password" = "Northwind-Passwort ändern"\n'
    )
    toml.write_text(
        toml.read_text().replace(
            "[texts.fr]\n", '[texts.fr]\n"Your account" = "Votre compte Northwind"\n'
        )
    )
    client = make_app(branding_dir=brands).test_client()

    def heading(lang: str, client_id: str = "northwind") -> str:
        html = client.get(f"/_dev/brands/{client_id}?page=account/overview&lang={lang}").get_data(
            as_text=True
        )
        return html.split("<h1>")[1].split("</h1>")[0]

    assert heading("fr") == "Votre compte Northwind"
    assert heading("de") == "Ihr Northwind-Konto"
    assert heading("de", "demo") != "Ihr Northwind-Konto"
    assert heading("en") == "Your account"
    # An edit to the texts shows within RELOAD_SECONDS (local mode's hot reload).
    text = toml.read_text().replace("Ihr Northwind-Konto", "Mein Northwind")
    before = toml.stat().st_mtime_ns
    toml.write_text(text)
    os.utime(toml, ns=(before + 10**9, before + 10**9))
    time.sleep(RELOAD_SECONDS)
    assert heading("de") == "Mein Northwind"


@pytest.mark.parametrize(
    ("client_id", "lang", "words"),
    [
        ("northwind", "en", "Sign in to Northwind"),
        ("northwind", "fr", "Se connecter à Northwind"),
        ("demo", "en", "Sign in"),
    ],
)
def test_northwinds_sign_in_words_in_english_and_french(client, client_id, lang, words):
    html = client.get(f"/_dev/brands/{client_id}?page=signin/login&lang={lang}").get_data(
        as_text=True
    )
    assert f"<h1>{words}</h1>" in html
    # Northwind offers its passkey first: its password's button is a secondary one.
    assert re.search(f'<button type="submit"( class="secondary")?>{words}</button>', html)
