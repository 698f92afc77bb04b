"""Languages: which one a page speaks, in which direction, and the brand's own texts.

The catalogues are Babel ``.po`` files under ``app/translations/<code>/LC_MESSAGES/``, compiled
to ``.mo`` by the README's commands (``make run`` / ``make test``). A code is a catalogue's
folder name (``de``, ``pt_BR``, ``zh_Hant_TW``: Babel's own name for a locale, which is how it
finds the catalogue); pages and emails say it as a BCP 47 tag (``pt-BR``).

The language of a request, first that applies: ``lang`` in the query (any page, the authorize
endpoint included), ``ui_locales`` (OpenID Connect, space-separated, first one shipped), the
language cookie, ``Accept-Language``, the brand's ``default_language``, English. A language
chosen by ``lang`` or ``ui_locales`` is remembered in the cookie, so it carries through the
whole flow: sign-up, the email (the user's ``locale`` attribute and the pool call's
ClientMetadata carry it to the CustomMessage trigger), confirmation and sign-in.

A brand may replace any text in any language by its message id (the English msgid), see
``brand.toml``'s ``[texts.<code>]``: ``BrandedDomain`` lays those over the catalogue.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from babel import Locale, UnknownLocaleError
from babel.support import NullTranslations, Translations
from flask import Flask, Response, current_app, g, request
from flask_babel import Babel, Domain, get_locale

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
SOURCE = "en"
RIGHT_TO_LEFT = frozenset({"ar", "he", "fa", "ur"})
# A language chosen once lasts as long as a browser keeps it: a year, like most sites.
COOKIE_SECONDS = 365 * 24 * 3600
# The query parameters a page itself reads on a GET (a link's email and code, the sent notice,
# the preview's page): the language page's way back keeps these and drops the rest.
KEPT_QUERY = frozenset(
    {"email", "code", "client_id", "login_hint", "sent", "typing", "retry", "page", "errors"}
)
# Chinese is shipped as two scripts; a tag that names a region or script picks one of them.
TRADITIONAL_CHINESE = frozenset({"TW", "HK", "MO", "Hant"})


@functools.cache
def supported() -> tuple[str, ...]:
    """Every shipped catalogue's code, English first, the rest in alphabetical order."""
    codes = {p.parent.parent.name for p in TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po")}
    codes.add(SOURCE)
    return (SOURCE, *sorted(codes - {SOURCE}))


# Remembered (a bounded number: tags come from requests): a browser's Accept-Language is read
# on every page view, and parsing a tag with Babel costs more than the rest of choosing.
@functools.lru_cache(maxsize=1024)
def shipped(tag: str | None) -> str | None:
    """The shipped catalogue that serves a language tag (``pt-br``, ``zh-Hant``, ``de-AT``),
    or None. Only a tag's language, script and region are read; anything else is ignored."""
    if not tag or len(tag) > 35:
        return None
    tag = tag.strip().replace("_", "-")
    by_lower = {code.lower(): code for code in supported()}
    if tag.lower().replace("-", "_") in by_lower:
        return by_lower[tag.lower().replace("-", "_")]
    try:
        locale = Locale.parse(tag, sep="-")
    except (ValueError, TypeError, UnknownLocaleError):
        return None
    if locale.language == "zh":
        traditional = {locale.territory, locale.script} & TRADITIONAL_CHINESE
        return by_lower.get("zh_hant_tw" if traditional else "zh_hans_cn")
    if locale.territory and f"{locale.language}_{locale.territory}".lower() in by_lower:
        return by_lower[f"{locale.language}_{locale.territory}".lower()]
    if locale.language in by_lower:
        return by_lower[locale.language]
    # A language shipped only for one region (pt_BR) serves the language's other regions too.
    regional = [code for code in supported() if code.split("_")[0] == locale.language]
    return regional[0] if regional else None


def bcp47(code: str) -> str:
    """A catalogue code as a page or an email says it: ``pt_BR`` -> ``pt-BR``."""
    return code.replace("_", "-")


def direction(code: str) -> str:
    """``rtl`` for right-to-left languages, else ``ltr``."""
    return "rtl" if code.split("_")[0] in RIGHT_TO_LEFT else "ltr"


# The names people look for; CLDR's would be "中文 (简体, 中国)".
AUTONYMS = {"zh_Hans_CN": "简体中文", "zh_Hant_TW": "繁體中文（台灣）"}


@functools.cache
def autonym(code: str) -> str:
    """A language's name in itself, for the switcher: people look for their own language."""
    name = AUTONYMS.get(code) or Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def _cookie_name() -> str:
    """``__Host-lang`` over https (no sibling subdomain can set it), ``lang`` on plain http."""
    return "__Host-lang" if current_app.config["SESSION_COOKIE_SECURE"] else "lang"


def _asked_for() -> str | None:
    """A language the request names itself: ``lang``, else the first shipped ``ui_locales``
    (read once per request: the selector and the cookie both ask)."""
    if "gatehouse_asked" not in g:
        g.gatehouse_asked = _named_in_query()
    return g.gatehouse_asked


def _named_in_query() -> str | None:
    """``_asked_for``'s answer, from the query."""
    args = request.args
    chosen = shipped(args.get("lang"))
    if chosen:
        return chosen
    for tag in args.get("ui_locales", "").split()[:10]:
        chosen = shipped(tag)
        if chosen:
            return chosen
    return None


def select_locale() -> str:
    """Flask-Babel's locale selector: the request's language, in the order the module says."""
    if "gatehouse_locale" in g:
        return g.gatehouse_locale
    chosen = _asked_for() or shipped(request.cookies.get(_cookie_name()))
    if not chosen:
        for tag, _quality in request.accept_languages:
            chosen = shipped(tag)
            if chosen:
                break
    if not chosen:
        from .branding import current_brand

        chosen = shipped(current_brand().default_language) or SOURCE
    g.gatehouse_locale = chosen
    return chosen


def current() -> str:
    """This request's catalogue code."""
    return g.get("gatehouse_locale") or shipped(str(get_locale() or "")) or SOURCE


def remember(response: Response) -> Response:
    """Keep a language the request asked for in the cookie, for the pages after this one
    (a redirect too: ``ui_locales`` arrives at the authorize endpoint, which shows no page)."""
    asked = _asked_for()
    if asked and request.cookies.get(_cookie_name()) != asked:
        response.set_cookie(
            _cookie_name(),
            asked,
            max_age=COOKIE_SECONDS,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
            path="/",
        )
    return response


def here() -> str:
    """This page's address for the way back from the language page: its path and the query
    parameters it reads (``KEPT_QUERY``), so a URL planted in the query is never echoed."""
    return request.path + _kept(request.args.items(multi=True))


def back_to(next_url: str | None) -> str:
    """A page of this site to go back to, from the language page's ``next``: a path only
    (never another site: no scheme, no host, no ``//`` or ``\\``), with only ``KEPT_QUERY``."""
    try:
        parts = urlsplit(next_url or "/")
    except ValueError:  # "//[::1": not even a URL
        return "/"
    path = parts.path
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//"):
        return "/"
    if "\\" in path or any(ord(c) < 32 for c in path):
        return "/"
    return path + _kept(parse_qsl(parts.query))


def _kept(pairs) -> str:
    """``?<the KEPT_QUERY parameters of pairs>``, or nothing."""
    query = [(k, v) for k, v in pairs if k in KEPT_QUERY]
    return "?" + urlencode(query) if query else ""


def language_links(next_url: str) -> list[dict[str, str]]:
    """The language page's links: the page the person came from, in each shipped language.

    A GET link per language works without JavaScript; the current language is marked rather
    than linked."""
    page = urlsplit(next_url)
    query = parse_qsl(page.query)
    here_code = current()
    return [
        {
            "code": code,
            "tag": bcp47(code),
            "name": autonym(code),
            "url": page.path + "?" + urlencode([*query, ("lang", bcp47(code))]),
            "current": code == here_code,
        }
        for code in supported()
    ]


def client_metadata(**values: str) -> dict[str, str]:
    """ClientMetadata for a pool call that may send an email: the values, and this request's
    language, which the CustomMessage and custom-auth triggers write the email in."""
    return {**values, "lang": current()}


def locale_attributes(client_id: str, typed: dict[str, str]) -> list[dict[str, str]]:
    """The attribute that keeps a new account's language (Cognito's standard ``locale``), for
    the emails nobody's request is behind — unless the person typed one, or the app client may
    not write it (an app client's WriteAttributes, when set, limits what SignUp may send:
    Cognito refuses the whole sign-up otherwise)."""
    from .oauth.clients import load_client

    client = load_client(client_id)
    if "locale" in typed or (client is not None and not client.may_write("locale")):
        return []
    return [{"Name": "locale", "Value": bcp47(current())}]


def with_texts(base: NullTranslations, texts: dict[str, str]) -> NullTranslations:
    """A catalogue with a brand's texts laid over it, by message id; the base is not changed."""
    if not texts:
        return base
    if isinstance(base, Translations) or hasattr(base, "_catalog"):
        branded = copy.copy(base)
        branded._catalog = {**base._catalog, **texts}
        return branded
    branded = Translations()
    branded._catalog = dict(texts)
    return branded


def translations_for(code: str, brand=None) -> NullTranslations:
    """A language's catalogue with a brand's texts, outside a request (the CustomMessage
    Lambda); an unknown code gets English."""
    code = code if code in supported() else SOURCE
    base = Translations.load(str(TRANSLATIONS_DIR), [code])
    return with_texts(base, brand.texts.get(code, {}) if brand else {})


class BrandedDomain(Domain):
    """Flask-Babel's domain, with this request's brand's texts laid over the catalogue."""

    def get_translations(self):
        """The catalogue for this request's language and brand (cached per brand and language;
        a brand reloaded in local mode is a new object, so its texts take effect at once)."""
        base = super().get_translations()
        if not g or not current_app:
            return base
        from .branding import current_brand

        brand = current_brand()
        code = current()
        texts = brand.texts.get(code)
        if not texts:
            return base
        cache = current_app.extensions.setdefault("gatehouse.branded_translations", {})
        key = (brand.client_id, code)
        cached = cache.get(key)
        if cached is None or cached[0] is not brand:
            cached = (brand, with_texts(base, texts))
            cache[key] = cached
        return cached[1]


DOMAIN = "gatehouse.babel_domain"


class BrandedBabel(Babel):
    """Flask-Babel whose domain is the app's ``BrandedDomain``: every gettext reads through the
    brand's texts (found here, where Flask-Babel looks, rather than made each request's
    default by a hook)."""

    @property
    def domain_instance(self) -> Domain:
        """The message domain for the translations: this app's, with the brands' texts."""
        return current_app.extensions[DOMAIN]


def init_app(app: Flask, babel: BrandedBabel) -> None:
    """Wire the selector, the branded domain, the cookie and the templates' helpers."""
    babel.init_app(
        app,
        default_locale=SOURCE,
        default_translation_directories=str(TRANSLATIONS_DIR),
        locale_selector=select_locale,
    )
    app.extensions[DOMAIN] = BrandedDomain(translation_directories=[str(TRANSLATIONS_DIR)])
    app.after_request(remember)

    @app.context_processor
    def _language() -> dict:
        """``page_lang`` and ``page_dir`` for ``<html>``; the switcher's name and way back."""
        code = current()
        return {
            "page_lang": bcp47(code),
            "page_dir": direction(code),
            "language_name": autonym(code),
            "page_here": here,
        }
