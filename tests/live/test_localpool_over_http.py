"""The issue's acceptance, through boto3 alone against `/_localpool/` of a running server."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid

import pytest
from botocore.exceptions import ClientError
from joserfc import jwt
from joserfc.jwk import KeySet

from app.mail.outbox import Outbox
from tests.conftest import code_in

from .conftest import local_idp

PASSWORD = "Corr3ct-horse"


@pytest.fixture(scope="module")
def idp(live):
    """A plain boto3 client whose endpoint is the live local pool."""
    return local_idp(live)


@pytest.fixture(scope="module")
def pool_id(idp):
    return idp.describe_user_pool_client(UserPoolId="us-east-1_gatehouse", ClientId="demo")[
        "UserPoolClient"
    ]["UserPoolId"]


def last_code(live, to: str) -> str:
    mails = Outbox(live.data_dir / "outbox").messages(to)
    assert mails, f"no email to {to}"
    return code_in(mails[-1].text)


def fresh(prefix: str = "live") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"


def test_healthz(live):
    with urllib.request.urlopen(f"{live.url}/healthz") as response:
        assert response.status == 200


def test_sign_up_confirm_sign_in_and_verify_against_the_jwks(live, idp, pool_id):
    email = fresh()
    idp.sign_up(ClientId="demo", Username=email, Password=PASSWORD)
    raw = next((live.data_dir / "outbox").glob("*.eml")).read_bytes()
    assert b"Content-Type: multipart/alternative" in raw and b"text/html" in raw
    idp.confirm_sign_up(ClientId="demo", Username=email, ConfirmationCode=last_code(live, email))
    tokens = idp.initiate_auth(
        ClientId="demo",
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    issuer = f"{live.url}/_localpool/{pool_id}"
    with urllib.request.urlopen(f"{issuer}/.well-known/jwks.json") as response:
        keys = KeySet.import_key_set(json.load(response))
    claims = jwt.decode(tokens["IdToken"], keys, algorithms=["RS256"]).claims
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": "demo"},
        token_use={"essential": True, "value": "id"},
        exp={"essential": True},
    ).validate(claims)
    assert claims["exp"] > time.time()
    assert claims["email"] == email


def test_wrong_code_then_lock(live, idp):
    email = fresh()
    idp.sign_up(ClientId="demo", Username=email, Password=PASSWORD)
    right = last_code(live, email)
    wrong = "000000" if right != "000000" else "111111"
    codes = []
    for _ in range(6):
        try:
            idp.confirm_sign_up(ClientId="demo", Username=email, ConfirmationCode=wrong)
        except ClientError as exc:
            codes.append(exc.response["Error"]["Code"])
    assert codes == ["CodeMismatchException"] * 5 + ["TooManyFailedAttemptsException"]


def test_unknown_user_and_wrong_password_are_the_same(live, idp):
    email = fresh()
    idp.sign_up(ClientId="demo", Username=email, Password=PASSWORD)
    idp.confirm_sign_up(ClientId="demo", Username=email, ConfirmationCode=last_code(live, email))
    errors = []
    for name in (email, fresh("nobody")):
        with pytest.raises(ClientError) as exc:
            idp.initiate_auth(
                ClientId="demo",
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": name, "PASSWORD": "Wr0ng-password"},
            )
        errors.append(exc.value.response["Error"])
    assert errors[0] == errors[1] and errors[0]["Code"] == "NotAuthorizedException"


def test_mixed_case_email_signs_in_as_lowercase(live, idp):
    local = f"Alice{uuid.uuid4().hex[:6]}"
    idp.sign_up(ClientId="demo", Username=f"{local}@Example.com", Password=PASSWORD)
    lower = f"{local.lower()}@example.com"
    idp.confirm_sign_up(ClientId="demo", Username=lower, ConfirmationCode=last_code(live, lower))
    tokens = idp.initiate_auth(
        ClientId="demo",
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": f"{local}@Example.com", "PASSWORD": PASSWORD},
    )
    claims = jwt.decode(tokens["AuthenticationResult"]["IdToken"], _keys(live)).claims
    assert claims["email"] == lower


def _keys(live) -> KeySet:
    with urllib.request.urlopen(
        f"{live.url}/_localpool/us-east-1_gatehouse/.well-known/jwks.json"
    ) as r:
        return KeySet.import_key_set(json.load(r))


def test_email_change_waits_for_verification(live, idp):
    old, new = fresh(), fresh()
    idp.sign_up(ClientId="demo", Username=old, Password=PASSWORD)
    idp.confirm_sign_up(ClientId="demo", Username=old, ConfirmationCode=last_code(live, old))
    access = idp.initiate_auth(
        ClientId="demo",
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": old, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["AccessToken"]
    idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "email", "Value": new}])

    def email_now():
        return {a["Name"]: a["Value"] for a in idp.get_user(AccessToken=access)["UserAttributes"]}[
            "email"
        ]

    assert email_now() == old
    idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=last_code(live, new))
    assert email_now() == new


def test_throttle_above_the_configured_rate(live, idp):
    rps = 2  # the live server's seed: UserAccountRecovery = 2
    codes = []
    started = time.monotonic()
    for _ in range(10):
        try:
            idp.forgot_password(ClientId="demo", Username=fresh("throttle"))
            codes.append("ok")
        except ClientError as exc:
            codes.append(exc.response["Error"]["Code"])
    elapsed = time.monotonic() - started
    assert "TooManyRequestsException" in codes
    assert set(codes) <= {"ok", "TooManyRequestsException"}
    # Never more successes than the rate allows in the time the calls took.
    assert codes.count("ok") <= rps * (int(elapsed) + 1)


def test_admin_calls_need_a_signature(live):
    request = urllib.request.Request(
        f"{live.url}/_localpool/",
        data=b'{"UserPoolId": "us-east-1_gatehouse"}',
        method="POST",
        headers={
            "X-Amz-Target": "AWSCognitoIdentityProviderService.DescribeUserPool",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(request)
    assert exc.value.code == 400
    assert json.load(exc.value)["__type"] == "MissingAuthenticationTokenException"
