"""Brands: ``branding/<client_id>/brand.toml`` (+ optional ``brand.css`` and a logo) per app client.

Brands are read once at start-up; an unknown key, a bad value or a missing file stops start-up
with a message naming the file and key. Clients without a folder get ``branding/default``.

Which brand a page wears: the app client of the pending authorization request, else one a view
names from a signed source (the validated request at ``/oauth2/authorize``, a magic link's
token), else one named by a ``client_id`` in the link (email links carry it) when that client
has a brand folder and is registered in the user pool, else the brand remembered in this
browser. The choice is remembered in a signed cookie of its own, so it outlives the pending
request, the session's renewal at sign-in and sign-out, and a store that cannot be read (the
branded 503), and an anonymous visitor's session stays light. The way back to the app is only
ever a URL registered for it: the brand's ``links.app``, else the app client's first sign-out
URL; never one from the request.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, g, request, send_from_directory
from flask_babel import gettext
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .oauth.clients import load_client
from .oauth.pending import pending_client_id
from .userpool.errors import UserPoolError
from .web.sessions import SESSIONLESS

DEFAULT = "default"
COLOURS = ("bg", "surface", "text", "muted", "accent", "accent-text", "error")
STYLE = {
    "radius": re.compile(r"^\d{1,2}(px|rem)$"),
    "font": re.compile(r"^[\w\s,\"'-]{1,120}$"),
}
HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
LINKS = ("terms", "privacy", "support", "app")
TOP = ("display_name", "logo", "colors", "style", "links", "magic_link")
CLIENT_ID = re.compile(r"^[\w-]{1,128}$")
# The remembered brand lasts as long as a session can.
REMEMBER_SECONDS = 12 * 3600
COOKIE_SALT = "gatehouse.brand"
# Gatehouse's own pages wear its brand: the start page and local mode's demo and simulated pool.
OWN_BLUEPRINTS = frozenset({"demo", "localpool", "localpool_domain", "localpool_apple"})
OWN_ENDPOINTS = frozenset({"pages.home"})


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
    if not links.get("app", "https://").startswith("https://"):
        raise BrandError(f"{path}: links.app must be an https:// address of the app")
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
    """The brand for this request."""
    if _own_page():
        return brand_for(None)
    return brand_for(_chosen())


def use_brand(client_id: str | None) -> None:
    """Brand this page, and the pages after it, for an app client a view knows from a signed
    source (a validated authorization request, a magic link's token)."""
    if _an_app(client_id):
        g.brand_client_id = client_id


def _an_app(client_id: str | None) -> str | None:
    """The client id, unless it is none or Gatehouse's own (whose pages wear the default)."""
    own = current_app.extensions["gatehouse.userpool"].client_id
    return client_id if client_id and client_id != own else None


def way_back() -> dict[str, str] | None:
    """The link back to the app the person came from: ``{"label", "url"}``, or None.

    The URL is registered for the app client (its brand's ``links.app`` or its first sign-out
    URL), never taken from the request; a pool that cannot be asked just means no link.
    """
    if "brand_way_back" in g:
        return g.brand_way_back
    client_id = None if _own_page() else _chosen()
    g.brand_way_back = None
    if not client_id:
        return None
    brand = brand_for(client_id)
    own = brand.client_id == client_id
    url = brand.links.get("app") if own else None
    if not url:
        try:
            client = load_client(client_id)
        except UserPoolError:
            client = None
        url = client.logout_urls[0] if client and client.logout_urls else None
    if url:
        label = (
            gettext("Back to %(name)s", name=brand.display_name)
            if own
            else gettext("Back to the app")
        )
        g.brand_way_back = {"label": label, "url": url}
    return g.brand_way_back


def _own_page() -> bool:
    """True on Gatehouse's own pages, which never wear an app's brand."""
    return request.blueprint in OWN_BLUEPRINTS or request.endpoint in OWN_ENDPOINTS


def _chosen() -> str | None:
    """The app client whose brand this request wears (chosen once, on first use)."""
    if "brand_client_id" not in g:
        choose_brand()
    return g.brand_client_id


def choose_brand() -> None:
    """Before the view: the pending request's app client, else one named in the link that has
    a brand and is registered, else the remembered one."""
    g.brand_remembered = _remembered()
    g.brand_client_id = _an_app(pending_client_id()) or _named_in_link() or g.brand_remembered


def _named_in_link() -> str | None:
    """A ``client_id`` in the query, if it names a registered app client with a brand folder.

    Only brand folders are looked up in the pool, so made-up ids cost no call to it; an id
    without a folder would only give the default brand anyway.
    """
    client_id = request.args.get("client_id")
    if not _an_app(client_id) or client_id == DEFAULT:
        return None
    if client_id not in current_app.extensions["gatehouse.brands"]:
        return None
    try:
        return client_id if load_client(client_id) is not None else None
    except UserPoolError:
        return None


def _cookie_name() -> str:
    """``__Host-brand`` over https, as the session's cookie (no sibling subdomain can set it)."""
    return "__Host-brand" if current_app.config["SESSION_COOKIE_SECURE"] else "brand"


def _serializer() -> URLSafeTimedSerializer:
    """Signs the remembered brand with the app's secret."""
    return URLSafeTimedSerializer(current_app.secret_key, salt=COOKIE_SALT)


def _remembered() -> str | None:
    """The app client remembered in this browser's signed cookie, if any."""
    value = request.cookies.get(_cookie_name())
    if not value:
        return None
    try:
        client_id = _serializer().loads(value, max_age=REMEMBER_SECONDS)
    except BadSignature:
        return None
    return client_id if isinstance(client_id, str) and CLIENT_ID.match(client_id) else None


def remember_brand(response: Response) -> Response:
    """After the view: keep a newly chosen brand for the pages that follow."""
    chosen = g.get("brand_client_id")
    if chosen and chosen != g.get("brand_remembered") and not _own_page():
        response.set_cookie(
            _cookie_name(),
            _serializer().dumps(chosen),
            max_age=REMEMBER_SECONDS,
            path="/",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response


def init_app(app: Flask) -> None:
    """Choose each page's brand before its view and remember it after."""

    @app.before_request
    def before_a_page() -> None:
        """Health checks and the brand's own files wear nothing (and ask the pool nothing)."""
        if request.endpoint not in SESSIONLESS and request.blueprint != "branding":
            choose_brand()

    app.after_request(remember_brand)
    app.jinja_env.globals["way_back"] = way_back


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
