"""Emails (issue 12): every email translatable and sent in the person's language, in one branded
layout, from the brand's sender name; CustomMessage emails within Cognito's 20,000 characters.

The shipped catalogues fill in as translators work, so the language tests use a catalogue of
their own: every message id of templates/email, marked with its language (``«ja» ...``), compiled
to ``.mo`` in a temporary folder that the app reads instead of app/translations. A sentence of an
email that does not go through gettext shows up unmarked.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import boto3
import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from botocore.stub import Stubber

from app import create_app, i18n, mail
from app.branding import BrandError, load_brands, use_brand
from app.mail import SesSender
from app.mail.branded import EmailTemplates, TriggerEmails, choose_language
from app.mail.outbox import Outbox, html_to_text
from app.triggers.custom_message import (
    KINDS,
    MAX_EMAIL_MESSAGE,
    check_sizes,
    custom_message,
    measure,
)

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://id.example.com"
MARKED = ("ja", "ar", "he")
# Gatehouse's own emails (app/mail and the magic-link trigger), each with what it is given.
OWN = {
    "account_deleted": {},
    "email_change_requested": {
        "new_masked": "n•••@example.com",
        "secure_link": f"{BASE}/account/secure/abc",
    },
    "email_change_taken": {},
    "email_changed": {"new_masked": "n•••@example.com"},
    "password_changed": {"signed_out_others": True},
    "passkey_added": {},
    "passkey_removed": {},
    "reconfirm_code": {"code": "123456", "minutes": 10},
    "signup_exists": {"email": "person@example.com"},
    "two_step_off": {"when": "December 2, 2026, 4:05:00 AM UTC"},
    "two_step_on": {"when": "December 2, 2026, 4:05:00 AM UTC"},
}
CUSTOM_MESSAGE = sorted({stem for stem, _ in KINDS.values()})


def mark(language: str, text: str) -> str:
    """The test catalogue's translation of a message id."""
    return f"«{language}» {text}"


def email_message_ids() -> list[str | tuple[str, str]]:
    """Every message id in templates/email, as `make messages` extracts them."""
    method_map = [("pool/**", "ignore"), ("**.html", "jinja2"), ("**.txt", "jinja2")]
    found = extract_from_dir(str(ROOT / "templates" / "email"), method_map=method_map)
    return list(dict.fromkeys(message for _file, _line, message, _comments, _ctx in found))


def write_marked_catalogues(folder: Path) -> None:
    """``<folder>/<lang>/LC_MESSAGES/messages.mo`` for each marked language."""
    for language in MARKED:
        catalog = Catalog(locale=language)
        plurals = Locale.parse(language).plural_form
        for message in email_message_ids():
            if isinstance(message, tuple):
                forms = catalog.num_plurals
                catalog.add(message, tuple(mark(language, message[1]) for _ in range(forms)))
            else:
                catalog.add(message, mark(language, message))
        assert plurals  # a language with plural rules, so ngettext picks among the forms
        target = folder / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        with open(target / "messages.mo", "wb") as file:
            write_mo(file, catalog)


@pytest.fixture
def marked(tmp_path, monkeypatch) -> Path:
    """The app (built after this) and the triggers read the marked test catalogues."""
    folder = tmp_path / "translations"
    write_marked_catalogues(folder)
    i18n.supported()  # the shipped languages stay the shipped ones (it is read once)
    monkeypatch.setattr(i18n, "TRANSLATIONS_DIR", folder)
    return folder


class Texts(HTMLParser):
    """The text nodes of an HTML email, and the attributes a person reads or hears."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_data(self, data: str) -> None:
        """A text node."""
        if data.strip():
            self.found.append(data.strip())

    def handle_starttag(self, tag: str, attrs) -> None:
        """``alt`` and ``title`` are read too."""
        self.found += [value for name, value in attrs if name in ("alt", "title") and value]


def unmarked(language: str, texts: list[str], values: list[str]) -> list[str]:
    """The texts that are neither translated (marked) nor a value the email was given."""
    left = []
    for text in texts:
        text = text.strip(" ·")  # the footer's separators
        if mark(language, "") in text or not re.search(r"[A-Za-z]", text):
            continue
        if text in values or text.startswith(("http://", "https://", "mailto:", "--")):
            continue
        left.append(text)
    return left


def html_texts(html: str) -> list[str]:
    """The text nodes of an HTML email."""
    parser = Texts()
    parser.feed(html)
    return parser.found


def text_lines(text: str) -> list[str]:
    """The lines of a plain-text email."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def own_email(app, template: str, language: str, client_id: str | None = None) -> mail.Email:
    """One of Gatehouse's own emails, rendered as a request in ``language`` renders it."""
    with app.test_request_context(f"/login?lang={language}"):
        use_brand(client_id)
        return mail.render(template, **OWN[template])


def event(source: str, client_id: str = "demo", metadata=None, attributes=None) -> dict:
    """A CustomMessage event as Cognito sends it."""
    request = {
        "userAttributes": {"email": "person@example.com", **(attributes or {})},
        "codeParameter": "{####}",
        "linkParameter": None,
        "usernameParameter": None,
    }
    if metadata is not None:
        request["clientMetadata"] = metadata
    return {
        "triggerSource": source,
        "callerContext": {"clientId": client_id},
        "request": request,
        "response": {"emailSubject": None, "emailMessage": None, "smsMessage": None},
    }


# ---- the language --------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ja", "ar"])
@pytest.mark.parametrize("template", sorted(OWN))
def test_each_of_gatehouses_own_emails_is_in_the_requests_language(
    marked, make_app, template, language
):
    app = make_app()
    email = own_email(app, template, language, "northwind")
    values = ["Northwind Traders", *map(str, OWN[template].values())]
    assert email.subject.startswith(mark(language, ""))
    assert unmarked(language, html_texts(email.html), values) == []
    assert unmarked(language, text_lines(email.text), values) == []


@pytest.mark.parametrize("language", ["ja", "ar"])
@pytest.mark.parametrize("source", sorted(KINDS))
def test_each_custom_message_email_is_in_the_language_gatehouse_sends(marked, source, language):
    response = custom_message(
        event(source, "northwind", {"lang": language}), BASE, str(ROOT / "branding")
    )["response"]
    assert response["emailSubject"].startswith(mark(language, ""))
    assert unmarked(language, html_texts(response["emailMessage"]), ["Northwind Traders"]) == []
    # Cognito fills the placeholder in after the trigger: it stays literal, link and code alike
    # (a sign-in code's email has no link: a link would sign in whoever opens it).
    assert response["emailMessage"].count("{####}") == (1 if KINDS[source][1] is None else 2)


@pytest.mark.parametrize("language", ["ja", "ar"])
def test_the_magic_link_email_is_in_the_language_gatehouse_sends(marked, language):
    emails = TriggerEmails(BASE, EmailTemplates(), str(ROOT / "branding"))
    link = event("CreateAuthChallenge_Authentication", "demo", {"lang": language})
    context = {"link": f"{BASE}/magic/t", "code": "123456", "minutes": 15}
    for name in ("subject.txt", "txt", "html"):
        rendered = emails.render(f"email/magic_link.{name}", link, **context)
        texts = html_texts(rendered) if name == "html" else text_lines(rendered)
        assert unmarked(language, texts, ["Demo app", "123456"]) == [], name


def test_english_stays_the_source_wording(make_app):
    app = make_app()
    email = own_email(app, "signup_exists", "en")
    assert email.subject == "Someone tried to sign up with your email"
    assert "Someone tried to create an account with person@example.com" in email.text
    response = custom_message(event("CustomMessage_SignUp"), BASE, str(ROOT / "branding"))
    assert response["response"]["emailSubject"] == "Confirm your email for Demo app"


@pytest.mark.parametrize(
    ("metadata", "attributes", "expected"),
    [
        ({"lang": "ja"}, {"locale": "de"}, "ja"),  # the page's language first
        ({"lang": "pt-BR"}, {}, "pt_BR"),
        ({"lang": "xx"}, {"locale": "de"}, "de"),  # not shipped: the user's locale
        (None, {"locale": "fr-CA"}, "fr"),
        ({"lang": "<script>"}, {"locale": "zz"}, "en"),  # nothing shipped, no brand default
    ],
)
def test_a_trigger_chooses_the_language_gatehouse_sent_then_the_users(
    metadata, attributes, expected
):
    brands = load_brands(ROOT / "branding")
    assert choose_language(metadata, attributes, brands["demo"]) == expected


def test_a_trigger_falls_back_to_the_brands_default_language():
    brand = load_brands(ROOT / "branding")["demo"]
    brand.default_language = "ko"
    assert choose_language({"lang": "xx"}, {}, brand) == "ko"


@pytest.mark.parametrize(
    ("language", "tag", "direction"),
    [("ar", "ar", "rtl"), ("he", "he", "rtl"), ("ja", "ja", "ltr"), ("pt_BR", "pt-BR", "ltr")],
)
def test_an_email_says_its_language_and_direction(language, tag, direction):
    message = custom_message(
        event("CustomMessage_ForgotPassword", metadata={"lang": language}),
        BASE,
        str(ROOT / "branding"),
    )["response"]["emailMessage"]
    assert f'<html lang="{tag}" dir="{direction}">' in message
    # Some clients drop <html>'s attributes: the wrapper says it again.
    assert f'<div lang="{tag}" dir="{direction}"' in message


# ---- the brand ----------------------------------------------------------------------------


def test_every_gatehouse_email_has_a_subject_a_plain_text_part_and_an_html_part(make_app):
    stems = {p.name.split(".")[0] for p in (ROOT / "templates" / "email").glob("*.subject.txt")}
    assert stems - set(CUSTOM_MESSAGE) == {*OWN, "magic_link"}  # no email is left untested
    app = make_app()
    for template in OWN:
        email = own_email(app, template, "en")
        assert email.subject and "\n" not in email.subject, template
        assert len(text_lines(email.text)) >= 2 and "<" not in email.text, template
        assert email.html.lstrip().startswith("<!doctype html>"), template
    assert (ROOT / "templates" / "email" / "magic_link.txt").is_file()


def test_an_email_wears_its_brand_inline_with_a_hosted_logo(make_app):
    app = make_app()
    app.extensions["gatehouse.brands"]["northwind"].sender_name = "Northwind Mail"
    email = own_email(app, "password_changed", "en", "northwind")
    html = email.html
    base = app.extensions["gatehouse.settings"].base_url
    assert f'<img src="{base}/brand/northwind/logo.svg" alt="Northwind Traders"' in html
    # Email clients drop <style> and data: images: colours are inline, the logo hosted.
    assert "<style" not in html and "data:" not in html
    assert "background:#1f232d" in html  # the brand's surface
    button = re.search(
        r'<td style="background:#f0a202;[^"]*"><a href="([^"]+)" style="[^"]*color:#14161c', html
    )
    assert button and button.group(1) == f"{base}/forgotPassword"
    assert 'href="https://example.com/northwind/terms"' in html  # the footer's links
    assert "Terms: https://example.com/northwind/terms" in email.text
    assert email.sender_name == "Northwind Mail"


def test_the_code_is_shown_large_and_on_its_own():
    message = custom_message(event("CustomMessage_SignUp"), BASE, str(ROOT / "branding"))
    code = re.search(
        r'<strong style="([^"]*)" dir="ltr">\{####\}</strong>', message["response"]["emailMessage"]
    )
    assert code and "font-size:32px" in code.group(1) and "display:block" in code.group(1)


def test_the_outbox_records_the_brands_sender_name(tmp_path):
    outbox = Outbox(tmp_path)
    outbox.send("person@example.com", "Hi", "text", "<p>html</p>", sender_name="Northwind, Ltd")
    outbox.send("person@example.com", "Hi", "text", "<p>html</p>", sender_name="Café Ünïcode")
    first, second = outbox.messages()
    assert first.sender == '"Northwind, Ltd" <no-reply@gatehouse.localhost>'
    assert second.sender == "Café Ünïcode <no-reply@gatehouse.localhost>"


@pytest.mark.parametrize(
    ("configured", "name", "sent"),
    [
        ("no-reply@example.com", "Northwind Traders", "Northwind Traders <no-reply@example.com>"),
        ("Ops <no-reply@example.com>", "Northwind, Ltd", '"Northwind, Ltd" <no-reply@example.com>'),
        ("no-reply@example.com", "Café", "=?utf-8?b?Q2Fmw6k=?= <no-reply@example.com>"),
        ("Ops <no-reply@example.com>", "", "Ops <no-reply@example.com>"),
    ],
)
def test_ses_sends_from_the_brands_sender_name(configured, name, sent):
    client = boto3.client(
        "sesv2", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    with Stubber(client) as stubber:
        stubber.add_response(
            "send_email",
            {"MessageId": "m-1"},
            {
                "FromEmailAddress": sent,
                "Destination": {"ToAddresses": ["person@example.com"]},
                "Content": {
                    "Simple": {
                        "Subject": {"Data": "Hi", "Charset": "UTF-8"},
                        "Body": {
                            "Text": {"Data": "t", "Charset": "UTF-8"},
                            "Html": {"Data": "<p>h</p>", "Charset": "UTF-8"},
                        },
                    }
                },
            },
        )
        SesSender(client, configured).send(
            "person@example.com", "Hi", "t", "<p>h</p>", sender_name=name
        )
        stubber.assert_no_pending_responses()


# ---- Cognito's 20,000 characters ----------------------------------------------------------


def test_every_custom_message_email_of_every_brand_and_language_fits_cognitos_limit():
    sizes = measure(load_brands(ROOT / "branding"), BASE)
    languages = {language for _size, _brand, _stem, language in sizes}
    assert languages == set(i18n.supported()) and len(languages) >= 20
    assert {stem for _size, _brand, stem, _language in sizes} == set(CUSTOM_MESSAGE)
    largest = max(sizes)
    print(f"largest CustomMessage email: {largest[0]} characters ({largest[1:]})")
    assert largest[0] <= MAX_EMAIL_MESSAGE


def test_a_brand_text_that_makes_an_email_too_long_stops_start_up():
    brands = load_brands(ROOT / "branding")
    brands["demo"].texts = {
        "ja": {"If it wasn't you, ignore this email: your password stays as it is.": "x" * 20_000}
    }
    with pytest.raises(BrandError) as refused:
        check_sizes(brands, BASE)
    message = str(refused.value)
    assert "brand demo" in message and "reset_password" in message and " ja " in message
    assert re.search(r"is 2\d{4} characters", message) and "20000" in message


def test_a_brand_whose_links_make_its_emails_too_long_stops_create_app(tmp_path):
    branding = tmp_path / "branding"
    shutil.copytree(ROOT / "branding", branding)
    toml = branding / "northwind" / "brand.toml"
    long_link = "https://example.com/" + "t" * 20_000
    toml.write_text(toml.read_text().replace("https://example.com/northwind/terms", long_link))
    with pytest.raises(
        BrandError, match=r"brand northwind: the \w+ email in \w+ is \d+ characters"
    ):
        create_app({"data_dir": tmp_path / "data", "branding_dir": branding, "TESTING": True})


def test_the_local_pools_text_part_of_a_custom_message_email_is_its_words_and_links():
    html = custom_message(event("CustomMessage_SignUp"), BASE, str(ROOT / "branding"))
    text = html_to_text(html["response"]["emailMessage"])
    lines = text_lines(text)
    assert lines[0] == "Welcome to Demo app."  # not the <title> of the <head>
    assert "Or type this code on the confirmation page: {####}" in lines
    assert f"Confirm my email ({BASE}/confirm?email=person%40example.com&code={{####}}" in text
    assert "<" not in text


def test_a_brand_name_is_escaped_in_the_html_and_plain_in_the_text(make_app):
    app = make_app()
    app.extensions["gatehouse.brands"]["northwind"].display_name = "A & <B>"
    email = own_email(app, "email_change_taken", "en", "northwind")
    assert "A &amp; &lt;B&gt;" in email.html and "<B>" not in email.html
    assert "A & <B>" in email.text


def test_a_brand_name_is_escaped_in_a_trigger_email():
    brands = load_brands(ROOT / "branding")
    brands["demo"].display_name = "A & <B>"
    emails = TriggerEmails(BASE, EmailTemplates())
    html = emails.render_in(
        "email/confirm_signup.html",
        brands["demo"],
        "en",
        i18n.translations_for("en"),
        link=f"{BASE}/confirm",
        code="{####}",
    )
    assert "<title>A &amp; &lt;B&gt;</title>" in html and "<B>" not in html


def test_a_brand_edited_in_local_mode_shows_in_the_next_email(tmp_path):
    """The trigger reads a brand again when its files change, as the pages do in local mode."""
    branding = tmp_path / "branding"
    shutil.copytree(ROOT / "branding", branding)
    first = custom_message(
        event("CustomMessage_SignUp", "northwind"), "https://login.example.com", str(branding)
    )
    assert "Northwind Traders" in first["response"]["emailMessage"]
    toml = branding / "northwind" / "brand.toml"
    toml.write_text(toml.read_text().replace("Northwind Traders", "Northwind Outfitters"))
    second = custom_message(
        event("CustomMessage_SignUp", "northwind"), "https://login.example.com", str(branding)
    )
    assert "Northwind Outfitters" in second["response"]["emailMessage"]


@pytest.mark.parametrize(
    ("named", "worn"),
    [
        ("northwind", "Northwind Traders"),  # the page's brand, for a sign-in as Gatehouse's client
        ("../northwind", "Gatehouse"),  # never a path
        ("no-such-brand", "Gatehouse"),
        (None, "Gatehouse"),
    ],
)
def test_a_sign_in_code_wears_the_brand_its_page_names(named, worn):
    metadata = {"brand": named} if named else {}
    response = custom_message(
        event("CustomMessage_Authentication", "gatehouse", metadata), BASE, str(ROOT / "branding")
    )["response"]
    assert worn in response["emailSubject"]
