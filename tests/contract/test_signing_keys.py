"""The local pool's signing key rotates: during a rotation the JWKS has both keys, the new one
signs, tokens signed with the old one still verify, until the old key is retired."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from .conftest import error_code


def _published(client, pool) -> KeySet:
    """The JWKS where the pool publishes it."""
    return KeySet.import_key_set(client.get(f"/_localpool/{pool.id}/.well-known/jwks.json").json)


def test_rotate_then_retire(make_app, target):
    pool = target.need_local()
    app = make_app(aws_max_attempts=1)  # the CLI and the JWKS of a second process
    web, runner = app.test_client(), app.test_cli_runner()
    email = target.signed_up()
    old = target.sign_in(email)
    old_kid = pool.signer.kid

    result = runner.invoke(args=["localpool", "rotate-key"])
    assert result.exit_code == 0, result.output
    new_kid = pool.signer.kid  # this process sees the rotation the other one made
    assert new_kid != old_kid and new_kid in result.output
    keys = _published(web, pool)
    assert [k.kid for k in keys.keys] == [new_kid, old_kid]

    new = target.sign_in(email)
    assert jwt.decode(new["IdToken"], keys).header["kid"] == new_kid
    for token in (old["IdToken"], old["AccessToken"], new["AccessToken"]):
        jwt.decode(token, keys, algorithms=["RS256"])  # both verify against the JWKS
    target.idp.get_user(AccessToken=old["AccessToken"])  # and the pool takes both

    result = runner.invoke(args=["localpool", "retire-keys"])
    assert result.exit_code == 0 and old_kid in result.output
    keys = _published(web, pool)
    assert [k.kid for k in keys.keys] == [new_kid]
    jwt.decode(new["IdToken"], keys, algorithms=["RS256"])
    with pytest.raises(JoseError):
        jwt.decode(old["IdToken"], keys, algorithms=["RS256"])
    with pytest.raises(ClientError) as exc:
        target.idp.get_user(AccessToken=old["AccessToken"])
    assert error_code(exc) == "NotAuthorizedException"
    target.idp.get_user(AccessToken=new["AccessToken"])


def test_derived_secrets_survive_a_rotation(target):
    pool = target.need_local()
    before = pool.signer.derive("srp-decoy")
    pool.signer.keys.rotate()
    pool.signer.keys.retire()
    assert pool.signer.derive("srp-decoy") == before


def test_the_private_keys_are_read_again_only_after_a_rotation(target):
    pool = target.need_local()
    email = target.signed_up()
    tokens = target.sign_in(email)
    statements: list[str] = []
    pool.db._conn.set_trace_callback(statements.append)
    try:
        target.idp.get_user(AccessToken=tokens["AccessToken"])  # verifies the token
        target.sign_in(email)  # signs new ones
        unchanged = [s for s in statements if "jwk" in s]
        pool.signer.keys.rotate()
        statements.clear()
        assert target.sign_in(email)["AccessToken"]
        rotated = [s for s in statements if "jwk" in s and "SELECT" in s]
    finally:
        pool.db._conn.set_trace_callback(None)
    assert unchanged == []  # the kids alone said the keys were the same
    assert rotated  # a new kid: the keys are read again
