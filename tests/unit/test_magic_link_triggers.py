"""The three custom-auth handlers against recorded Cognito event shapes, with fake collaborators."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from app.magic_link.records import SQLiteLinkStore
from app.magic_link.tokens import LinkSigner, ProofSigner
from app.triggers import magic_link
from app.triggers.magic_link import LINK, PARAMS, Deps

EVENTS = Path(__file__).parent / "events"
KEY = "k" * 40


def event(name: str, **request) -> dict:
    """A recorded event, with parts of its request replaced."""
    data = json.loads((EVENTS / f"{name}.json").read_text())
    data["request"].update(copy.deepcopy(request))
    return data


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def sent():
    return []


@pytest.fixture
def deps(tmp_path, clock, sent) -> Deps:
    return Deps(
        store=SQLiteLinkStore(tmp_path / "links.sqlite3"),
        signer=LinkSigner(KEY),
        proofs=ProofSigner(KEY),
        send_email=lambda to, subject, text, html: sent.append((to, subject, text)),
        render=lambda name, ctx: f"{name} {ctx['link']} code {ctx['code']}",
        base_url="https://login.example.com",
        clock=clock,
    )


def send_link(deps, **request):
    """Run CreateAuthChallenge's second round, asked to send a link."""
    return magic_link.create(event("create_auth_challenge", **request), deps)


def link_and_code(sent) -> tuple[str, str]:
    """The token and code of the last email."""
    text = sent[-1][2]
    token = re.search(r"/magic/(\S+)", text).group(1)
    return token, re.search(r"code (\d{6})", text).group(1)


def verify(deps, answer: str, **overrides):
    """Run VerifyAuthChallengeResponse for an answer."""
    data = event("verify_auth_challenge_response", challengeAnswer=answer)
    data.update(overrides)
    return magic_link.verify(data, deps)["response"]["answerCorrect"]


@pytest.mark.parametrize(
    ("session", "expected"),
    [
        (
            [],
            {
                "challengeName": "CUSTOM_CHALLENGE",
                "issueTokens": False,
                "failAuthentication": False,
            },
        ),
        (
            [
                {
                    "challengeName": "CUSTOM_CHALLENGE",
                    "challengeResult": False,
                    "challengeMetadata": PARAMS,
                }
            ],
            {
                "challengeName": "CUSTOM_CHALLENGE",
                "issueTokens": False,
                "failAuthentication": False,
            },
        ),
        (
            [
                {
                    "challengeName": "CUSTOM_CHALLENGE",
                    "challengeResult": False,
                    "challengeMetadata": PARAMS,
                },
                {
                    "challengeName": "CUSTOM_CHALLENGE",
                    "challengeResult": True,
                    "challengeMetadata": LINK,
                },
            ],
            {"issueTokens": True, "failAuthentication": False},
        ),
        (
            [
                {
                    "challengeName": "CUSTOM_CHALLENGE",
                    "challengeResult": False,
                    "challengeMetadata": PARAMS,
                },
                {
                    "challengeName": "CUSTOM_CHALLENGE",
                    "challengeResult": False,
                    "challengeMetadata": LINK,
                },
            ],
            {"issueTokens": False, "failAuthentication": True},
        ),
        (
            [
                {
                    "challengeName": "CUSTOM_CHALLENGE",
                    "challengeResult": True,
                    "challengeMetadata": LINK,
                }
            ],
            {"issueTokens": False, "failAuthentication": True},
        ),
    ],
)
def test_define(deps, session, expected):
    response = magic_link.define(event("define_auth_challenge", session=session), deps)["response"]
    for key, value in expected.items():
        assert response[key] == value


def test_define_never_issues_tokens_for_an_unknown_user(deps):
    session = [
        {
            "challengeName": "CUSTOM_CHALLENGE",
            "challengeResult": False,
            "challengeMetadata": PARAMS,
        },
        {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": True, "challengeMetadata": LINK},
    ]
    response = magic_link.define(
        event("define_auth_challenge", session=session, userNotFound=True), deps
    )
    assert response["response"]["failAuthentication"] is True


def test_create_asks_for_parameters_first_and_sends_nothing(deps, sent):
    out = magic_link.create(event("create_auth_challenge", session=[]), deps)["response"]
    assert out["challengeMetadata"] == PARAMS and out["publicChallengeParameters"] == {
        "step": PARAMS
    }
    assert sent == []


def test_create_sends_one_link_with_a_code(deps, sent):
    out = send_link(deps)["response"]
    assert out["challengeMetadata"] == LINK and "answer" not in str(
        out["publicChallengeParameters"]
    )
    assert len(sent) == 1 and sent[0][0] == "person@example.com"
    token, code = link_and_code(sent)
    payload = deps.signer.read(token)
    assert payload.sub == "0b9c6f0e-7d6f-4a73-9f0c-4f3a2b9d1c11" and payload.client_id == "demo"
    assert payload.expires_at - payload.issued_at == 15 * 60 and len(code) == 6


def test_no_second_link_within_a_minute(deps, sent, clock):
    send_link(deps)
    clock.now += 59
    send_link(deps)
    assert len(sent) == 1
    clock.now += 2
    send_link(deps)
    assert len(sent) == 2


def test_nothing_is_sent_for_an_unknown_user_or_when_not_asked(deps, sent):
    send_link(deps, userNotFound=True, userAttributes={})
    send_link(deps, clientMetadata={"send": "no"})
    assert sent == []


def attributes(status: str | None, verified: str) -> dict:
    """The recorded user's attributes with another status and email_verified."""
    data = dict(event("create_auth_challenge")["request"]["userAttributes"])
    data["email_verified"] = verified
    data.pop("cognito:user_status")
    if status is not None:
        data["cognito:user_status"] = status
    return data


UNPROVEN = [
    ("UNCONFIRMED", "false"),  # anyone can sign up with anyone's address
    ("UNCONFIRMED", "true"),
    ("FORCE_CHANGE_PASSWORD", "false"),  # an AdminCreateUser invitation
    ("FORCE_CHANGE_PASSWORD", "true"),
    ("CONFIRMED", "false"),  # confirmed by an administrator, the address never proven
    ("RESET_REQUIRED", "true"),
    (None, "true"),  # nothing said: not proven
]


@pytest.mark.parametrize(("status", "verified"), UNPROVEN)
def test_no_link_is_sent_to_an_unproven_address(deps, sent, status, verified):
    send_link(deps, userAttributes=attributes(status, verified))
    assert sent == []


@pytest.mark.parametrize(("status", "verified"), UNPROVEN)
def test_no_link_or_code_signs_in_to_an_unproven_address(deps, sent, status, verified):
    send_link(deps)  # sent while the address was proven
    token, code = link_and_code(sent)
    for answer in (code, token):
        data = event("verify_auth_challenge_response", challengeAnswer=answer)
        data["request"]["userAttributes"] = attributes(status, verified)
        assert magic_link.verify(data, deps)["response"]["answerCorrect"] is False
    assert verify(deps, token) is True  # still unspent: only the unproven answers were refused


def test_verify_accepts_the_link_once(deps, sent):
    send_link(deps)
    token, _ = link_and_code(sent)
    assert verify(deps, token) is True
    assert verify(deps, token) is False


def test_verify_accepts_the_code_once(deps, sent):
    send_link(deps)
    _, code = link_and_code(sent)
    assert verify(deps, code) is True
    assert verify(deps, code) is False


def test_three_wrong_codes_spend_the_link(deps, sent):
    send_link(deps)
    token, code = link_and_code(sent)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        assert verify(deps, wrong) is False
    assert verify(deps, code) is False
    assert verify(deps, token) is False  # the link in the email is spent too


@pytest.mark.parametrize(
    "change", ["expired", "superseded", "tampered", "other_client", "other_user"]
)
def test_verify_refuses(deps, sent, clock, change):
    send_link(deps)
    token, _ = link_and_code(sent)
    overrides = {}
    if change == "expired":
        clock.now += 15 * 60
    elif change == "superseded":
        clock.now += 61
        send_link(deps)
    elif change == "tampered":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif change == "other_client":
        overrides["callerContext"] = {"awsSdkVersion": "x", "clientId": "northwind"}
    else:
        data = event("verify_auth_challenge_response", challengeAnswer=token)
        data["request"]["userAttributes"]["sub"] = "someone-else"
        assert magic_link.verify(data, deps)["response"]["answerCorrect"] is False
        return
    assert verify(deps, token, **overrides) is False


def test_verify_ignores_the_parameters_round(deps):
    data = event(
        "verify_auth_challenge_response",
        challengeAnswer="parameters",
        privateChallengeParameters={"step": PARAMS},
    )
    assert magic_link.verify(data, deps)["response"]["answerCorrect"] is False


# ---- session proofs (single sign-on) -------------------------------------------------------

SUB = "0b9c6f0e-7d6f-4a73-9f0c-4f3a2b9d1c11"  # the recorded events' user


def answer_proof(deps, proof: str, metadata: str | None = None, client: str = "demo") -> bool:
    """VerifyAuthChallengeResponse in the parameters round, answered with a proof."""
    data = event(
        "verify_auth_challenge_response",
        challengeAnswer=proof,
        privateChallengeParameters={"step": PARAMS},
        clientMetadata={"proof": proof if metadata is None else metadata},
    )
    data["callerContext"]["clientId"] = client
    return magic_link.verify(data, deps)["response"]["answerCorrect"]


def test_a_session_proof_is_right_once_and_tokens_follow(deps, clock):
    proof = deps.proofs.issue(SUB, "demo", ["openid"], clock())
    assert answer_proof(deps, proof) is True
    session = [
        {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": True, "challengeMetadata": PARAMS}
    ]
    response = magic_link.define(event("define_auth_challenge", session=session), deps)
    assert response["response"]["issueTokens"] is True
    assert response["response"]["failAuthentication"] is False
    assert answer_proof(deps, proof) is False  # replayed


@pytest.mark.parametrize(
    "change", ["forged", "expired", "other_client", "other_user", "metadata", "link", "long"]
)
def test_a_session_proof_is_refused(deps, clock, sent, change):
    proof = deps.proofs.issue(SUB, "demo", ["openid"], clock())
    metadata = None
    if change == "forged":
        proof = ProofSigner("f" * 40).issue(SUB, "demo", ["openid"], clock())
    elif change == "expired":
        clock.now += 60
    elif change == "other_client":
        assert answer_proof(deps, proof, client="northwind") is False
        return
    elif change == "other_user":
        proof = deps.proofs.issue("someone-else", "demo", ["openid"], clock())
    elif change == "metadata":
        metadata = deps.proofs.issue(SUB, "demo", ["openid"], clock())
    elif change == "link":
        send_link(deps)
        proof, _ = link_and_code(sent)  # a magic link's token is signed under another salt
    else:
        serializer = deps.proofs._serializer  # a proof claiming a longer life than 60 s
        data = serializer.loads(proof)
        proof = serializer.dumps({**data, "x": data["i"] + 3600})
    assert answer_proof(deps, proof, metadata) is False


def test_a_refused_parameters_round_never_issues_tokens(deps):
    session = [
        {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": True, "challengeMetadata": PARAMS}
    ]
    response = magic_link.define(
        event("define_auth_challenge", session=session, userNotFound=True), deps
    )
    assert response["response"]["issueTokens"] is False
