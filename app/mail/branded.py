"""What every email needs to wear its brand and speak its language, with no Flask app: the
CustomMessage and magic-link triggers run in a Lambda, and Gatehouse's own emails use the same
templates (``templates/email/_layout.html``) through Flask.

Email clients drop ``<style>`` and ``data:`` images, so the layout puts the brand's colours in
inline styles and the logo at an absolute URL: the brand's logo route under the base URL.
"""

from __future__ import annotations

import contextvars
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.support import NullTranslations
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..branding import CLIENT_ID, DEFAULT, Brand, BrandError, load_brand
from ..i18n import SOURCE, bcp47, direction, shipped, translations_for

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# The colours and style of an email whose brand leaves some unset: static/css/gatehouse.css's.
DEFAULT_COLOURS = {
    "bg": "#f4f5f7",
    "surface": "#ffffff",
    "text": "#1d2330",
    "muted": "#5b6475",
    "accent": "#2952cc",
    "accent-text": "#ffffff",
    "error": "#b3261e",
}
DEFAULT_STYLE = {
    "radius": "8px",
    "font": 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
}


@dataclass(frozen=True)
class EmailBrand:
    """A brand as an email shows it, in one language."""

    name: str
    logo_url: str
    colors: dict[str, str]
    radius: str
    font: str
    links: dict[str, str]
    lang: str
    dir: str

    @property
    def start(self) -> str:
        """Where lines start (``text-align``), for clients that ignore ``dir``."""
        return "right" if self.dir == "rtl" else "left"


def email_brand(brand: Any, base_url: str, language: str) -> EmailBrand:
    """The brand as an email shows it in ``language``; the logo at the brand's logo route
    under ``base_url``."""
    logo_url = ""
    if brand.logo:
        logo_url = f"{base_url.rstrip('/')}/brand/{brand.client_id}/{brand.logo}"
    return EmailBrand(
        name=brand.display_name,
        logo_url=logo_url,
        colors={**DEFAULT_COLOURS, **brand.colors},
        radius=brand.style.get("radius", DEFAULT_STYLE["radius"]),
        font=brand.style.get("font", DEFAULT_STYLE["font"]),
        links={key: brand.links.get(key, "") for key in ("terms", "privacy", "support")},
        lang=bcp47(language),
        dir=direction(language),
    )


# The catalogue of the email being rendered now: one template cache for every language, and
# renders in several threads (local mode runs the triggers in the web process) never mix.
_translations: contextvars.ContextVar[NullTranslations] = contextvars.ContextVar("translations")


def _gettext(message: str) -> str:
    """gettext in the catalogue of the email being rendered."""
    return _translations.get().gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    """ngettext in the catalogue of the email being rendered."""
    return _translations.get().ngettext(singular, plural, n)


class EmailTemplates:
    """The email templates outside Flask, rendered with jinja2's i18n extension (newstyle
    gettext, as Flask-Babel installs it for pages: named placeholders, escaped values)."""

    def __init__(self, root: Path = TEMPLATES) -> None:
        self.env = Environment(
            loader=FileSystemLoader(root),
            autoescape=select_autoescape(["html"]),
            extensions=["jinja2.ext.i18n"],
        )
        self.env.install_gettext_callables(_gettext, _ngettext, newstyle=True)

    def render(self, name: str, translations: NullTranslations, **context: Any) -> str:
        """Render ``name`` in the language of ``translations``."""
        token = _translations.set(translations)
        try:
            return self.env.get_template(name).render(context)
        finally:
            _translations.reset(token)


def _brand(root_dir: str, client_id: str) -> Brand:
    """The app client's brand, read again only when its folder's files change (an edit in
    local mode shows in the next email, as on the next page; a Lambda's never change)."""
    root = Path(root_dir)
    folder = root / client_id if client_id and (root / client_id).is_dir() else root / DEFAULT
    stamp = tuple(
        (f.name, f.stat().st_mtime_ns, f.stat().st_size)
        for f in sorted(folder.iterdir())
        if f.is_file()
    )
    return _read_brand(root, folder, stamp)


@functools.lru_cache(maxsize=256)
def _read_brand(root: Path, folder: Path, stamp: tuple) -> Brand:
    """Read one brand folder as it is at ``stamp`` (its files' names, times and sizes)."""
    try:
        return load_brand(folder)
    except BrandError:
        return load_brand(root / DEFAULT)


def choose_language(metadata: dict[str, Any] | None, attributes: dict[str, Any], brand) -> str:
    """A trigger's language: ClientMetadata's ``lang`` (Gatehouse sends the page's), else the
    user's ``locale`` attribute, else the brand's ``default_language``: the first shipped, else
    English."""
    for tag in ((metadata or {}).get("lang"), attributes.get("locale")):
        if isinstance(tag, str) and shipped(tag):
            return shipped(tag)
    return shipped(brand.default_language) or SOURCE


class TriggerEmails:
    """The email templates as a Lambda trigger renders them: in the brand of the event's app
    client (from the branding folder) and the person's language, with links under the base
    URL of the function's configuration."""

    def __init__(self, base_url: str, templates: EmailTemplates, branding_dir: str = "") -> None:
        """``branding_dir``: where ``render`` finds an event's brand (``render_in`` is given
        one)."""
        self.base_url = base_url
        self.branding_dir = branding_dir
        self.templates = templates

    def brand(self, client_id: str | None) -> Brand:
        """The app client's brand, or the default brand."""
        return _brand(self.branding_dir, client_id or "")

    def render(self, name: str, event: dict[str, Any], **context: Any) -> str:
        """Render template ``name`` for a trigger event, in the brand of its app client, or of
        ClientMetadata's ``brand``: a sign-in that runs as Gatehouse's own client (an emailed
        code) names the brand of the page that asked. Anyone calling the pool may name any brand
        there, but only one of this deployment's own, for an email about their own request."""
        request = event["request"]
        named = (request.get("clientMetadata") or {}).get("brand")
        if not isinstance(named, str) or not CLIENT_ID.match(named):
            named = None  # only an app client id names a folder (never a path)
        brand = self.brand(named)
        if brand.client_id != named:
            brand = self.brand(event["callerContext"].get("clientId"))
        language = choose_language(
            request.get("clientMetadata"), request.get("userAttributes") or {}, brand
        )
        return self.render_in(name, brand, language, translations_for(language, brand), **context)

    def render_in(
        self, name: str, brand: Brand, language: str, translations: NullTranslations, **context
    ) -> str:
        """Render template ``name`` in ``brand`` and ``language`` (whose catalogue is given)."""
        context["brand"] = email_brand(brand, self.base_url, language)
        return self.templates.render(name, translations, **context)
