"""Magic links and session proofs through Cognito's custom auth: DefineAuthChallenge,
CreateAuthChallenge and VerifyAuthChallengeResponse.

Lambda handlers: ``app.triggers.magic_link.define_handler``, ``.create_handler`` and
``.verify_handler``. The local pool runs the same functions (``for_local`` gives them local
collaborators); tests pass their own.

The protocol, in two rounds of CUSTOM_CHALLENGE:

1. ``PROVIDE_AUTH_PARAMETERS``: the caller answers with ClientMetadata (which Cognito passes to
   these triggers on RespondToAuthChallenge, not on InitiateAuth): ``send`` = ``yes`` to email a
   link (the asking browser) or ``no`` (the browser that opened the link, or typed the code),
   and ``pending``, the OAuth2 request the link continues (sealed by Gatehouse and carried as
   it is: anyone may call the pool as a public app client, so Gatehouse trusts only its own
   seal when the link comes back), and ``asker``, the tag of the browser
   that asked (``app.magic_link.handoff``: that browser finishes a sign-in opened elsewhere).
2. ``MAGIC_LINK``: the answer is the link's signed token, or the 6-digit code from the email.

A **session proof** (single sign-on: Gatehouse mints tokens for an app client from its own
session) is the answer to round 1 itself: ``PROVIDE_AUTH_PARAMETERS`` answered with a proof that
Gatehouse signed (``ProofSigner``, the same key) for this user and this app client, at most 60
seconds old, and carried in ClientMetadata ``proof`` too (where the PreTokenGeneration trigger
reads the granted scopes). It is right once: its id is spent in the link store's conditional
write. Tokens follow at once (two Cognito calls in all); no link is involved.

One record per user in the link store: at most one live link, 15 minutes, 60 seconds between
links, single use; three wrong codes spend it. An unknown user gets the same challenges and no
email, and so does a user whose address is not proven (``proven.address_proven``: CONFIRMED with
``email_verified``, read from the event's ``cognito:user_status`` and ``email_verified``): an
account someone signed up for with another person's address, or an AdminCreateUser invitation,
must not become that person's account by a magic link. Such a user's answers are never right.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..magic_link.records import LinkRecord, LinkStore
from ..magic_link.tokens import LIFETIME_SECONDS, LinkSigner, ProofSigner, new_payload
from ..mail.outbox import MailUnavailable, Undeliverable
from .proven import address_proven

log = logging.getLogger(__name__)
PARAMS = "PROVIDE_AUTH_PARAMETERS"
LINK = "MAGIC_LINK"
MIN_INTERVAL_SECONDS = 60
MAX_CODE_FAILURES = 3
CODE_DIGITS = 6


@dataclass
class Deps:
    """What the triggers need, passed in so the local pool and tests use the very same code."""

    store: LinkStore
    signer: LinkSigner
    proofs: ProofSigner
    send_email: Callable[[str, str, str, str], None]  # to, subject, text, html
    render: Callable[[str, dict[str, Any]], str]
    base_url: str
    clock: Callable[[], float] = time.time


def _code_hash(link_id: str, code: str) -> str:
    """Codes are kept only as hashes, salted with their link's id."""
    return hashlib.sha256(f"{link_id}:{code}".encode()).hexdigest()


def define(event: dict[str, Any], deps: Deps) -> dict[str, Any]:
    """Ask for parameters, then for the link or code; tokens only after a right answer (a
    session proof is the only right answer to the parameters round)."""
    session = event["request"]["session"]
    response = event["response"]
    last = session[-1] if session else None
    steps = [step.get("challengeMetadata") for step in session]
    if (
        steps == [PARAMS]
        and last.get("challengeResult")
        and not event["request"].get("userNotFound")
    ):
        response.update(issueTokens=True, failAuthentication=False)
    elif last is None or steps == [PARAMS]:
        response.update(
            challengeName="CUSTOM_CHALLENGE", issueTokens=False, failAuthentication=False
        )
    elif (
        steps == [PARAMS, LINK]
        and last.get("challengeResult")
        and not event["request"].get("userNotFound")
    ):
        response.update(issueTokens=True, failAuthentication=False)
    else:
        response.update(issueTokens=False, failAuthentication=True)
    return event


def create(event: dict[str, Any], deps: Deps) -> dict[str, Any]:
    """Round 1 asks for parameters; round 2 emails a link when asked to (and not too often)."""
    request = event["request"]
    step = PARAMS if not request["session"] else LINK
    if step == LINK and (request.get("clientMetadata") or {}).get("send") == "yes":
        _send_link(event, deps)
    event["response"].update(
        publicChallengeParameters={"step": step},
        privateChallengeParameters={"step": step},
        challengeMetadata=step,
    )
    return event


def _send_link(event: dict[str, Any], deps: Deps) -> None:
    """Write a new link record and email the link and code; nothing for an unknown user."""
    request = event["request"]
    now = int(deps.clock())
    client_id = event["callerContext"]["clientId"]
    metadata = request.get("clientMetadata") or {}
    try:
        pending = json.loads(metadata.get("pending") or "null")
    except ValueError:
        pending = None
    attributes = request.get("userAttributes") or {}
    link_id = secrets.token_urlsafe(16)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    payload = new_payload(
        attributes.get("sub", ""),
        attributes.get("email", ""),
        client_id,
        link_id,
        pending,
        now=now,
        lifetime=LIFETIME_SECONDS,
        asker=_asker_tag(metadata.get("asker")),
    )
    token = deps.signer.sign(payload)  # signed for unknown users too, so timing matches
    if request.get("userNotFound") or not _proven(attributes):
        return
    record = LinkRecord(
        payload.sub, link_id, _code_hash(link_id, code), client_id, now, payload.expires_at
    )
    if not deps.store.replace(record, MIN_INTERVAL_SECONDS, now):
        return  # a link went out less than a minute ago: it stays the live one
    link = f"{deps.base_url.rstrip('/')}/magic/{quote(token)}"
    # The event tells the renderer the brand and the person's language.
    context = {"link": link, "code": code, "minutes": LIFETIME_SECONDS // 60, "event": event}
    try:
        deps.send_email(
            payload.email,
            deps.render("email/magic_link.subject.txt", context).strip(),
            deps.render("email/magic_link.txt", context),
            deps.render("email/magic_link.html", context),
        )
    except (MailUnavailable, Undeliverable) as exc:
        # Only a known address gets this far: failing the sign-in here would tell it from an
        # unknown one. The person asks again (after a minute); the log says why.
        log.warning("magic link not sent: %s", exc)


def _asker_tag(value: Any) -> str | None:
    """The asking browser's tag from ClientMetadata (a hex digest), or None."""
    if isinstance(value, str) and len(value) == 32 and all(c in "0123456789abcdef" for c in value):
        return value
    return None


def verify(event: dict[str, Any], deps: Deps) -> dict[str, Any]:
    """Right only for this user's live link (token or code), for the app client it was sent for;
    or, in the parameters round, for a session proof (``_proof_right``)."""
    request = event["request"]
    event["response"]["answerCorrect"] = False
    attributes = request.get("userAttributes") or {}
    step = request["privateChallengeParameters"].get("step")
    if request.get("userNotFound"):
        return event
    if step == PARAMS:
        event["response"]["answerCorrect"] = _proof_right(event, deps)
        return event
    if not _proven(attributes) or step != LINK:
        return event
    sub = attributes.get("sub", "")
    client_id = event["callerContext"]["clientId"]
    answer = (request.get("challengeAnswer") or "").strip()
    now = int(deps.clock())
    if answer.isdigit() and len(answer) == CODE_DIGITS:
        record = deps.store.get(sub)
        if (
            record is None
            or record.used
            or record.expires_at <= now
            or record.client_id != client_id
        ):
            return event  # nothing live to guess against (the store checks again when spending)
        if not hmac.compare_digest(record.code_hash, _code_hash(record.link_id, answer)):
            deps.store.fail(sub, record.link_id)
            return event
        event["response"]["answerCorrect"] = _use(deps, sub, record.link_id, now)
        return event
    payload = deps.signer.read(answer)
    if (
        payload is None
        or payload.sub != sub
        or payload.client_id != client_id
        or payload.expired(now)
    ):
        return event
    event["response"]["answerCorrect"] = _use(deps, sub, payload.link_id, now)
    return event


def _proof_right(event: dict[str, Any], deps: Deps) -> bool:
    """A session proof signed with the key, for this user (``sub``) and this app client, not
    expired, the same in the answer and in ClientMetadata, and never used before (its id is
    spent in one conditional write). Anything else (the word ``parameters`` of a magic-link
    sign-in included) is not right."""
    request = event["request"]
    answer = request.get("challengeAnswer") or ""
    if not answer or (request.get("clientMetadata") or {}).get("proof") != answer:
        return False
    proof = deps.proofs.read(answer)
    attributes = request.get("userAttributes") or {}
    if (
        proof is None
        or proof.sub != attributes.get("sub")
        or proof.client_id != event["callerContext"]["clientId"]
        or proof.expired(deps.clock())
    ):
        return False
    return deps.store.spend(f"proof:{proof.proof_id}", proof.expires_at)


def _proven(attributes: dict[str, str]) -> bool:
    """The user's address is proven, by the event's attributes as Cognito sends them."""
    return address_proven(attributes.get("cognito:user_status"), attributes.get("email_verified"))


def _use(deps: Deps, sub: str, link_id: str, now: int) -> bool:
    """Spend the link in one conditional write; the store refuses a used, expired or superseded
    link, and one whose code was mistyped too often (whichever way, link or code, is answered)."""
    return deps.store.use(sub, link_id, now, max_failures=MAX_CODE_FAILURES)


class Handler:
    """A Lambda handler for one trigger; its collaborators come from the environment on AWS."""

    def __init__(self, fn: Callable[[dict[str, Any], Deps], dict[str, Any]]) -> None:
        self.fn = fn
        self._deps: Deps | None = None

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """Lambda's entry point."""
        if self._deps is None:
            self._deps = deps_from_environment()
        return self.fn(event, self._deps)

    def for_local(self, settings: Any) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
        """The same trigger with local-mode collaborators (SQLite store, outbox, app clock)."""
        deps = local_deps(settings)
        return lambda event, context: self.fn(event, deps)


define_handler = Handler(define)
create_handler = Handler(create)
verify_handler = Handler(verify)


def _renderer(base_url: str, branding_dir: str) -> Callable[[str, dict[str, Any]], str]:
    """The email templates rendered in the brand and language of ``context["event"]`` (no Flask
    app inside a Lambda)."""
    from ..mail.branded import EmailTemplates, TriggerEmails

    emails = TriggerEmails(base_url, EmailTemplates(), branding_dir)

    def render(name: str, context: dict[str, Any]) -> str:
        """One template for the event the context carries."""
        values = {key: value for key, value in context.items() if key != "event"}
        return emails.render(name, context["event"], **values)

    return render


def local_deps(settings: Any) -> Deps:
    """Local mode: links in SQLite under the data directory, email to the outbox."""
    from ..magic_link.records import SQLiteLinkStore
    from ..mail.outbox import Outbox

    outbox = Outbox(settings.outbox_dir)
    return Deps(
        store=SQLiteLinkStore(settings.data_dir / "magiclinks.sqlite3"),
        signer=LinkSigner(settings.link_key),
        proofs=ProofSigner(settings.link_key),
        send_email=lambda to, subject, text, html: outbox.send(to, subject, text, html),
        render=_renderer(settings.base_url, str(settings.branding_dir)),
        base_url=settings.base_url,
        clock=settings.clock,
    )


def deps_from_environment() -> Deps:  # pragma: no cover - runs inside AWS Lambda
    """AWS: the DynamoDB table, the key from Secrets Manager, and SES for the email."""
    import boto3

    from ..magic_link.records import DynamoLinkStore

    secret = boto3.client("secretsmanager").get_secret_value(
        SecretId=os.environ["GATEHOUSE_MAGIC_LINK_SECRET_ARN"]
    )["SecretString"]
    ses = boto3.client("sesv2")
    sender = os.environ["GATEHOUSE_MAIL_FROM"]

    def send_email(to: str, subject: str, text: str, html: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            ses.send_email(
                FromEmailAddress=sender,
                Destination={"ToAddresses": [to]},
                Content={
                    "Simple": {
                        "Subject": {"Data": subject},
                        "Body": {"Text": {"Data": text}, "Html": {"Data": html}},
                    }
                },
            )
        except (BotoCoreError, ClientError) as exc:
            raise MailUnavailable(f"SES: {type(exc).__name__}") from exc

    return Deps(
        store=DynamoLinkStore(boto3.resource("dynamodb").Table(os.environ["GATEHOUSE_LINK_TABLE"])),
        signer=LinkSigner(secret),
        proofs=ProofSigner(secret),
        send_email=send_email,
        render=_renderer(
            os.environ["GATEHOUSE_BASE_URL"],
            os.environ.get(
                "GATEHOUSE_BRANDING_DIR", str(Path(__file__).resolve().parents[2] / "branding")
            ),
        ),
        base_url=os.environ["GATEHOUSE_BASE_URL"],
    )
