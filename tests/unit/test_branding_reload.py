"""Local mode: a brand edit shows within half a second, no restart; a broken edit keeps the last
good brand, is logged, and the preview says why. Cognito mode reads brands once."""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

import pytest

from app.branding import RELOAD_SECONDS
from tests.conftest import cognito_settings


def edit(path: Path, text: str) -> None:
    """Save a file as an editor would, a moment later than its last save; then wait as long as
    local mode may take to look."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    os.utime(path, ns=(before + 10**9, before + 10**9))
    time.sleep(RELOAD_SECONDS)


def css(client, client_id: str = "demo") -> str:
    """A brand's stylesheet as the browser gets it."""
    return client.get(f"/brand/{client_id}/brand.css").get_data(as_text=True)


def test_an_edited_brand_shows_without_a_restart(make_app, brands):
    client = make_app(branding_dir=brands).test_client()
    assert "--gh-accent: #0c7a69;" in css(client)
    toml = brands / "demo" / "brand.toml"
    edit(toml, toml.read_text().replace('accent = "#0c7a69"', 'accent = "#0a5c50"'))
    assert "--gh-accent: #0a5c50;" in css(client)
    edit(brands / "demo" / "brand.css", "h1 { letter-spacing: .2em; }\n")
    assert "letter-spacing: .2em" in css(client)
    page = client.get("/_dev/brands/demo?page=signin/login").get_data(as_text=True)
    assert "Demo app" in page
    edit(toml, toml.read_text().replace('display_name = "Demo app"', 'display_name = "Demo 2"'))
    assert "Demo 2" in client.get("/_dev/brands/demo?page=signin/login").get_data(as_text=True)


def test_a_new_logo_and_a_new_brand_show_without_a_restart(make_app, brands):
    client = make_app(branding_dir=brands).test_client()
    shutil.copy(brands / "demo" / "logo.svg", brands / "demo" / "mark.svg")
    toml = brands / "demo" / "brand.toml"
    edit(toml, toml.read_text().replace('logo = "logo.svg"', 'logo = "mark.svg"'))
    response = client.get("/brand/demo/mark.svg")
    assert response.status_code == 200 and "max-age=0" in response.headers["Cache-Control"]
    assert client.get("/brand/demo/logo.svg").status_code == 404
    (brands / "acme").mkdir()
    edit(brands / "acme" / "brand.toml", 'display_name = "Acme"\n')
    assert client.get("/_dev/brands/acme?page=signin/login").status_code == 200


def test_local_mode_tells_browsers_not_to_keep_brand_files(make_app, brands):
    client = make_app(branding_dir=brands).test_client()
    assert client.get("/brand/demo/brand.css").headers["Cache-Control"] == "public, max-age=0"


def test_a_broken_edit_keeps_the_last_good_brand(make_app, brands, caplog):
    client = make_app(branding_dir=brands).test_client()
    toml = brands / "demo" / "brand.toml"
    good = toml.read_text()
    with caplog.at_level(logging.ERROR, logger="app.branding"):
        edit(toml, good.replace("[colors]", '[colors]\nshadow = "#000"') + "\n")
        assert "--gh-accent: #0c7a69;" in css(client)
        assert client.get("/login?client_id=demo").status_code == 200
        css(client)  # no second log line for the same broken edit
    logged = [r.getMessage() for r in caplog.records if "demo" in r.getMessage()]
    assert len(logged) == 1 and "unknown key colors.shadow" in logged[0]
    page = client.get("/_dev/brands/demo?page=signin/login").get_data(as_text=True)
    assert "last edit did not load" in page and "unknown key colors.shadow" in page
    assert "unknown key colors.shadow" in client.get("/_dev/brands/").get_data(as_text=True)
    edit(toml, good.replace('accent = "#0c7a69"', 'accent = "#0a5c50"'))
    assert "--gh-accent: #0a5c50;" in css(client)
    assert "last edit did not load" not in client.get(
        "/_dev/brands/demo?page=signin/login"
    ).get_data(as_text=True)


def test_a_deleted_default_brand_keeps_its_last_good_version(make_app, brands):
    client = make_app(branding_dir=brands).test_client()
    shutil.rmtree(brands / "default")
    time.sleep(RELOAD_SECONDS)
    assert client.get("/brand/default/brand.css").status_code == 200
    assert "default" in client.get("/_dev/brands/").get_data(as_text=True)


def test_cognito_mode_reads_brands_once(make_app, brands):
    app = make_app(**cognito_settings(branding_dir=brands))
    client = app.test_client()
    toml = brands / "demo" / "brand.toml"
    edit(toml, toml.read_text().replace('accent = "#0c7a69"', 'accent = "#0a5c50"'))
    response = client.get("/brand/demo/brand.css", base_url="https://login.example.com")
    assert "--gh-accent: #0c7a69;" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert client.get("/_dev/brands/", base_url="https://login.example.com").status_code == 404


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("brand.toml", b'display_name = "unterminated\n'),
        ("brand.toml", b"\xff\xfe\x00garbage"),
        ("brand.css", b"\xff\xfe\x00garbage"),
        ("brand.toml", b'display_name = "Demo"\n[texts.fr]\n"No such id" = "x"\n'),
        ("brand.toml", b'display_name = "Demo"\nlogo = "gone.svg"\n'),
    ],
)
def test_no_broken_edit_takes_a_page_down(make_app, brands, name, content):
    client = make_app(branding_dir=brands).test_client()
    path = brands / "demo" / name
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_bytes(content)
    os.utime(path, ns=(before + 10**9, before + 10**9))
    time.sleep(RELOAD_SECONDS)
    assert "--gh-accent: #0c7a69;" in css(client)
    for page in ("/login?client_id=demo", "/_dev/brands/demo?page=signin/login", "/_dev/brands/"):
        response = client.get(page)
        assert response.status_code == 200, page
    assert str(path) in client.get("/_dev/brands/").get_data(as_text=True)


def test_an_edit_that_makes_an_email_too_long_for_cognito_keeps_the_last_good_brand(
    make_app, brands
):
    """As at start-up: Cognito would silently send its default message instead."""
    client = make_app(branding_dir=brands).test_client()
    toml = brands / "demo" / "brand.toml"
    good = toml.read_text()
    edit(toml, good + '\n[texts.en]\n"Confirm your email address:" = "' + "x" * 20000 + '"\n')
    page = client.get("/_dev/brands/demo?page=signin/login").get_data(as_text=True)
    assert "20000" in page.replace(",", "") and "Demo app" in page
