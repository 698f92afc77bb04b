"""pycognito, a client nobody here wrote, signs in to the live local pool with SRP over HTTP."""

from __future__ import annotations

import uuid

import pyotp
import pytest
from botocore.exceptions import ClientError
from pycognito.exceptions import SoftwareTokenMFAChallengeException

from app.mail.outbox import Outbox
from tests.conftest import code_in

from .conftest import local_idp, pycognito_user

PASSWORD = "Corr3ct-horse"


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
    user = pycognito_user(live, email)
    user.authenticate(password=PASSWORD)
    assert user.id_claims["email"] == email and user.access_claims["token_use"] == "access"
    assert user.refresh_token
    assert user.get_user().email == email


def test_the_seeded_demo_user_signs_in_with_srp(live):
    user = pycognito_user(live, "demo@example.com")
    user.authenticate(password="Demo-passw0rd")
    assert user.id_claims["email"] == "demo@example.com"


def test_a_wrong_password_is_not_authorized(live):
    with pytest.raises(ClientError) as exc:
        pycognito_user(live, _signed_up(live)).authenticate(password="Wr0ng-password")
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
    user = pycognito_user(live, email)
    with pytest.raises(SoftwareTokenMFAChallengeException) as exc:
        user.authenticate(password=PASSWORD)
    assert exc.value.get_tokens()["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    user.respond_to_software_token_mfa_challenge(pyotp.TOTP(secret).now())
    assert user.id_claims["email"] == email
