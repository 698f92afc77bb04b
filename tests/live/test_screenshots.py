"""Screenshots of every page (the brand preview's list) in both example brands, desktop and
phone, left-to-right and right-to-left, written to
test-artifacts/screenshots/<brand>-<page>-<lang>-<width>.png (a page's "/" becomes "-").

Each shot also checks what a picture would show wrong: a page wider than a 375 px screen, a
right-to-left language laid out left to right, the primary action not first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.brand_preview import PAGES

from .conftest import chromium_browser
from .test_accessibility import page_url, preview_url

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
BRANDS = ("demo", "northwind")
LANGUAGES = {"en": "ltr", "ar": "rtl"}
WIDTHS = {1280: 800, 375: 740}
# The seeded account (app/localpool/seed.toml), for the real deletion page.
DEMO_USER = ("demo@example.com", "Demo-passw0rd")


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium for the module."""
    with chromium_browser() as browser:
        yield browser


def shoot(page, brand: str, name: str, lang: str, width: int) -> Path:
    """Screenshot the page as it stands and check its layout; returns the file."""
    path = ARTIFACTS / f"{brand}-{name}-{lang}-{width}.png"
    layout = page.evaluate(
        """() => ({dir: document.documentElement.dir || "ltr", lang: document.documentElement.lang,
                   scroll: document.scrollingElement.scrollWidth, width: innerWidth,
                   direction: getComputedStyle(document.body).direction,
                   start: (() => {
                     const card = document.querySelector("main").getBoundingClientRect();
                     const mark = document.querySelector(".brand > *").getBoundingClientRect();
                     return mark.left + mark.width / 2 < card.left + card.width / 2
                       ? "left" : "right"; })()})"""
    )
    where = f"{brand} {name} {lang} {width}px"
    assert layout["scroll"] <= layout["width"], f"{where}: scrolls sideways {layout}"
    assert layout["dir"] == LANGUAGES[lang] == layout["direction"], f"{where}: {layout}"
    assert layout["lang"].split("-")[0] == lang, f"{where}: {layout}"
    # The brand's mark leads the header: on the left, or on the right when mirrored.
    assert layout["start"] == {"ltr": "left", "rtl": "right"}[layout["dir"]], f"{where}: {layout}"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5000, where
    return path


def primary_action_first(page, where: str) -> None:
    """The page's first button or button-styled link is its filled primary action."""
    first = page.locator("main button:visible, main a.button:visible").first
    if first.count():
        classes = first.get_attribute("class") or ""
        assert "secondary" not in classes.split(), f"{where}: first is {first.inner_text()!r}"


@pytest.mark.parametrize("brand", BRANDS)
def test_every_page_in_both_directions_and_widths(live, chromium, brand):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width, height in WIDTHS.items():
        context = chromium.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(15000)
        try:
            for lang in LANGUAGES:
                for name in PAGES:
                    page.goto(preview_url(live, name, brand, lang))
                    primary_action_first(page, f"{brand} {name} {lang}")
                    shoot(page, brand, name.replace("/", "-"), lang, width)
                page.goto(page_url(live, "/login", brand, lang))
                page.fill("input[name=email]", "someone-" + "long" * 12 + "@example.com")
                # The password's own button (Northwind offers its passkey's first).
                page.click("button[type=submit]:not([formaction])")
                page.wait_for_selector(".field-error")
                shoot(page, brand, "login-errors", lang, width)
                page.click("a.languages")
                assert page.locator(".language-list a[lang]").count() >= 20
                shoot(page, brand, "languages", lang, width)
        finally:
            context.close()


def test_deletion_button_looks_dangerous(live, chromium):
    context = chromium.new_context()
    page = context.new_page()
    try:
        page.goto(page_url(live, "/login", "demo", "en"))
        page.fill("input[name=email]", DEMO_USER[0])
        page.fill("input[name=password]", DEMO_USER[1])
        page.click("button[type=submit]")
        page.wait_for_url("**/account**")
        page.goto(page_url(live, "/account/delete", "demo", "en"))
        button = page.locator("form button[type=submit]")
        colours = button.evaluate(
            """b => [getComputedStyle(b).backgroundColor,
                     getComputedStyle(document.documentElement).getPropertyValue("--gh-error")]"""
        )
        assert "danger" in (button.get_attribute("class") or ""), colours
        assert colours[0] == "rgb(179, 38, 30)", colours  # the demo brand's error colour
    finally:
        context.close()
