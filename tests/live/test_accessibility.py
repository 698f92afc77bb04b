"""WCAG 2.2 AA in Chromium: axe-core over every page (local mode's brand preview renders each
template in each state, with and without fields in error), every example brand, a left-to-right
and a right-to-left language, light and dark; and the real sign-in page as a person submits it.

axe-core comes from npm at test time (tests/js/package-lock.json pins it; ``jsbuild.install``).
It runs in the page through the DevTools protocol, so the page keeps its real CSP.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from app.brand_preview import PAGES

from .conftest import chromium_browser
from .realclients import jsbuild

BRANDING = Path(__file__).resolve().parents[2] / "branding"
BRANDS = ("default", "demo", "northwind")
LANGUAGES = ("en", "ar")
# axe-core's tags for WCAG 2.0, 2.1 and 2.2, levels A and AA.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe-core's browser build, from the pinned npm package."""
    return (jsbuild.install() / "axe-core" / "axe.min.js").read_text()


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium for the module."""
    with chromium_browser() as browser:
        yield browser


@pytest.fixture(scope="module")
def tab(chromium):
    """One page, reused by every check (each check names its brand and language in the URL)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def violations(page, axe_source: str, tags: list[str] = TAGS) -> list[dict]:
    """axe-core's violations on the page as it stands, for the given rule tags."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(axe_source)
    return page.evaluate(
        """async (tags) => (await axe.run(document, {
             runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]}))
           .violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
             nodes: v.nodes.map(n => n.target.join(" ") + ": " + n.failureSummary)}))""",
        tags,
    )


def report(where: str, found: list[dict]) -> str:
    """The violations, one rule per paragraph with its nodes, for the failure message."""
    return f"{where}: {len(found)} violation(s)\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in found
    )


def preview_url(live, page: str, brand: str, lang: str, errors: bool = False) -> str:
    """A page in local mode's brand preview (every template, in every state, no sign-in)."""
    url = f"{live.url}/_dev/brands/{brand}?page={page}&lang={lang}"
    return url + ("&errors=1" if errors else "")


def page_url(live, path: str, brand: str, lang: str) -> str:
    """The page's URL in a brand (named by the link, as emails do) and a language."""
    query = f"lang={lang}" + ("" if brand == "default" else f"&client_id={brand}")
    return f"{live.url}{path}?{query}"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("brand", BRANDS)
def test_every_page_has_no_violations(live, tab, axe_source, brand, lang):
    found = {}
    for name in PAGES:
        # Fields in error look alike in either direction: one language checks them (bounded time).
        for errors in (False, True) if lang == "ar" else (False,):
            tab.goto(preview_url(live, name, brand, lang, errors))
            if errors and not tab.locator("[aria-invalid=true]").count():
                continue
            where = f"{name}{' (errors)' if errors else ''}"
            if problems := violations(tab, axe_source):
                found[where] = problems
            # One autofocus at most: a second one moves focus (and a screen reader) unasked.
            assert tab.locator("[autofocus]").count() <= 1, f"{brand} {where}: several autofocus"
    assert not found, "\n".join(report(f"{brand} {name} {lang}", v) for name, v in found.items())


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("brand", BRANDS)
def test_a_form_with_errors_has_no_violations(live, tab, axe_source, brand, lang):
    tab.goto(page_url(live, "/login", brand, lang))
    tab.fill("input[name=email]", "not an address")
    tab.click("button[type=submit]")
    tab.wait_for_selector("[aria-invalid=true]")
    found = violations(tab, axe_source)
    assert not found, report(f"{brand} login with errors {lang}", found)
    field = tab.locator("input[name=email]")
    described = field.get_attribute("aria-describedby") or ""
    assert described and all(tab.locator(f"#{ref}").count() == 1 for ref in described.split()), (
        described
    )
    assert tab.locator(f"#{described.split()[0]}").inner_text().strip()


@pytest.mark.parametrize("brand", BRANDS)
def test_dark_mode_has_no_contrast_violations(live, chromium, axe_source, brand):
    colours = tomllib.loads((BRANDING / brand / "brand.toml").read_text()).get("colors", {})
    backgrounds = {}
    for scheme in ("light", "dark"):
        context = chromium.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 800})
        page = context.new_page()
        try:
            for path in ("/login", "/signup"):
                page.goto(page_url(live, path, brand, "en"))
                found = violations(page, axe_source)
                assert not found, report(f"{brand} {path} {scheme}", found)
            backgrounds[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
        finally:
            context.close()
    # A brand with dark colours wears them; the check above then saw the dark page.
    assert (backgrounds["dark"] != backgrounds["light"]) == ("dark" in colours), backgrounds


def test_show_password_button_under_the_pages_csp(live, chromium):
    context = chromium.new_context()
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    try:
        page.goto(page_url(live, "/login", "demo", "en"))
        password, button = page.locator("input[name=password]"), page.locator("button.reveal")
        assert button.get_attribute("aria-pressed") == "false" and not refused, refused
        assert button.get_attribute("aria-controls") == password.get_attribute("id")
        password.fill("Secret-1")
        button.click()
        assert password.get_attribute("type") == "text"
        pressed = button.get_attribute("aria-pressed"), button.inner_text()
        assert pressed == ("true", "Hide password")
        button.click()
        assert password.get_attribute("type") == "password"
        pressed = button.get_attribute("aria-pressed"), button.inner_text()
        assert pressed == ("false", "Show password")
    finally:
        context.close()


def test_pages_work_without_javascript(live, chromium):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(page_url(live, "/login", "demo", "en"))
        assert page.locator("button.reveal").count() == 0
        page.fill("input[name=email]", "demo@example.com")
        page.fill("input[name=password]", "Demo-passw0rd")
        page.click("button[type=submit]")
        page.wait_for_url("**/account**")
    finally:
        context.close()


def test_code_fields_take_a_pasted_code(live, tab):
    tab.goto(page_url(live, "/confirm", "default", "en"))
    code = tab.locator("input[name=code]")
    attrs = code.evaluate("i => [i.inputMode, i.autocomplete, i.pattern, i.maxLength, i.type]")
    assert attrs == ["numeric", "one-time-code", "[0-9]{6}", 12, "text"], attrs
    assert tab.locator("input[name=code], input[name^=code]").count() == 1
    tab.fill("input[name=email]", "nobody@example.com")
    code.focus()
    tab.keyboard.insert_text(" 123456 ")
    assert code.input_value() == " 123456 "


def test_the_check_finds_a_violation(live, tab, axe_source):
    """The check can fail: an unlabelled field and grey-on-white text are reported."""
    tab.goto(page_url(live, "/login", "default", "en"))
    tab.evaluate(
        """() => { const main = document.querySelector("main");
                   main.append(document.createElement("input"));
                   const p = document.createElement("p"); p.textContent = "faint";
                   p.style.color = "#ddd"; p.style.background = "#fff"; main.append(p); }"""
    )
    ids = {v["id"] for v in violations(tab, axe_source)}
    assert {"label", "color-contrast"} <= ids, json.dumps(sorted(ids))
