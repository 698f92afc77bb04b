"""The PreTokenGeneration trigger against a recorded V2 event shape: the access token's scopes
become the session proof's granted scopes; a proof that does not check out stops the tokens."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from app.magic_link.tokens import ProofSigner
from app.triggers.pre_token_generation import ProofRefused, pre_token_generation

EVENT = json.loads((Path(__file__).parent / "events" / "pre_token_generation_v2.json").read_text())
SUB = EVENT["request"]["userAttributes"]["sub"]
NOW = 1_800_000_000.0
PROOFS = ProofSigner("k" * 40)


def run(
    proof: str | None,
    version: str = "2",
    client: str = "northwind",
    now: float = NOW,
    allowed: list[str] | None = None,
):
    """The trigger's response to the recorded event with this proof in ClientMetadata (and,
    with ``allowed``, the app client's AllowedOAuthScopes)."""
    event = copy.deepcopy(EVENT)
    event["version"] = version
    event["callerContext"]["clientId"] = client
    if proof is not None:
        event["request"]["clientMetadata"] = {"proof": proof}
    scopes = None if allowed is None else (lambda pool_id, client_id: allowed)
    return pre_token_generation(event, PROOFS, lambda: now, scopes)["response"]


def test_the_granted_scopes_replace_the_default():
    proof = PROOFS.issue(SUB, "northwind", ["openid", "email"], NOW)
    details = run(proof)["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]
    assert details["scopesToSuppress"] == ["aws.cognito.signin.user.admin"]
    assert details["scopesToAdd"] == ["openid", "email"]


def test_a_granted_admin_scope_stays():
    proof = PROOFS.issue(SUB, "northwind", ["openid", "aws.cognito.signin.user.admin"], NOW)
    details = run(proof)["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]
    assert details == {"scopesToAdd": ["openid"], "scopesToSuppress": []}


def test_without_a_proof_an_app_not_allowed_the_admin_scope_does_not_get_it():
    """An app that refreshes at the pool directly carries no proof: Cognito's default admin
    scope is withheld unless the app client is allowed it."""
    details = run(None, allowed=["openid", "email"])["claimsAndScopeOverrideDetails"]
    assert details["accessTokenGeneration"]["scopesToSuppress"] == ["aws.cognito.signin.user.admin"]
    allowed = ["openid", "aws.cognito.signin.user.admin"]
    assert run(None, allowed=allowed)["claimsAndScopeOverrideDetails"] is None


def test_nothing_changes_without_a_proof_or_on_a_version_1_event():
    assert run(None)["claimsAndScopeOverrideDetails"] is None
    proof = PROOFS.issue(SUB, "northwind", ["openid"], NOW)
    assert run(proof, version="1")["claimsAndScopeOverrideDetails"] is None


@pytest.mark.parametrize("change", ["forged", "expired", "other_client", "other_user"])
def test_a_proof_that_does_not_check_out_stops_the_tokens(change):
    proof = PROOFS.issue(SUB, "northwind", ["openid"], NOW)
    kwargs = {}
    if change == "forged":
        proof = ProofSigner("f" * 40).issue(SUB, "northwind", ["openid"], NOW)
    elif change == "expired":
        kwargs["now"] = NOW + 60
    elif change == "other_client":
        kwargs["client"] = "demo"
    else:
        proof = PROOFS.issue("someone-else", "northwind", ["openid"], NOW)
    with pytest.raises(ProofRefused):
        run(proof, **kwargs)


def test_no_trigger_of_this_project_claims_to_set_the_nonce():
    """Cognito lets no trigger set ``nonce``: nothing here may pretend to (it stays with the
    authorization code), and the local pool ignores a trigger that tries."""
    from app.localpool.tokens import RESERVED_CLAIMS

    assert "nonce" in RESERVED_CLAIMS
    triggers = Path(__file__).resolve().parents[2] / "app" / "triggers"
    for source in triggers.glob("*.py"):
        code = source.read_text()
        assert '"nonce"' not in code and "'nonce'" not in code, source.name
