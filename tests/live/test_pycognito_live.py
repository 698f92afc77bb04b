"""pycognito, a client nobody here wrote, signs in to the live local pool with SRP over HTTP."""

from __future__ import annotations

import uuid

import pyotp
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from pycognito import Cognito
from pycognito.exceptions import SoftwareTokenMFAChallengeException

from app.mail.outbox import Outbox
from tests.conftest import code_in

from .conftest import local_idp

POOL_ID = "us-east-1_gatehouse"
PASSWORD = "Corr3ct-horse"


def _cognito(live, email: str) -> Cognito:
    """pycognito for the demo client, its endpoint the live local pool (tokens verified
    against the pool's JWKS at ``<endpoint>/<pool id>/.well-known/jwks.json``)."""
    return Cognito(
        POOL_ID,
        "demo",
        username=email,
        botocore_config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
        boto3_client_kwargs={
            "endpoint_url": f"{live.url}/_localpool",
            "aws_access_key_id": "any",
            "aws_secret_access_key": "any",
        },
    )


def _signed_up(live) -> str:
    """A confirmed user of the live pool; returns the email."""
    email = f"srp-{uuid.uuid4().hex[:8]}@example.com"
    idp = local_idp(live)
    idp.sign_up(ClientId="demo", Username=email, Password=PASSWORD)
    code = code_in(Outbox(live.data_dir / "outbox").messages(email)[-1].text)
    idp.confirm_sign_up(ClientId="demo", Username=email, ConfirmationCode=code)
    return email


def test_pycognito_authenticates_with_srp(live):
    email = _signed_up(live)
    user = _cognito(live, email)
    user.authenticate(password=PASSWORD)
    assert user.id_claims["email"] == email and user.access_claims["token_use"] == "access"
    assert user.refresh_token
    assert user.get_user().email == email


def test_the_seeded_demo_user_signs_in_with_srp(live):
    user = _cognito(live, "demo@example.com")
    user.authenticate(password="Demo-passw0rd")
    assert user.id_claims["email"] == "demo@example.com"


def test_a_wrong_password_is_not_authorized(live):
    with pytest.raises(ClientError) as exc:
        _cognito(live, _signed_up(live)).authenticate(password="Wr0ng-password")
    assert exc.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_an_mfa_user_gets_software_token_mfa(live):
    email = _signed_up(live)
    idp = local_idp(live)
    access = idp.initiate_auth(
        ClientId="demo",
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["AccessToken"]
    secret = idp.associate_software_token(AccessToken=access)["SecretCode"]
    idp.verify_software_token(AccessToken=access, UserCode=pyotp.TOTP(secret).now())
    idp.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    user = _cognito(live, email)
    with pytest.raises(SoftwareTokenMFAChallengeException) as exc:
        user.authenticate(password=PASSWORD)
    assert exc.value.get_tokens()["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    user.respond_to_software_token_mfa_challenge(pyotp.TOTP(secret).now())
    assert user.id_claims["email"] == email
