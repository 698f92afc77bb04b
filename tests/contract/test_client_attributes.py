"""An app client's ReadAttributes and WriteAttributes: what GetUser answers and the ID token
carries for a client, what SignUp and UpdateUserAttributes may write through it, and the
checks CreateUserPoolClient and UpdateUserPoolClient make of the lists. Admin* calls
(credentials, not a client) are not limited by them."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import PASSWORD, error_code
from .test_group_claims import _payload

FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
# The user API (GetUser, UpdateUserAttributes) needs the admin scope in the access token, which
# the seed's PreTokenGeneration trigger withholds from a client not allowed it.
OAUTH = {
    "AllowedOAuthFlowsUserPoolClient": True,
    "AllowedOAuthFlows": ["code"],
    "AllowedOAuthScopes": ["openid", "email", "aws.cognito.signin.user.admin"],
    "CallbackURLs": ["https://app.example.com/callback"],
    "SupportedIdentityProviders": ["COGNITO"],
}
UNAUTHORIZED = "A client attempted to write unauthorized attribute"
TEMPORARY = "Temp-passw0rd"


@pytest.fixture
def client_with(made):
    """Make a public app client allowed the user API, with these CreateUserPoolClient
    arguments; returns its id (deleted after the test)."""

    def make(**params) -> str:
        return made(ClientName="attributes", ExplicitAuthFlows=FLOWS, **OAUTH, **params)["ClientId"]

    return make


def _tokens(target, client_id: str, email: str) -> dict:
    """USER_PASSWORD_AUTH through one app client; returns AuthenticationResult."""
    return target.idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]


def _get_user(target, access: str) -> dict[str, str]:
    """GetUser's attributes as a dict."""
    listed = target.idp.get_user(AccessToken=access)["UserAttributes"]
    return {a["Name"]: a["Value"] for a in listed}


def _admin_attributes(target, email: str) -> dict[str, str]:
    """AdminGetUser's attributes as a dict."""
    user = target.idp.admin_get_user(UserPoolId=target.pool_id, Username=email)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def _message(excinfo) -> str:
    """The Cognito error message of a raised ClientError."""
    return excinfo.value.response["Error"]["Message"]


def _invited(target) -> str:
    """A user an administrator made, with a temporary password and an unverified email."""
    email = target.email()
    target.idp.admin_create_user(
        UserPoolId=target.pool_id,
        Username=email,
        TemporaryPassword=TEMPORARY,
        MessageAction="SUPPRESS",
    )
    return email


def _user_with_names(target) -> str:
    """A confirmed user with a name and a family name; returns the email."""
    email = target.signed_up()
    target.idp.admin_update_user_attributes(
        UserPoolId=target.pool_id,
        Username=email,
        UserAttributes=[
            {"Name": "name", "Value": "Ada Lovelace"},
            {"Name": "family_name", "Value": "Lovelace"},
        ],
    )
    return email


def test_get_user_and_the_id_token_carry_only_what_the_client_may_read(target, client_with):
    email = _user_with_names(target)
    narrow = client_with(ReadAttributes=["email", "name"])
    tokens = _tokens(target, narrow, email)
    seen = _get_user(target, tokens["AccessToken"])
    assert seen["email"] == email and seen["name"] == "Ada Lovelace"
    assert "family_name" not in seen and "email_verified" not in seen
    claims = _payload(tokens["IdToken"])
    assert claims["email"] == email and claims["name"] == "Ada Lovelace"
    assert "family_name" not in claims and "email_verified" not in claims
    # An empty list (the default) reads every attribute, the verification flags included.
    everything = _tokens(target, client_with(), email)
    assert _get_user(target, everything["AccessToken"])["family_name"] == "Lovelace"
    assert _payload(everything["IdToken"])["email_verified"] is True
    # Credentials, not a client: AdminGetUser is not limited.
    assert _admin_attributes(target, email)["family_name"] == "Lovelace"


def test_sign_up_writes_only_what_the_client_may_write(target, client_with):
    client_id = client_with(WriteAttributes=["email", "name"])
    allowed = target.email()
    target.idp.sign_up(
        ClientId=client_id,
        Username=allowed,
        Password=PASSWORD,
        UserAttributes=[{"Name": "name", "Value": "Ada"}],
    )
    assert _admin_attributes(target, allowed)["name"] == "Ada"
    refused = target.email()
    with pytest.raises(ClientError) as exc:
        target.idp.sign_up(
            ClientId=client_id,
            Username=refused,
            Password=PASSWORD,
            UserAttributes=[
                {"Name": "name", "Value": "Ada"},
                {"Name": "family_name", "Value": "Lovelace"},
            ],
        )
    assert error_code(exc) == "NotAuthorizedException" and _message(exc) == UNAUTHORIZED
    with pytest.raises(ClientError) as gone:
        target.idp.admin_get_user(UserPoolId=target.pool_id, Username=refused)
    assert error_code(gone) == "UserNotFoundException"


def test_sign_up_may_not_mark_its_own_email_verified(target):
    """A client that names no write list may write every attribute but the verification
    flags: only a confirmed code (or an administrator) verifies an email."""
    with pytest.raises(ClientError) as exc:
        target.idp.sign_up(
            ClientId=target.client_id,
            Username=target.email(),
            Password=PASSWORD,
            UserAttributes=[{"Name": "email_verified", "Value": "true"}],
        )
    assert error_code(exc) == "NotAuthorizedException" and _message(exc) == UNAUTHORIZED


def test_update_user_attributes_writes_only_what_the_client_may_write(target, client_with):
    email = _user_with_names(target)
    access = _tokens(target, client_with(WriteAttributes=["email", "name"]), email)["AccessToken"]
    target.idp.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "name", "Value": "Ada King"}]
    )
    with pytest.raises(ClientError) as exc:
        target.idp.update_user_attributes(
            AccessToken=access,
            UserAttributes=[
                {"Name": "name", "Value": "Countess"},
                {"Name": "family_name", "Value": "King"},
            ],
        )
    assert error_code(exc) == "NotAuthorizedException" and _message(exc) == UNAUTHORIZED
    # The whole call was refused: not even the writable attribute changed.
    stored = _admin_attributes(target, email)
    assert stored["name"] == "Ada King" and stored["family_name"] == "Lovelace"
    # Credentials, not a client: AdminUpdateUserAttributes is not limited.
    target.idp.admin_update_user_attributes(
        UserPoolId=target.pool_id,
        Username=email,
        UserAttributes=[{"Name": "family_name", "Value": "King"}],
    )
    assert _admin_attributes(target, email)["family_name"] == "King"


def test_a_user_may_not_verify_their_own_email_through_a_default_client(target):
    email = _invited(target)
    target.idp.admin_set_user_password(
        UserPoolId=target.pool_id, Username=email, Password=PASSWORD, Permanent=True
    )
    access = target.sign_in(email)["AccessToken"]
    with pytest.raises(ClientError) as exc:
        target.idp.update_user_attributes(
            AccessToken=access, UserAttributes=[{"Name": "email_verified", "Value": "true"}]
        )
    assert error_code(exc) == "NotAuthorizedException" and _message(exc) == UNAUTHORIZED
    assert _admin_attributes(target, email)["email_verified"] == "false"


def test_a_client_that_names_email_verified_may_write_it(target, client_with):
    email = _invited(target)
    target.idp.admin_set_user_password(
        UserPoolId=target.pool_id, Username=email, Password=PASSWORD, Permanent=True
    )
    client_id = client_with(WriteAttributes=["email", "email_verified"])
    access = _tokens(target, client_id, email)["AccessToken"]
    target.idp.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "email_verified", "Value": "true"}]
    )
    assert _admin_attributes(target, email)["email_verified"] == "true"


def _required(target) -> list[str]:
    """The pool's required attributes, as DescribeUserPool lists them."""
    schema = target.idp.describe_user_pool(UserPoolId=target.pool_id)["UserPool"]
    return [a["Name"] for a in schema.get("SchemaAttributes", []) if a.get("Required")]


def test_a_write_list_without_a_required_attribute_is_refused(target, client_with):
    required = _required(target)
    if not required:
        pytest.skip("the pool has no required attribute")
    leaving_out = next(name for name in ("nickname", "website", "locale") if name not in required)
    with pytest.raises(ClientError) as exc:
        client_with(WriteAttributes=[leaving_out])
    assert error_code(exc) == "InvalidParameterException"
    assert _message(exc) == "Invalid write attributes specified while creating a client"
    client_id = client_with(WriteAttributes=[*required, leaving_out])
    with pytest.raises(ClientError) as exc:
        target.idp.update_user_pool_client(
            UserPoolId=target.pool_id,
            ClientId=client_id,
            ExplicitAuthFlows=FLOWS,
            **OAUTH,
            WriteAttributes=[leaving_out],
        )
    assert error_code(exc) == "InvalidParameterException"
    assert _message(exc) == "Invalid write attributes specified while updating a client"
    described = target.idp.describe_user_pool_client(UserPoolId=target.pool_id, ClientId=client_id)[
        "UserPoolClient"
    ]
    assert sorted(described["WriteAttributes"]) == sorted([*required, leaving_out])


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("ReadAttributes", "Invalid read attributes specified while creating a client"),
        ("WriteAttributes", "Invalid write attributes specified while creating a client"),
    ],
)
def test_a_list_naming_an_attribute_the_schema_lacks_is_refused(target, client_with, key, words):
    with pytest.raises(ClientError) as exc:
        client_with(**{key: ["email", "custom:no_such_attribute"]})
    assert error_code(exc) == "InvalidParameterException" and _message(exc) == words


def test_the_new_password_challenge_writes_only_what_the_client_may_write(target, client_with):
    email = _invited(target)
    client_id = client_with(WriteAttributes=["email", "name"])

    def answer(**attributes: str) -> dict:
        """Start a sign-in with the temporary password and answer NEW_PASSWORD_REQUIRED."""
        started = target.idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": TEMPORARY},
        )
        responses = {"USERNAME": email, "NEW_PASSWORD": PASSWORD}
        responses.update({f"userAttributes.{k}": v for k, v in attributes.items()})
        return target.idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=started["Session"],
            ChallengeResponses=responses,
        )

    with pytest.raises(ClientError) as exc:
        answer(name="Ada", family_name="Lovelace")
    assert error_code(exc) == "NotAuthorizedException" and _message(exc) == UNAUTHORIZED
    user = target.idp.admin_get_user(UserPoolId=target.pool_id, Username=email)
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert answer(name="Ada")["AuthenticationResult"]["IdToken"]
    assert _admin_attributes(target, email)["name"] == "Ada"


def test_a_token_of_a_deleted_client_reads_and_writes_nothing(target, client_with):
    """The local pool's choice (not compared with a live pool): without its client, a token's
    permissions are unknown, and the defaults would allow more than the client did."""
    target.need_local()
    email = _user_with_names(target)
    client_id = client_with(ReadAttributes=["email"], WriteAttributes=["email"])
    access = _tokens(target, client_id, email)["AccessToken"]
    target.idp.delete_user_pool_client(UserPoolId=target.pool_id, ClientId=client_id)
    for call in (
        lambda: target.idp.get_user(AccessToken=access),
        lambda: target.idp.update_user_attributes(
            AccessToken=access, UserAttributes=[{"Name": "family_name", "Value": "King"}]
        ),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc) == "NotAuthorizedException"
    assert _admin_attributes(target, email)["family_name"] == "Lovelace"
