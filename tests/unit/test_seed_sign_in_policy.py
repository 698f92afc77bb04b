"""The seed's choice-based sign-in and passkey settings: Cognito's values only, PASSWORD always."""

from __future__ import annotations

import pytest

from app.config import DEFAULT_SEED
from app.localpool.seed import SeedError, load_seed

BASE = "http://localhost:8000"


def test_the_default_seed_allows_every_first_factor_to_its_clients():
    seed = load_seed(DEFAULT_SEED, base_url=BASE)
    assert seed.pool.allowed_first_auth_factors == ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"]
    assert seed.pool.webauthn_user_verification == "preferred"
    for client in ("demo", "northwind", "gatehouse"):
        assert "ALLOW_USER_AUTH" in seed.clients[client].explicit_auth_flows


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"allowed_first_auth_factors": ["PASSWORD", "SOFTWARE_TOKEN"]}, "SOFTWARE_TOKEN"),
        ({"allowed_first_auth_factors": ["EMAIL_OTP"]}, "must include PASSWORD"),
        ({"webauthn_user_verification": "discouraged"}, "webauthn_user_verification"),
    ],
)
def test_a_value_cognito_does_not_take_stops_start_up(override, named):
    with pytest.raises(SeedError, match=named):
        load_seed(DEFAULT_SEED, override, base_url=BASE)
