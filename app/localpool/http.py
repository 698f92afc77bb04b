"""The local pool over HTTP at ``/_localpool/``: Cognito's JSON API, the JWKS, the outbox page."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from ..mail.outbox import Outbox
from .dispatch import error_response, handle
from .validation import MAX_BODY, too_large


def blueprint(pool) -> Blueprint:
    """Routes for one local pool (local mode only)."""
    bp = Blueprint("localpool", __name__)

    @bp.post("/_localpool/")
    @bp.post("/_localpool")
    def api() -> Response:
        """Any AWS SDK can use ``<base>/_localpool`` as its cognito-idp ``endpoint_url``."""
        body = _bounded_body()
        if body is None:
            status, headers, answer = error_response(too_large())
        else:
            target = request.headers.get("X-Amz-Target", "")
            status, headers, answer = handle(pool, target, body, request.headers)
        return Response(answer, status=status, headers=headers)

    @bp.get("/_localpool/<pool_id>/.well-known/jwks.json")
    def jwks(pool_id: str) -> Response:
        """The pool's signing keys, where Cognito has them: ``<issuer>/.well-known/jwks.json``."""
        if pool_id != pool.id:
            abort(404)
        response = jsonify(pool.signer.jwks())
        response.headers["Cache-Control"] = "public, max-age=300"
        return response

    @bp.get("/_dev/mail")
    def outbox() -> str:
        """Every email the local pool and Gatehouse sent, newest first."""
        mails = Outbox(current_app.config["OUTBOX_DIR"]).messages()
        return render_template("dev/mail.html", mails=list(reversed(mails)))

    @bp.get("/_dev/mail/<name>")
    def one_mail(name: str) -> str:
        """One email's headers and text part."""
        mails = {m.path.name: m for m in Outbox(current_app.config["OUTBOX_DIR"]).messages()}
        if name not in mails:
            abort(404)
        return render_template("dev/mail_one.html", mail=mails[name])

    return bp


def _bounded_body() -> bytes | None:
    """The request body, or None past MAX_BODY: never more than that is read into memory.

    The in-process path has the same limit (``validation.parse_request``), so this one replaces
    the app's MAX_CONTENT_LENGTH for the API: an SDK sees one limit, in Cognito's error shape.
    """
    request.max_content_length = MAX_BODY
    try:
        body = request.stream.read(MAX_BODY + 1)
    except RequestEntityTooLarge:
        return None
    return body if len(body) <= MAX_BODY else None
