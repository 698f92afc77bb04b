"""Sign in with Apple: settings come together, and the client secret is Apple's ES256 JWT."""

from __future__ import annotations

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from app.apple import AUDIENCE, apple_subject, client_secret
from app.config import ConfigError, load_settings


@pytest.fixture
def key_file(tmp_path):
    key = ECKey.generate_key("P-256", private=True)
    path = tmp_path / "AuthKey_ABC123DEFG.p8"
    path.write_bytes(key.as_pem(private=True))
    return path, key


def test_client_secret_is_an_es256_jwt_apple_accepts(tmp_path, key_file):
    path, key = key_file
    settings = load_settings(
        {
            "GATEHOUSE_DATA_DIR": str(tmp_path),
            "GATEHOUSE_APPLE_TEAM_ID": "TEAM123456",
            "GATEHOUSE_APPLE_KEY_ID": "ABC123DEFG",
            "GATEHOUSE_APPLE_PRIVATE_KEY_FILE": str(path),
            "GATEHOUSE_APPLE_SERVICES_ID": "com.example.gatehouse",
        }
    ).apple()
    token = client_secret(settings, now=1_800_000_000)
    decoded = jwt.decode(token, key, algorithms=["ES256"])
    assert decoded.header["alg"] == "ES256" and decoded.header["kid"] == "ABC123DEFG"
    assert decoded.claims == {
        "iss": "TEAM123456",
        "iat": 1_800_000_000,
        "exp": 1_800_000_300,
        "aud": AUDIENCE,
        "sub": "com.example.gatehouse",
    }


def test_apple_settings_come_together(tmp_path, key_file):
    path, _ = key_file
    with pytest.raises(ConfigError, match="GATEHOUSE_APPLE_KEY_ID"):
        load_settings(
            {
                "GATEHOUSE_DATA_DIR": str(tmp_path),
                "GATEHOUSE_APPLE_TEAM_ID": "T",
                "GATEHOUSE_APPLE_PRIVATE_KEY_FILE": str(path),
                "GATEHOUSE_APPLE_SERVICES_ID": "s",
            }
        )
    bad = tmp_path / "bad.p8"
    bad.write_text("not a key")
    with pytest.raises(ConfigError, match="GATEHOUSE_APPLE_PRIVATE_KEY_FILE"):
        load_settings(
            {
                "GATEHOUSE_DATA_DIR": str(tmp_path),
                "GATEHOUSE_APPLE_TEAM_ID": "T",
                "GATEHOUSE_APPLE_KEY_ID": "K",
                "GATEHOUSE_APPLE_PRIVATE_KEY_FILE": str(bad),
                "GATEHOUSE_APPLE_SERVICES_ID": "s",
            }
        )


def test_the_apple_subject_is_kept_in_the_users_identities(app, outbox):
    """Signing in with (simulated) Apple keeps the Apple subject that deletion will need."""
    import re

    from tests.flows.conftest import Browser

    browser = Browser(app, outbox)
    page = browser.get(browser.get("/social/SignInWithApple").location)
    request_id = re.search(r'name="request_id" value="([^"]+)"', page.get_data(as_text=True)).group(
        1
    )
    browser.get(
        browser.submit(
            "/_localpool/oauth2/authorize",
            request_id=request_id,
            email="apple@example.com",
            action="continue",
        ).location
    )
    idp = app.extensions["gatehouse.userpool"].client
    user = idp.list_users(UserPoolId="us-east-1_gatehouse", Filter='email = "apple@example.com"')[
        "Users"
    ][0]
    assert user["Username"].startswith("SignInWithApple_")
    pool = app.extensions["gatehouse.localpool"]
    with pool.db.transaction() as conn:
        stored = pool.find_user(conn, user["Username"])
    assert apple_subject(stored["identities"]) == user["Username"].split("_", 1)[1]
