"""Social sign-in through the pool's OAuth2 domain, with a state that is signed, single use, at
most ten minutes old, bound to this browser, and pointing at the pending request kept here."""

from __future__ import annotations

from authlib.common.security import generate_token
from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from ..messages import MESSAGES, text
from ..oauth import pending
from ..oauth.clients import load_client
from ..observability import audit
from ..signin import complete, target_client_id, user_pool
from ..userpool.domain import DomainError
from ..userpool.gateway import REASON
from ..web.signing import serializer

bp = Blueprint("social", __name__)
STATE_SECONDS = 600
STATE_KEY = "social_state"
LINKED_ON_FIRST_SIGN_IN = "Already found an entry for username"
LABELS = {"SignInWithApple": "Apple", "LoginWithAmazon": "Amazon"}
OWN_SCOPE = "openid email profile aws.cognito.signin.user.admin"


def providers_for(client_id: str) -> list[tuple[str, str]]:
    """(provider, button label) for each external provider the app client supports."""
    client = load_client(client_id)
    names = [p for p in (client.providers if client else []) if p != "COGNITO"]
    return [(name, LABELS.get(name, name)) for name in names]


def _serializer() -> URLSafeTimedSerializer:
    """Signs the state sent to the provider."""
    return serializer(current_app.secret_key, "gatehouse.social-state")


def _callback_url() -> str:
    """Gatehouse's redirect URI at the pool's domain (registered for each app client)."""
    return current_app.extensions["gatehouse.settings"].base_url.rstrip("/") + "/oauth2/idpresponse"


def _failed(key: str, status: int = 400):
    """One clear page per kind of failure, with a way back to sign-in."""
    return render_template("social/failed.html", message=text(key)), status


@bp.get("/social/<provider>")
def start(provider: str):
    """Send the browser to the pool's domain for this provider, as the app client."""
    client_id = target_client_id()
    if provider not in dict(providers_for(client_id)):
        abort(404)
    request_ = pending.pending()
    return send_to_provider(
        provider,
        client_id,
        request_["scope"] if request_ else OWN_SCOPE,
        {"retried": request.args.get("retry") == "1"},
    )


def send_to_provider(
    provider: str, client_id: str, scope: str, extra: dict, prompt: str | None = None
) -> Response:
    """Keep a state record (single use, bound to this browser, with PKCE and a nonce; ``extra``
    says what the return is for) and send the browser to the pool's domain for the provider.
    Social sign-in and "confirm it's you" both start here; ``callback`` takes the record."""
    state_id = generate_token(32)
    verifier, nonce = generate_token(64), generate_token(32)
    current_app.extensions["gatehouse.store"].put(
        f"social:{state_id}",
        {
            "provider": provider,
            "client_id": client_id,
            "verifier": verifier,
            "nonce": nonce,
            **extra,
        },
        STATE_SECONDS,
    )
    session[STATE_KEY] = state_id
    url = current_app.extensions["gatehouse.domain"].authorization_url(
        client_id=client_id,
        redirect_uri=_callback_url(),
        provider=provider,
        state=_serializer().dumps(state_id),
        verifier=verifier,
        nonce=nonce,
        scope=scope,
        prompt=prompt,
    )
    return redirect(url, 303)


def exchange(record: dict) -> tuple[dict, dict]:
    """The tokens (in the shape InitiateAuth answers) and the validated ID token's claims for the
    code the provider's return carries, with the record's PKCE verifier and nonce; DomainError if
    the pool's domain refuses or the ID token does not check out."""
    domain = current_app.extensions["gatehouse.domain"]
    tokens = domain.exchange(
        client_id=record["client_id"],
        client_secret=user_pool().client_secret(record["client_id"]),
        redirect_uri=_callback_url(),
        code=request.args.get("code", ""),
        verifier=record["verifier"],
    )
    claims = domain.verify_id_token(
        tokens["id_token"], client_id=record["client_id"], nonce=record["nonce"]
    )
    shaped = {
        "IdToken": tokens["id_token"],
        "AccessToken": tokens["access_token"],
        "RefreshToken": tokens.get("refresh_token"),
        "ExpiresIn": tokens.get("expires_in", 3600),
    }
    return shaped, claims


@bp.get("/oauth2/idpresponse")
def callback():
    """Check the state, exchange the code (Authlib), validate the ID token, finish the sign-in."""
    raw = request.args.get("state")
    if not raw:
        return _failed("social_state")
    try:
        state_id = _serializer().loads(raw, max_age=STATE_SECONDS)
    except SignatureExpired:
        return _failed("social_state")
    except BadSignature:
        return _failed("social_state")
    if session.get(STATE_KEY) != state_id:
        return _failed("social_state")  # started in another browser, or this one moved on
    record = current_app.extensions["gatehouse.store"].take(f"social:{state_id}")
    session.pop(STATE_KEY, None)
    if record is None:
        return _failed("social_state")  # used already, or expired
    if "confirm" in record:
        from .reconfirm import returned  # here: reconfirm imports this module

        return returned(record)  # "confirm it's you" sent this person (the one redirect URI)
    if request.args.get("error"):
        described = request.args.get("error_description", "")
        if LINKED_ON_FIRST_SIGN_IN in described and not record["retried"]:
            # Cognito fails the first sign-in after PreSignUp linked the identity: once more.
            return redirect(url_for("social.start", provider=record["provider"], retry=1), 303)
        refused = REASON.search(described)
        if refused and refused.group(1) in MESSAGES:
            # A trigger's refusal (an invitation waiting at the address, say): say what to do.
            return _failed(refused.group(1))
        return _failed(
            "social_cancelled" if request.args["error"] == "access_denied" else "social_failed"
        )
    try:
        tokens, claims = exchange(record)
    except DomainError:
        return _failed("social_failed", 502)
    if record["retried"]:
        # Sent again because PreSignUp linked this identity to the account of its address.
        audit.event("account linked", claims["sub"], provider=record["provider"])
    return complete(tokens, ["federated"])
