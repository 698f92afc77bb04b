"""What an anonymous page view costs: nothing read from disk again, nothing written to the store."""

from __future__ import annotations

from babel.support import Translations


def test_the_sign_in_page_reads_wtforms_catalogue_once_per_language(client, monkeypatch):
    client.get("/login")
    client.get("/login?lang=fr")
    loads = []
    real = Translations.load.__func__

    def counting(cls, *args, **kwargs):
        """Count the catalogue reads of WTForms' domain."""
        if kwargs.get("domain") == "wtforms":
            loads.append(args)
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(Translations, "load", classmethod(counting))
    for _ in range(3):
        assert client.get("/login").status_code == 200
        assert client.get("/login?lang=fr").status_code == 200
    assert loads == []


def test_wtforms_own_messages_follow_the_language(app):
    from app.flows.forms import SignInForm

    with app.test_request_context("/login?lang=de"):
        app.preprocess_request()
        form = SignInForm(meta={"csrf": False})
        assert form.meta.get_translations(form).gettext("Not a valid choice.") != (
            "Not a valid choice."
        )
