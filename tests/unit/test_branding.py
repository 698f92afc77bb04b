"""Brands: strict loading (start-up stops naming file and key), per-client CSS, the default."""

from __future__ import annotations

import shutil

import pytest

from app.branding import BrandError, load_brands
from tests.unit.conftest import BRANDING


def test_shipped_brands_load_and_differ():
    loaded = load_brands(BRANDING)
    assert {"default", "demo", "northwind"} <= set(loaded)
    demo, north = loaded["demo"], loaded["northwind"]
    assert (
        demo.colors["accent"] != north.colors["accent"] and demo.colors["bg"] != north.colors["bg"]
    )
    assert demo.style["font"] != north.style["font"]


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda t: 'colour = "red"\n' + t, "unknown key colour"),
        (lambda t: t.replace("[colors]", '[colors]\nshadow = "#000"'), "unknown key colors.shadow"),
        (
            lambda t: t.replace('accent = "#0c7a69"', 'accent = "red; background: url(x)"'),
            "colors.accent",
        ),
        (
            lambda t: t.replace(
                'font = "system-ui, sans-serif"', 'font = "x; } body { display:none"'
            ),
            "style.font",
        ),
        (
            lambda t: t.replace(
                'terms = "https://example.com/demo/terms"', 'terms = "javascript:alert(1)"'
            ),
            "links.terms",
        ),
        (
            lambda t: t.replace("[links]", '[links]\napp = "mailto:x@example.com"'),
            "links.app",
        ),
        (
            lambda t: t.replace("[links]", '[links]\napp = "http://app.example.com/"'),
            "links.app",
        ),
        (lambda t: t.replace('logo = "logo.svg"', 'logo = "missing.svg"'), "logo"),
        (lambda t: t.replace('display_name = "Demo app"', ""), "display_name"),
    ],
)
def test_a_bad_brand_stops_start_up_naming_file_and_key(brands, edit, named):
    path = brands / "demo" / "brand.toml"
    path.write_text(edit(path.read_text()))
    with pytest.raises(BrandError) as exc:
        load_brands(brands)
    assert str(path) in str(exc.value) and named in str(exc.value)


def test_a_brand_folder_without_brand_toml_stops_start_up(brands):
    (brands / "demo" / "brand.toml").unlink()
    with pytest.raises(BrandError, match="brand.toml"):
        load_brands(brands)


def test_the_default_brand_is_required(brands):
    shutil.rmtree(brands / "default")
    with pytest.raises(BrandError, match="default"):
        load_brands(brands)


def test_the_app_refuses_to_start_with_a_bad_brand(make_app, brands):
    (brands / "northwind" / "brand.toml").write_text('display_name = "x"\nsparkle = true\n')
    with pytest.raises(BrandError, match="sparkle"):
        make_app(branding_dir=brands)


def test_pages_use_the_brand_of_the_pending_app_client(client):
    client.get(
        "/oauth2/authorize?response_type=code&client_id=northwind"
        "&redirect_uri=http%3A%2F%2Flocalhost%3A8000%2Fdemo%2Fcallback&state=s"
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
    )
    page = client.get("/login").get_data(as_text=True)
    assert "Northwind Traders" in page and "/brand/northwind/brand.css" in page
    css = client.get("/brand/northwind/brand.css")
    assert css.mimetype == "text/css" and "--gh-accent: #f0a202;" in css.get_data(as_text=True)
    assert "text-transform: uppercase" in css.get_data(as_text=True)
    assert client.get("/brand/northwind/logo.svg").status_code == 200
    assert client.get("/brand/northwind/brand.toml").status_code == 404


def test_unknown_client_gets_the_default_brand(client):
    page = client.get("/login?client_id=nosuchclient").get_data(as_text=True)
    assert "/brand/default/brand.css" in page


def test_a_brands_own_way_back_is_preferred_to_the_sign_out_url(make_app, brands):
    path = brands / "northwind" / "brand.toml"
    path.write_text(
        path.read_text().replace("[links]", '[links]\napp = "https://northwind.example/"')
    )
    client = make_app(branding_dir=brands).test_client()
    page = client.get("/login?client_id=northwind").get_data(as_text=True)
    link = '<a class="way-back" href="https://northwind.example/">Back to Northwind Traders</a>'
    assert link in page
