"""Brands: ``branding/<client_id>/brand.toml`` (+ optional ``brand.css`` and a logo) per app client.

Brands are read once at start-up; an unknown key, a bad value or a missing file stops start-up
with a message naming the file and key. Clients without a folder get ``branding/default``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, g, send_from_directory

DEFAULT = "default"
COLOURS = ("bg", "surface", "text", "muted", "accent", "accent-text", "error")
STYLE = {
    "radius": re.compile(r"^\d{1,2}(px|rem)$"),
    "font": re.compile(r"^[\w\s,\"'-]{1,120}$"),
}
HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
LINKS = ("terms", "privacy", "support")
TOP = ("display_name", "logo", "colors", "style", "links", "magic_link")
CLIENT_ID = re.compile(r"^[\w-]{1,128}$")


class BrandError(ValueError):
    """A brand folder that cannot be used; the message names the file and key."""


@dataclass
class Brand:
    """What a page needs to look like one app client's."""

    client_id: str
    display_name: str
    folder: Path
    logo: str = ""
    colors: dict[str, str] = field(default_factory=dict)
    style: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    magic_link: bool = False
    extra_css: str = ""

    def css(self) -> str:
        """The brand's stylesheet: its colours as custom properties, then its brand.css."""
        props = [f"  --gh-{name}: {value};" for name, value in self.colors.items()]
        props += [f"  --gh-{name}: {value};" for name, value in self.style.items()]
        return ":root {\n" + "\n".join(props) + "\n}\n" + self.extra_css


def load_brand(folder: Path) -> Brand:
    """Read and check one brand folder."""
    path = folder / "brand.toml"
    if not path.is_file():
        raise BrandError(f"{path}: missing (every brand folder needs brand.toml)")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise BrandError(f"{path}: {exc}") from exc
    for key in data:
        if key not in TOP:
            raise BrandError(f"{path}: unknown key {key}")
    if not isinstance(data.get("display_name"), str) or not data["display_name"].strip():
        raise BrandError(f"{path}: display_name must be set")
    colors = _table(path, data, "colors", COLOURS, lambda v: bool(HEX.match(v)))
    style = _table(path, data, "style", tuple(STYLE), None)
    for key, value in style.items():
        if not STYLE[key].match(value):
            raise BrandError(f"{path}: style.{key} has an unsafe or malformed value")
    links = _table(path, data, "links", LINKS, lambda v: v.startswith(("https://", "mailto:")))
    logo = data.get("logo", "")
    if logo and (not re.match(r"^[\w.-]+\.(svg|png)$", logo) or not (folder / logo).is_file()):
        raise BrandError(f"{path}: logo {logo!r} must name an .svg or .png file in {folder}")
    css_path = folder / "brand.css"
    return Brand(
        client_id=folder.name,
        display_name=data["display_name"],
        folder=folder,
        logo=logo,
        colors=colors,
        style=style,
        links=links,
        magic_link=bool(data.get("magic_link", False)),
        extra_css=css_path.read_text() if css_path.is_file() else "",
    )


def _table(path, data, name, allowed, valid) -> dict[str, str]:
    """One sub-table of brand.toml, with its keys and values checked."""
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise BrandError(f"{path}: {name} must be a table")
    for key, value in table.items():
        if key not in allowed:
            raise BrandError(f"{path}: unknown key {name}.{key}")
        if not isinstance(value, str) or (valid and not valid(value)):
            raise BrandError(f"{path}: {name}.{key} has an invalid value {value!r}")
    return dict(table)


def load_brands(root: Path) -> dict[str, Brand]:
    """Every brand under ``root``; the ``default`` brand must exist."""
    brands = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if not CLIENT_ID.match(folder.name):
            raise BrandError(f"{folder}: a brand folder is named for its app client id")
        brands[folder.name] = load_brand(folder)
    if DEFAULT not in brands:
        raise BrandError(f"{root / DEFAULT / 'brand.toml'}: missing (the default brand)")
    return brands


def brand_for(client_id: str | None) -> Brand:
    """The brand of an app client, or the default brand."""
    brands = current_app.extensions["gatehouse.brands"]
    return brands.get(client_id or "", brands[DEFAULT])


def current_brand() -> Brand:
    """The brand for this request (set by the flow from its app client)."""
    return brand_for(g.get("client_id"))


bp = Blueprint("branding", __name__)


@bp.get("/brand/<client_id>/brand.css")
def stylesheet(client_id: str) -> Response:
    """A brand's stylesheet."""
    brands = current_app.extensions["gatehouse.brands"]
    if client_id not in brands:
        abort(404)
    response = Response(brands[client_id].css(), mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/brand/<client_id>/<name>")
def logo(client_id: str, name: str) -> Response:
    """A brand's logo (the only file a brand folder serves)."""
    brand = current_app.extensions["gatehouse.brands"].get(client_id)
    if brand is None or not brand.logo or name != brand.logo:
        abort(404)
    response = send_from_directory(brand.folder, brand.logo, max_age=300)
    return response
