"""GetUser, attribute updates and verification, DeleteUser, GlobalSignOut and RevokeToken."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import PASSWORD, error_code


def _attrs(user) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def test_get_user_and_a_bad_token(target):
    email = target.signed_up()
    access = target.sign_in(email)["AccessToken"]
    assert _attrs(target.idp.get_user(AccessToken=access))["email"] == email
    with pytest.raises(ClientError) as exc:
        target.idp.get_user(AccessToken=access[:-4] + "AAAA")
    assert error_code(exc) == "NotAuthorizedException"


def test_expired_access_token_is_refused(target):
    pool = target.need_local()
    access = target.sign_in(target.signed_up())["AccessToken"]
    pool.clock.advance(3601)
    with pytest.raises(ClientError) as exc:
        target.idp.get_user(AccessToken=access)
    assert error_code(exc) == "NotAuthorizedException"


def test_email_change_keeps_the_old_email_until_verified(target):
    old = target.signed_up()
    new = target.email()
    access = target.sign_in(old)["AccessToken"]
    out = target.idp.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "email", "Value": new}]
    )
    assert out["CodeDeliveryDetailsList"][0]["AttributeName"] == "email"
    assert _attrs(target.idp.get_user(AccessToken=access))["email"] == old
    with pytest.raises(ClientError):
        target.sign_in(new)  # not yet the sign-in email
    with pytest.raises(ClientError) as exc:
        target.idp.verify_user_attribute(
            AccessToken=access,
            AttributeName="email",
            Code="000000" if target.last_code(new) != "000000" else "111111",
        )
    assert error_code(exc) == "CodeMismatchException"
    target.idp.verify_user_attribute(
        AccessToken=access, AttributeName="email", Code=target.last_code(new)
    )
    attrs = _attrs(target.idp.get_user(AccessToken=access))
    assert attrs["email"] == new and attrs["email_verified"] == "true"
    assert target.sign_in(new)["AccessToken"]
    with pytest.raises(ClientError):
        target.sign_in(old)


def test_a_new_verification_code_can_be_requested(target):
    old = target.signed_up()
    new = target.email()
    access = target.sign_in(old)["AccessToken"]
    target.idp.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "email", "Value": new}]
    )
    out = target.idp.get_user_attribute_verification_code(AccessToken=access, AttributeName="email")
    assert out["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert len(target.mails(new)) == 2
    target.idp.verify_user_attribute(
        AccessToken=access, AttributeName="email", Code=target.last_code(new)
    )


def test_changing_to_an_email_in_use_is_alias_exists(target):
    taken = target.signed_up()
    access = target.sign_in(target.signed_up())["AccessToken"]
    with pytest.raises(ClientError) as exc:
        target.idp.update_user_attributes(
            AccessToken=access, UserAttributes=[{"Name": "email", "Value": taken}]
        )
    assert error_code(exc) == "AliasExistsException"


def test_immutable_attribute_is_invalid_parameter(target):
    access = target.sign_in(target.signed_up())["AccessToken"]
    with pytest.raises(ClientError) as exc:
        target.idp.update_user_attributes(
            AccessToken=access, UserAttributes=[{"Name": "sub", "Value": "x"}]
        )
    assert error_code(exc) == "InvalidParameterException"


def test_delete_user(target):
    email = target.signed_up()
    access = target.sign_in(email)["AccessToken"]
    target.idp.delete_user(AccessToken=access)
    with pytest.raises(ClientError) as exc:
        target.idp.admin_get_user(UserPoolId=target.pool_id, Username=email)
    assert error_code(exc) == "UserNotFoundException"
    with pytest.raises(ClientError) as exc:
        target.idp.get_user(AccessToken=access)
    assert error_code(exc) == "NotAuthorizedException"


def test_global_sign_out_revokes_access_and_refresh_tokens(target):
    email = target.signed_up()
    first = target.sign_in(email)
    second = target.sign_in(email)
    target.idp.global_sign_out(AccessToken=first["AccessToken"])
    for tokens in (first, second):
        with pytest.raises(ClientError) as exc:
            target.idp.get_user(AccessToken=tokens["AccessToken"])
        assert error_code(exc) == "NotAuthorizedException"
        with pytest.raises(ClientError) as exc:
            target.idp.initiate_auth(
                ClientId=target.client_id,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
            )
        assert error_code(exc) == "NotAuthorizedException"
    assert target.sign_in(email)["AccessToken"]  # signing in again works


def test_revoke_token_ends_one_sign_in_only(target):
    email = target.signed_up()
    revoked = target.sign_in(email)
    kept = target.sign_in(email)
    target.idp.revoke_token(Token=revoked["RefreshToken"], ClientId=target.client_id)
    with pytest.raises(ClientError) as exc:
        target.idp.get_user(AccessToken=revoked["AccessToken"])
    assert error_code(exc) == "NotAuthorizedException"
    with pytest.raises(ClientError):
        target.idp.initiate_auth(
            ClientId=target.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": revoked["RefreshToken"]},
        )
    assert target.idp.get_user(AccessToken=kept["AccessToken"])["Username"]


def test_another_clients_refresh_token_is_not_revoked(target):
    """The developer guide: refresh tokens must be revoked with the client that obtained them.
    The API answers UnauthorizedException (its one error for an unauthorized request); the
    OAuth2 domain's /oauth2/revoke answers 200 for a token that is not valid for the client."""
    pool = target.need_local()  # needs a second app client allowing password sign-in
    email = target.signed_up()
    tokens = target.idp.initiate_auth(
        ClientId="northwind",
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    with pytest.raises(ClientError) as exc:
        target.idp.revoke_token(Token=tokens["RefreshToken"], ClientId=target.client_id)
    assert error_code(exc) == "UnauthorizedException"
    # Nothing was revoked: the tokens still work for the client they were issued to.
    refreshed = target.idp.initiate_auth(
        ClientId="northwind",
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
    )
    assert refreshed["AuthenticationResult"]["AccessToken"]
    # (northwind may not have the admin scope, so GetUser is not the check here: the record is.)
    with pool.db.transaction() as conn:
        assert not pool.refresh_record(conn, tokens["RefreshToken"])["revoked"]


def test_revoking_an_access_token_is_unsupported(target):
    tokens = target.sign_in(target.signed_up())
    with pytest.raises(ClientError) as exc:
        target.idp.revoke_token(Token=tokens["AccessToken"], ClientId=target.client_id)
    assert error_code(exc) == "UnsupportedTokenTypeException"


def test_password_is_unchanged_by_profile_calls(target):
    email = target.signed_up()
    access = target.sign_in(email)["AccessToken"]
    target.idp.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "name", "Value": "Ada"}]
    )
    assert _attrs(target.idp.get_user(AccessToken=access))["name"] == "Ada"
    assert target.sign_in(email, PASSWORD)["AccessToken"]


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("get_user", {}),
        ("update_user_attributes", {"UserAttributes": [{"Name": "name", "Value": "x"}]}),
        ("verify_user_attribute", {"AttributeName": "email", "Code": "123456"}),
        ("get_user_attribute_verification_code", {"AttributeName": "email"}),
        ("delete_user", {}),
        ("global_sign_out", {}),
        ("change_password", {"PreviousPassword": PASSWORD, "ProposedPassword": "N3w-password!"}),
        ("associate_software_token", {}),
        ("verify_software_token", {"UserCode": "123456"}),
        ("set_user_mfa_preference", {"SoftwareTokenMfaSettings": {"Enabled": False}}),
    ],
)
def test_token_operations_refuse_a_forged_token(target, method, params):
    tokens = target.sign_in(target.signed_up())
    header, claims, _ = tokens["AccessToken"].split(".")
    forged = f"{header}.{claims}.{tokens['IdToken'].split('.')[2]}"  # another token's signature
    with pytest.raises(ClientError) as exc:
        getattr(target.idp, method)(AccessToken=forged, **params)
    assert error_code(exc) == "NotAuthorizedException"


def test_verification_code_for_another_attribute_is_invalid_parameter(target):
    access = target.sign_in(target.signed_up())["AccessToken"]
    with pytest.raises(ClientError) as exc:
        target.idp.get_user_attribute_verification_code(AccessToken=access, AttributeName="name")
    assert error_code(exc) == "InvalidParameterException"
