"""The language page: every shipped language, each a link back to the page the person was on."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from .. import i18n

bp = Blueprint("language", __name__)


@bp.get("/language")
def choose():
    """List the languages; each link opens ``next`` (a page of this site) in that language."""
    back = i18n.back_to(request.args.get("next"))
    return render_template("language.html", links=i18n.language_links(back), back=back)
