"""Brands: ``branding/<client_id>/brand.toml`` (+ optional ``brand.css`` and a logo) per app client.

Brands are read at start-up; an unknown key, a bad value or a missing file stops start-up
with a message naming the file and key. Clients without a folder get ``branding/default``.
In local mode an edited brand shows on the next request (a broken edit keeps the last good
brand and is logged); in cognito mode brands are read once. docs/branding.md has every key.

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

import logging
import os
import re
import threading
import time
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po
from flask import Blueprint, Flask, Response, abort, current_app, g, request, send_from_directory
from flask_babel import gettext
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .i18n import TRANSLATIONS_DIR, supported
from .oauth.clients import load_client
from .oauth.pending import pending_client_id
from .userpool.errors import UserPoolError
from .web.sessions import SESSIONLESS
from .web.signing import serializer

DEFAULT = "default"
COLOURS = (
    "bg",
    "surface",
    "text",
    "muted",
    "accent",
    "accent-text",
    "error",
    "info-bg",
    "error-bg",
)
STYLE = {
    "radius": re.compile(r"^\d{1,2}(px|rem)$"),
    "font": re.compile(r"^[\w\s,\"'-]{1,120}$"),
}
HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
LINKS = ("terms", "privacy", "support", "app")
# The ways in a sign-in page can offer (brand.toml ``sign_in``, in the order the page shows them).
SIGN_IN_METHODS = ("password", "passkey", "email_code", "magic_link")
# Without ``sign_in``: a password, and passkeys where the browser and the app client can.
DEFAULT_SIGN_IN = ("password", "passkey")
TOP = (
    "display_name",
    "logo",
    "colors",
    "style",
    "links",
    "magic_link",
    "sign_in",
    "default_language",
    "sender_name",
    "texts",
)
# The English message ids a brand's texts override; `make messages` writes it.
MESSAGE_TEMPLATE = TRANSLATIONS_DIR / "messages.pot"
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
SENDER_NAME_MAX = 100
# Local mode looks for brand edits at most this often (seconds).
RELOAD_SECONDS = 0.5
log = logging.getLogger(__name__)
CLIENT_ID = re.compile(r"^[\w-]{1,128}$")
# The remembered brand lasts as long as a session can.
REMEMBER_SECONDS = 12 * 3600
COOKIE_SALT = "gatehouse.brand"
# Gatehouse's own pages wear its brand: the start page, local mode's demo, simulated pool
# and brand preview index.
OWN_BLUEPRINTS = frozenset({"demo", "localpool", "localpool_domain", "localpool_apple"})
OWN_ENDPOINTS = frozenset({"pages.home", "brand_preview.index"})


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
    sign_in: tuple[str, ...] = DEFAULT_SIGN_IN
    extra_css: str = ""
    default_language: str = ""
    sender_name: str = ""
    dark_colors: dict[str, str] = field(default_factory=dict)
    texts: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def magic_link(self) -> bool:
        """The brand offers magic links."""
        return "magic_link" in self.sign_in

    def css(self) -> str:
        """The brand's stylesheet: its colours as custom properties (the dark ones for a dark
        colour scheme), then its brand.css."""
        props = [f"  --gh-{name}: {value};" for name, value in self.colors.items()]
        props += [f"  --gh-{name}: {value};" for name, value in self.style.items()]
        css = ":root {\n" + "\n".join(props) + "\n}\n"
        if self.dark_colors:
            # Unset dark colours keep the light ones; form controls follow the scheme too.
            dark = [f"    --gh-{name}: {value};" for name, value in self.dark_colors.items()]
            css += (
                "@media (prefers-color-scheme: dark) {\n  :root {\n    color-scheme: dark;\n"
                + "\n".join(dark)
                + "\n  }\n}\n"
            )
        return css + self.extra_css


def load_brand(folder: Path) -> Brand:
    """Read and check one brand folder."""
    path = folder / "brand.toml"
    if not path.is_file():
        raise BrandError(f"{path}: missing (every brand folder needs brand.toml)")
    try:
        data = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BrandError(f"{path}: {exc}") from exc
    for key in data:
        if key not in TOP:
            raise BrandError(f"{path}: unknown key {key}")
    if not isinstance(data.get("display_name"), str) or not data["display_name"].strip():
        raise BrandError(f"{path}: display_name must be set")
    colors = data.get("colors", {})
    if not isinstance(colors, dict):
        raise BrandError(f"{path}: colors must be a table")
    dark = _table(path, colors.get("dark", {}), "colors.dark", COLOURS, _is_hex)
    light = {key: value for key, value in colors.items() if key != "dark"}
    colors = _table(path, light, "colors", COLOURS, _is_hex)
    style = _table(path, data.get("style", {}), "style", tuple(STYLE), None)
    for key, value in style.items():
        if not STYLE[key].match(value):
            raise BrandError(f"{path}: style.{key} has an unsafe or malformed value")
    links = _table(
        path,
        data.get("links", {}),
        "links",
        LINKS,
        lambda v: v.startswith(("https://", "mailto:")),
    )
    if not links.get("app", "https://").startswith("https://"):
        raise BrandError(f"{path}: links.app must be an https:// address of the app")
    logo = data.get("logo", "")
    if logo and (not re.match(r"^[\w.-]+\.(svg|png)$", logo) or not (folder / logo).is_file()):
        raise BrandError(f"{path}: logo {logo!r} must name an .svg or .png file in {folder}")
    css_path = folder / "brand.css"
    try:
        extra_css = css_path.read_text() if css_path.is_file() else ""
    except UnicodeDecodeError as exc:
        raise BrandError(f"{css_path}: not UTF-8 text ({exc.reason})") from exc
    return Brand(
        client_id=folder.name,
        display_name=data["display_name"],
        folder=folder,
        logo=logo,
        colors=colors,
        style=style,
        links=links,
        sign_in=_sign_in(path, data),
        extra_css=extra_css,
        default_language=_default_language(path, data),
        sender_name=_sender_name(path, data),
        dark_colors=dark,
        texts=_texts(path, data.get("texts", {})),
    )


def _sign_in(path: Path, data: dict) -> tuple[str, ...]:
    """The ways in the brand offers, in its order: ``sign_in``, else the default plus a magic
    link when the older ``magic_link = true`` asks for one."""
    legacy = data.get("magic_link", False)
    if not isinstance(legacy, bool):
        raise BrandError(f"{path}: magic_link must be true or false")
    if "sign_in" not in data:
        return DEFAULT_SIGN_IN + (("magic_link",) if legacy else ())
    methods = data["sign_in"]
    if not isinstance(methods, list) or not methods:
        raise BrandError(f"{path}: sign_in must be a list of {', '.join(SIGN_IN_METHODS)}")
    for method in methods:
        if method not in SIGN_IN_METHODS:
            raise BrandError(f"{path}: sign_in has {method!r}; use {', '.join(SIGN_IN_METHODS)}")
    if len(set(methods)) != len(methods):
        raise BrandError(f"{path}: sign_in lists a method twice")
    if legacy and "magic_link" not in methods:
        raise BrandError(f"{path}: magic_link = true, but sign_in does not list magic_link")
    return tuple(methods)


def _is_hex(value: str) -> bool:
    """A ``#rgb`` or ``#rrggbb`` colour."""
    return bool(HEX.match(value))


def _table(path, table, name, allowed, valid) -> dict[str, str]:
    """One sub-table of brand.toml, with its keys and values checked."""
    if not isinstance(table, dict):
        raise BrandError(f"{path}: {name} must be a table")
    for key, value in table.items():
        if key not in allowed:
            raise BrandError(f"{path}: unknown key {name}.{key}")
        if not isinstance(value, str) or (valid and not valid(value)):
            raise BrandError(f"{path}: {name}.{key} has an invalid value {value!r}")
    return dict(table)


def _default_language(path: Path, data: dict) -> str:
    """``default_language``: a shipped catalogue's name, or "" when unset."""
    value = data.get("default_language", "")
    if value == "":
        return ""
    if not isinstance(value, str) or value not in supported():
        raise BrandError(
            f"{path}: default_language {value!r} is not a shipped language "
            f"(one of {', '.join(supported())})"
        )
    return value


def _sender_name(path: Path, data: dict) -> str:
    """``sender_name``: the display name emails are sent from (the brand's name by default)."""
    value = data.get("sender_name", data["display_name"])
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value) > SENDER_NAME_MAX
        or CONTROL.search(value)
    ):
        raise BrandError(
            f"{path}: sender_name must be a name of 1 to {SENDER_NAME_MAX} characters on one line"
        )
    return value


def _texts(path: Path, table) -> dict[str, dict[str, str]]:
    """``[texts.<lang>]``: per language, message id -> the brand's text, each checked against
    the message template (known id, the same placeholders, no markup)."""
    if not isinstance(table, dict):
        raise BrandError(f"{path}: texts must be a table")
    ids = message_ids() if table else {}
    texts = {}
    for lang, overrides in table.items():
        if lang not in supported():
            raise BrandError(f"{path}: unknown language texts.{lang}")
        if not isinstance(overrides, dict):
            raise BrandError(f"{path}: texts.{lang} must be a table")
        for msgid, text in overrides.items():
            key = f'texts.{lang}."{msgid}"'
            if msgid not in ids:
                raise BrandError(f"{path}: unknown message id {key} (not in {MESSAGE_TEMPLATE})")
            if ids[msgid] is None:
                raise BrandError(f"{path}: {key} is a plural message, which brands can't override")
            if not isinstance(text, str) or not text.strip():
                raise BrandError(f"{path}: {key} must be a text")
            # Texts render as markup, some inside a double-quoted attribute (aria-label, the
            # show-password button's data-show): a quote or an entity would break out of it.
            if any(c in text for c in '<>"&'):
                raise BrandError(
                    f'{path}: {key} contains markup (< > " &); brand texts are plain text '
                    "(typographic quotes “ ” are fine)"
                )
            if not _same_placeholders(msgid, text):
                raise BrandError(
                    f"{path}: {key} must use the placeholders of its message id, "
                    f"{', '.join(sorted(ids[msgid])) or 'none'}"
                )
        texts[lang] = dict(overrides)
    return texts


def _same_placeholders(msgid: str, text: str) -> bool:
    """True when ``text`` has exactly the placeholders of ``msgid`` and formats with them."""
    wanted = _placeholders(msgid)
    if _placeholders(text) != wanted:
        return False
    try:
        # A stray "%" breaks formatting only where the message is formatted (has placeholders).
        if wanted:
            text % dict.fromkeys(PLACEHOLDER.findall(msgid), 0)
    except (ValueError, TypeError):
        return False
    return True


def _placeholders(text: str) -> set[str]:
    """The named placeholders in a message, each with its conversion (``%(num)d``)."""
    return {m.group() for m in PLACEHOLDER.finditer(text)}


def message_ids() -> dict[str, set[str] | None]:
    """Every message id of the template, with its placeholders (None for a plural message)."""
    try:
        stat = MESSAGE_TEMPLATE.stat()
    except OSError as exc:
        raise BrandError(
            f"{MESSAGE_TEMPLATE}: missing (brand texts are checked against it)"
        ) from exc
    return _read_template(str(MESSAGE_TEMPLATE), stat.st_mtime_ns)


@lru_cache(maxsize=1)
def _read_template(path: str, mtime_ns: int) -> dict[str, set[str] | None]:
    """The message template's ids, read once per version of the file."""
    with open(path, "rb") as fh:
        catalog = read_po(fh)
    ids: dict[str, set[str] | None] = {}
    for message in catalog:
        if not message.id:
            continue  # the header
        if isinstance(message.id, tuple):
            ids[message.id[0]] = None
        else:
            ids[message.id] = _placeholders(message.id)
    return ids


def load_brands(root: Path) -> dict[str, Brand]:
    """Every brand under ``root``; the ``default`` brand must exist."""
    brands = {}
    for folder in brand_folders(root):
        if not CLIENT_ID.match(folder.name):
            raise BrandError(f"{folder}: a brand folder is named for its app client id")
        brands[folder.name] = load_brand(folder)
    if DEFAULT not in brands:
        raise BrandError(f"{root / DEFAULT / 'brand.toml'}: missing (the default brand)")
    return brands


def brand_folders(root: Path) -> list[Path]:
    """The brand folders under ``root``, in name order."""
    return sorted(p for p in root.iterdir() if p.is_dir())


class HotReload:
    """Local mode: reread the brands when a file under the branding folder changes.

    One directory listing and one stat per brand file, at most every ``RELOAD_SECONDS`` (every
    request, it was a tenth of the cost of a cached page); a broken edit keeps that brand's
    last good version, is logged once, and is kept in ``errors`` for the preview.
    """

    def __init__(self, app: Flask, root: Path) -> None:
        self.app = app
        self.root = root
        self.errors: dict[str, str] = {}
        self._seen = self._signature()
        self._lock = threading.Lock()
        self._next_look = time.monotonic() + RELOAD_SECONDS

    def _signature(self) -> tuple:
        """Every brand file's name, size and modification time."""
        found = []
        try:
            folders = list(os.scandir(self.root))
            for folder in folders:
                if folder.is_dir():
                    for entry in os.scandir(folder.path):
                        info = entry.stat()
                        found.append((folder.name, entry.name, info.st_mtime_ns, info.st_size))
        except OSError:
            # A folder renamed or removed mid-listing: the next request looks again.
            return ("unreadable",)
        return tuple(sorted(found))

    def check(self) -> None:
        """Reload the brands if any file changed since the last look (a while ago)."""
        now = time.monotonic()
        if now < self._next_look:
            return
        self._next_look = now + RELOAD_SECONDS
        seen = self._signature()
        if seen == self._seen:
            return
        with self._lock:
            if seen != self._seen:
                self._reload()
                self._seen = seen

    def _reload(self) -> None:
        """Load every brand folder again, keeping the last good version of a broken one."""
        previous = self.app.extensions["gatehouse.brands"]
        brands, errors = {}, {}
        try:
            folders = brand_folders(self.root)
        except OSError as exc:
            folders, errors[DEFAULT] = [], f"{self.root}: {exc}"
        for folder in folders:
            try:
                if not CLIENT_ID.match(folder.name):
                    raise BrandError(f"{folder}: a brand folder is named for its app client id")
                brand = load_brand(folder)
                check_email_sizes(self.app.extensions["gatehouse.settings"], {folder.name: brand})
                brands[folder.name] = brand
            except (BrandError, OSError) as exc:
                errors[folder.name] = str(exc)
                if folder.name in previous:
                    brands[folder.name] = previous[folder.name]
        if DEFAULT not in brands:
            errors.setdefault(DEFAULT, f"{self.root / DEFAULT / 'brand.toml'}: missing")
            brands[DEFAULT] = previous[DEFAULT]
        for client_id, message in errors.items():
            log.error(
                "brand %s not reloaded, keeping its last good version: %s", client_id, message
            )
        self.errors = errors
        self.app.extensions["gatehouse.brands"] = brands


def check_email_sizes(settings, brands: dict[str, Brand]) -> None:
    """Brands' emails must fit Cognito's 20,000 characters when CustomMessage sends them (at
    start-up, and for an edited brand); CustomEmailSender has no such limit."""
    from .triggers.custom_message import check_sizes

    if settings.email_trigger == "CustomMessage":
        check_sizes(brands, settings.base_url)


def brand_errors() -> dict[str, str]:
    """Brands whose last edit could not be loaded (local mode), by client id."""
    reload = current_app.extensions.get("gatehouse.brand_reload")
    return dict(reload.errors) if reload else {}


def brand_for(client_id: str | None) -> Brand:
    """The brand of an app client, or the default brand."""
    brands = current_app.extensions["gatehouse.brands"]
    return brands.get(client_id or "", brands[DEFAULT])


def current_brand() -> Brand:
    """The brand for this request (a page asks several times: the answer is kept until a view
    chooses another app client)."""
    kept = g.get("brand_kept")
    if kept is not None and kept[0] == g.get("brand_client_id"):
        return kept[1]
    brand = brand_for(None) if _own_page() else brand_for(_chosen())
    g.brand_kept = (g.get("brand_client_id"), brand)
    return brand


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
    g.brand_way_back = None
    found = way_back_url()
    if found:
        url, brand = found
        label = (
            gettext("Back to %(name)s", name=brand.display_name)
            if brand
            else gettext("Back to the app")
        )
        g.brand_way_back = {"label": label, "url": url}
    return g.brand_way_back


def way_back_url() -> tuple[str, Brand | None] | None:
    """``way_back``'s URL, and the app's own brand when the link is named for it; or None.
    Everything the link depends on but the language (so a cached page can be keyed on it
    without looking up a translation)."""
    client_id = None if _own_page() else _chosen()
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
    return (url, brand if own else None) if url else None


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
    return serializer(current_app.secret_key, COOKIE_SALT)


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
    if (
        chosen
        and chosen != g.get("brand_remembered")
        and not _own_page()
        and not g.get("brand_preview")
    ):
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


def preview_brand(client_id: str | None) -> None:
    """Wear this brand for this request only (the local-mode preview): nothing is remembered."""
    g.brand_client_id = client_id
    g.brand_preview = True


def init_app(app: Flask) -> None:
    """Choose each page's brand before its view and remember it after; in local mode, pick
    up brand edits first."""
    settings = app.extensions["gatehouse.settings"]
    if settings.is_local:
        reload = HotReload(app, settings.branding_dir)
        app.extensions["gatehouse.brand_reload"] = reload
        app.before_request(reload.check)

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
    response.headers["Cache-Control"] = f"public, max-age={_cache_seconds()}"
    return response


def _cache_seconds() -> int:
    """How long a browser keeps a brand's files: not at all in local mode, so edits show."""
    return 0 if current_app.extensions["gatehouse.settings"].is_local else 300


@bp.get("/brand/<client_id>/<name>")
def logo(client_id: str, name: str) -> Response:
    """A brand's logo (the only file a brand folder serves)."""
    brand = current_app.extensions["gatehouse.brands"].get(client_id)
    if brand is None or not brand.logo or name != brand.logo:
        abort(404)
    return send_from_directory(brand.folder, brand.logo, max_age=_cache_seconds())
