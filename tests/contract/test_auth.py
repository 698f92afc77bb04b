"""InitiateAuth with USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH, and the tokens it returns."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError
from joserfc import jwt
from joserfc.jwk import KeySet

from .conftest import PASSWORD, error_code


def _jwks(target):
    """The pool's JWKS (the local pool's, read from the issuer's well-known URL)."""
    pool = target.need_local()
    return KeySet.import_key_set(pool.signer.jwks())


def _verify(token: str, keys: KeySet, **expected):
    """Verify signature and the claims Cognito promises; returns the claims."""
    decoded = jwt.decode(token, keys, algorithms=["RS256"])
    registry = jwt.JWTClaimsRegistry(
        **{name: {"essential": True, "value": value} for name, value in expected.items()},
        exp={"essential": True},
    )
    registry.validate(decoded.claims)
    return decoded.claims


def test_sign_in_returns_verifiable_cognito_tokens(target):
    email = target.signed_up()
    result = target.sign_in(email)
    assert result["TokenType"] == "Bearer" and result["ExpiresIn"] == 3600
    keys = _jwks(target)
    pool = target.local
    idt = _verify(result["IdToken"], keys, iss=pool.issuer, aud=target.client_id, token_use="id")
    access = _verify(result["AccessToken"], keys, iss=pool.issuer, token_use="access")
    assert idt["email"] == email and idt["email_verified"] is True
    assert idt["cognito:username"] == idt["sub"] == access["sub"] == access["username"]
    assert access["client_id"] == target.client_id
    assert "aws.cognito.signin.user.admin" in access["scope"].split()
    assert abs(idt["auth_time"] - time.time()) < 120
    assert jwt.decode(result["IdToken"], keys).header["kid"] == keys.keys[0].kid


def test_a_token_from_another_key_does_not_verify(target):
    email = target.signed_up()
    result = target.sign_in(email)
    from joserfc.errors import BadSignatureError
    from joserfc.jwk import RSAKey

    other = KeySet([RSAKey.generate_key(2048, parameters={"kid": target.need_local().signer.kid})])
    with pytest.raises(BadSignatureError):
        jwt.decode(result["IdToken"], other, algorithms=["RS256"])


def test_email_sign_in_is_case_insensitive(target):
    mixed = "Alice-" + target.email().split("@")[0] + "@Example.com"
    target.idp.sign_up(ClientId=target.client_id, Username=mixed, Password=PASSWORD)
    target.idp.confirm_sign_up(
        ClientId=target.client_id,
        Username=mixed.lower(),
        ConfirmationCode=target.last_code(mixed.lower()),
    )
    result = target.sign_in(mixed.upper())
    claims = jwt.decode(result["IdToken"], _jwks(target)).claims
    assert claims["email"] == mixed.lower()


def test_unknown_user_and_wrong_password_look_the_same(target):
    email = target.signed_up()
    errors = []
    for username, password in ((email, "Wr0ng-password"), (target.email(), "Wr0ng-password")):
        with pytest.raises(ClientError) as exc:
            target.sign_in(username, password)
        errors.append(exc.value.response["Error"])
    assert errors[0] == errors[1]
    assert errors[0]["Code"] == "NotAuthorizedException"


def test_unconfirmed_user_with_right_password_is_not_confirmed(target):
    email = target.email()
    target.idp.sign_up(ClientId=target.client_id, Username=email, Password=PASSWORD)
    with pytest.raises(ClientError) as exc:
        target.sign_in(email)
    assert error_code(exc) == "UserNotConfirmedException"


def test_repeated_wrong_passwords_lock_sign_in(target):
    pool = target.need_local()
    email = target.signed_up()
    for _ in range(pool.settings.password_max_failures):
        with pytest.raises(ClientError):
            target.sign_in(email, "Wr0ng-password")
    with pytest.raises(ClientError) as exc:
        target.sign_in(email)  # the right password, during the lockout
    assert error_code(exc) == "NotAuthorizedException"
    assert "attempts exceeded" in exc.value.response["Error"]["Message"]
    pool.clock.advance(901)
    assert target.sign_in(email)["AccessToken"]


def test_flow_not_enabled_for_client_is_invalid_parameter(target):
    pool = target.need_local()
    pool.clients["demo"].explicit_auth_flows.remove("ALLOW_USER_PASSWORD_AUTH")
    with pytest.raises(ClientError) as exc:
        target.sign_in(target.email())
    assert error_code(exc) == "InvalidParameterException"


def test_refresh_token_gives_new_tokens_for_the_same_sign_in(target):
    email = target.signed_up()
    first = target.sign_in(email)
    out = target.idp.initiate_auth(
        ClientId=target.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": first["RefreshToken"]},
    )["AuthenticationResult"]
    assert "RefreshToken" not in out
    old = jwt.decode(first["IdToken"], _jwks(target)).claims
    new = jwt.decode(out["IdToken"], _jwks(target)).claims
    assert new["sub"] == old["sub"] and new["auth_time"] == old["auth_time"]
    assert new["origin_jti"] == old["origin_jti"] and new["jti"] != old["jti"]
    assert target.idp.get_user(AccessToken=out["AccessToken"])["Username"] == old["sub"]


@pytest.mark.parametrize("token", ["", "not-a-refresh-token"])
def test_invalid_refresh_token_is_not_authorized(target, token):
    with pytest.raises(ClientError) as exc:
        target.idp.initiate_auth(
            ClientId=target.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": token or "x"},
        )
    assert error_code(exc) == "NotAuthorizedException"


def test_refresh_token_of_another_client_is_refused(target):
    pool = target.need_local()
    email = target.signed_up()
    refresh = target.sign_in(email)["RefreshToken"]
    from app.userpool import secret_hash

    with pytest.raises(ClientError) as exc:
        target.idp.initiate_auth(
            ClientId="gatehouse",
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={
                "REFRESH_TOKEN": refresh,
                "SECRET_HASH": secret_hash("gatehouse", pool.clients["gatehouse"].secret, email),
            },
        )
    assert error_code(exc) == "NotAuthorizedException"
