"""``flask brands check``: every brand folder loads, and its colours are readable.

Contrast is WCAG 2.x's ratio of relative luminances. Every colour pair that gatehouse.css draws
text with is checked (4.5:1, SC 1.4.3), in the light colours and, when a brand has them, in
its dark ones. Links, the brand's name and secondary buttons are accent-coloured text, so
accent on surface (and on bg, for links in panels) needs 4.5:1, which also covers the 3:1 that
the accent's non-text uses (focus rings, button edges) need. A colour a brand leaves unset is
gatehouse.css's default, read from its ``:root``; an unset dark colour keeps the light one,
as in the browser. Colours in a brand's own brand.css are not seen here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import click
from flask import current_app, has_app_context
from flask.cli import AppGroup

from .branding import CLIENT_ID, DEFAULT, BrandError, brand_folders, load_brand
from .config import ConfigError, load_settings

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "css" / "gatehouse.css"
TEXT = 4.5


class Pair(NamedTuple):
    """A colour drawn on another, where gatehouse.css puts text, and the ratio it needs."""

    fg: str
    bg: str
    minimum: float
    where: str


PAIRS = (
    Pair("text", "surface", TEXT, "text on the card"),
    Pair("text", "bg", TEXT, "text in panels and outside the card"),
    Pair("muted", "surface", TEXT, "notes and password rules"),
    Pair("muted", "bg", TEXT, "labels in panels"),
    Pair("accent", "surface", TEXT, "links, the brand's name, secondary buttons"),
    Pair("accent", "bg", TEXT, "links in panels"),
    Pair("accent-text", "accent", TEXT, "primary buttons"),
    Pair("error", "surface", TEXT, "field errors"),
    Pair("error", "error-bg", TEXT, "error messages"),
    Pair("text", "info-bg", TEXT, "info messages"),
)


def luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a ``#rgb`` or ``#rrggbb`` colour."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    channels = []
    for i in (0, 2, 4):
        c = int(digits[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """The contrast ratio of two colours (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def default_colours(stylesheet: Path = STYLESHEET) -> dict[str, str]:
    """The colours gatehouse.css gives a page whose brand sets none: its first ``:root``."""
    root = re.search(r":root\s*\{([^}]*)\}", stylesheet.read_text())
    if not root:
        return {}
    found = re.findall(r"--gh-([\w-]+)\s*:\s*(#[0-9a-fA-F]{3,6})\s*[;}]", root.group(1) + ";")
    return {name: _long_hex(value) for name, value in found}


def _long_hex(value: str) -> str:
    """``#fff`` as ``#ffffff``: one spelling of each colour in the reasons."""
    return "#" + "".join(c * 2 for c in value[1:]) if len(value) == 4 else value.lower()


def contrast_reasons(path: Path, light: dict[str, str], dark: dict[str, str]) -> list[str]:
    """Why a brand's colours are hard to read: one line per pair below its minimum."""
    reasons = []
    palette = default_colours() | light
    schemes = [("", palette, {})] + ([(", dark mode", palette | dark, dark)] if dark else [])
    for scheme, colours, dark_set in schemes:
        for pair in PAIRS:
            ratio = contrast(colours[pair.fg], colours[pair.bg])
            if ratio < pair.minimum:
                fg, bg = (_key(name, light, dark_set) for name in (pair.fg, pair.bg))
                reasons.append(
                    f"{path}: {fg} {colours[pair.fg]} on {bg} {colours[pair.bg]} "
                    f"({pair.where}{scheme}) is {_floor(ratio)}:1, needs {pair.minimum}:1"
                )
    return reasons


def _key(name: str, light: dict[str, str], dark: dict[str, str]) -> str:
    """The key a colour comes from: the brand's dark or light one, or the default it kept."""
    if name in dark:
        return f"colors.dark.{name}"
    return f"colors.{name}" if name in light else f"colors.{name} (default)"


def _floor(ratio: float) -> str:
    """A ratio to two decimals, rounded down (4.499 must not read as passing 4.5)."""
    return f"{int(ratio * 100) / 100:.2f}"


def check_folder(folder: Path) -> list[str]:
    """Every reason one brand folder fails: load_brand's first refusal, or its contrast."""
    if not CLIENT_ID.match(folder.name):
        return [f"{folder}: a brand folder is named for its app client id"]
    try:
        brand = load_brand(folder)
    except BrandError as exc:
        return [str(exc)]
    return contrast_reasons(folder / "brand.toml", brand.colors, brand.dark_colors)


def check_all(root: Path) -> dict[str, list[str]]:
    """Each brand folder under ``root`` with its reasons (none when it passes)."""
    results = {folder.name: check_folder(folder) for folder in brand_folders(root)}
    if DEFAULT not in results:
        results[DEFAULT] = [f"{root / DEFAULT / 'brand.toml'}: missing (the default brand)"]
    return results


brands = AppGroup("brands", help="Check the brand folders.")


# No app context: the check must run, and say why, when a broken brand stops the app starting.
@brands.command("check", with_appcontext=False)
@click.option(
    "--dir",
    "root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The branding folder (default: GATEHOUSE_BRANDING_DIR).",
)
def check(root: Path | None) -> None:
    """Check every brand: keys, files and colour contrast; exit 1 if any fails."""
    if root is None:
        root = _branding_dir()
    results = check_all(root)
    for client_id, reasons in results.items():
        click.echo(f"{client_id}: {'OK' if not reasons else 'FAILED'}")
        for reason in reasons:
            click.echo(f"  {reason}")
    if any(results.values()):
        raise SystemExit(1)


def _branding_dir() -> Path:
    """The app's branding folder, else the one the settings name."""
    if has_app_context():
        return current_app.extensions["gatehouse.settings"].branding_dir
    try:
        return load_settings().branding_dir
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
