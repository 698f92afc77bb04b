"""GetTokensFromRefreshToken (AWS Amplify JS v6 refreshes only through it)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from joserfc import jwt
from joserfc.jwk import KeySet

from app.userpool import secret_hash

from .conftest import error_code


def _claims(target, token: str) -> dict:
    """The verified claims of one of the local pool's tokens."""
    keys = KeySet.import_key_set(target.need_local().signer.jwks())
    return jwt.decode(token, keys, algorithms=["RS256"]).claims


def _refresh(target, token: str, client_id: str | None = None, **extra):
    """Call GetTokensFromRefreshToken; returns AuthenticationResult."""
    out = target.idp.get_tokens_from_refresh_token(
        ClientId=client_id or target.client_id, RefreshToken=token, **extra
    )
    return out["AuthenticationResult"]


def test_new_id_and_access_tokens_for_the_same_sign_in_and_no_new_refresh_token(target):
    email = target.signed_up()
    first = target.sign_in(email)
    out = _refresh(target, first["RefreshToken"])
    assert set(out) == {"AccessToken", "ExpiresIn", "TokenType", "IdToken"}
    assert out["TokenType"] == "Bearer" and out["ExpiresIn"] == 3600
    old, new = _claims(target, first["IdToken"]), _claims(target, out["IdToken"])
    assert new["sub"] == old["sub"] and new["auth_time"] == old["auth_time"]
    assert new["origin_jti"] == old["origin_jti"] and new["jti"] != old["jti"]
    assert target.idp.get_user(AccessToken=out["AccessToken"])["Username"] == old["sub"]
    # Without rotation the refresh token stays usable.
    assert _refresh(target, first["RefreshToken"])["IdToken"]


@pytest.mark.parametrize("token", ["not-a-refresh-token", "x" * 200])
def test_an_unknown_refresh_token_is_not_authorized(target, token):
    with pytest.raises(ClientError) as exc:
        _refresh(target, token)
    assert error_code(exc) == "NotAuthorizedException"


def test_a_revoked_refresh_token_is_not_authorized(target):
    refresh = target.sign_in(target.signed_up())["RefreshToken"]
    target.idp.revoke_token(Token=refresh, ClientId=target.client_id)
    with pytest.raises(ClientError) as exc:
        _refresh(target, refresh)
    assert error_code(exc) == "NotAuthorizedException"


def test_a_refresh_token_after_global_sign_out_is_not_authorized(target):
    result = target.sign_in(target.signed_up())
    target.idp.global_sign_out(AccessToken=result["AccessToken"])
    with pytest.raises(ClientError) as exc:
        _refresh(target, result["RefreshToken"])
    assert error_code(exc) == "NotAuthorizedException"


def test_an_expired_refresh_token_is_not_authorized(target):
    pool = target.need_local()
    refresh = target.sign_in(target.signed_up())["RefreshToken"]
    pool.clock.advance(pool.clients[target.client_id].refresh_token_days * 86400 + 1)
    with pytest.raises(ClientError) as exc:
        _refresh(target, refresh)
    assert error_code(exc) == "NotAuthorizedException"
    assert "expired" in exc.value.response["Error"]["Message"]


def test_another_clients_refresh_token_is_not_authorized(target):
    pool = target.need_local()
    refresh = target.sign_in(target.signed_up())["RefreshToken"]
    with pytest.raises(ClientError) as exc:
        _refresh(target, refresh, "gatehouse", ClientSecret=pool.clients["gatehouse"].secret)
    assert error_code(exc) == "NotAuthorizedException"


def _gatehouse_refresh_token(target, email: str) -> str:
    """A refresh token of the confidential ``gatehouse`` client."""
    secret = target.need_local().clients["gatehouse"].secret
    out = target.idp.initiate_auth(
        ClientId="gatehouse",
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": email,
            "PASSWORD": "Corr3ct-horse",
            "SECRET_HASH": secret_hash("gatehouse", secret, email),
        },
    )
    return out["AuthenticationResult"]["RefreshToken"]


def test_a_confidential_client_needs_its_secret(target):
    pool = target.need_local()
    refresh = _gatehouse_refresh_token(target, target.signed_up())
    for extra in ({}, {"ClientSecret": "wrongsecretoftherightlength"}):
        with pytest.raises(ClientError) as exc:
            _refresh(target, refresh, "gatehouse", **extra)
        assert error_code(exc) == "NotAuthorizedException"
    secret = pool.clients["gatehouse"].secret
    assert _refresh(target, refresh, "gatehouse", ClientSecret=secret)["AccessToken"]


def test_a_client_without_refresh_token_auth_is_refused(target):
    pool = target.need_local()
    refresh = target.sign_in(target.signed_up())["RefreshToken"]
    pool.clients["demo"].explicit_auth_flows.remove("ALLOW_REFRESH_TOKEN_AUTH")
    with pytest.raises(ClientError) as exc:
        _refresh(target, refresh)
    assert error_code(exc) == "InvalidParameterException"


def test_an_unknown_client_is_resource_not_found(target):
    with pytest.raises(ClientError) as exc:
        _refresh(target, "x", "nosuchclient")
    assert error_code(exc) == "ResourceNotFoundException"


def test_a_disabled_user_cannot_refresh(target):
    pool = target.need_local()
    email = target.signed_up()
    refresh = target.sign_in(email)["RefreshToken"]
    with pool.db.transaction() as conn:
        conn.execute("UPDATE users SET enabled = 0 WHERE email = ?", (email,))
    with pytest.raises(ClientError) as exc:
        _refresh(target, refresh)
    assert error_code(exc) == "NotAuthorizedException"
