"""The contract suite's target: a user pool reached through boto3 only.

It always runs against the local pool. With ``GATEHOUSE_CONTRACT_POOL`` (pool id),
``GATEHOUSE_CONTRACT_CLIENT`` (a public app client allowing USER_PASSWORD_AUTH, SRP,
ADMIN_USER_PASSWORD_AUTH, refresh and custom auth) and AWS credentials in the environment,
the same tests also run against that real pool; tests that must read an email or change the
pool's configuration run locally only.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.validate import validate_parameters

from app.mail.outbox import Outbox
from tests.conftest import code_in

TARGETS = ["local"]
if os.environ.get("GATEHOUSE_CONTRACT_POOL"):
    TARGETS.append("cognito")

PASSWORD = "Corr3ct-horse"


@dataclass
class Target:
    """What a contract test needs to know about the pool under test."""

    idp: Any
    pool_id: str
    client_id: str
    outbox: Outbox | None = None
    local: Any = None
    # The local pool's HTTP side (its OAuth2 domain), through the app's test client.
    http: Any = None

    def email(self) -> str:
        """A fresh address for one test."""
        return f"contract-{uuid.uuid4().hex[:10]}@example.com"

    def last_code(self, to: str) -> str:
        """The code in the newest email to ``to`` (local pool only)."""
        if self.outbox is None:
            pytest.skip("reading an email needs the local pool's outbox")
        mails = self.outbox.messages(to)
        assert mails, f"no email to {to}"
        return code_in(mails[-1].text)

    def mails(self, to: str) -> list:
        """Every email to ``to`` (local pool only)."""
        if self.outbox is None:
            pytest.skip("reading an email needs the local pool's outbox")
        return self.outbox.messages(to)

    def need_local(self) -> Any:
        """The local pool itself, for tests that change its configuration or clock."""
        if self.local is None:
            pytest.skip("changes the pool's configuration: local pool only")
        return self.local

    def signed_up(self, email: str | None = None, password: str = PASSWORD) -> str:
        """Sign up and confirm a user; returns the email."""
        email = email or self.email()
        self.idp.sign_up(ClientId=self.client_id, Username=email, Password=password)
        self.idp.confirm_sign_up(
            ClientId=self.client_id, Username=email, ConfirmationCode=self.last_code(email)
        )
        return email

    def sign_in(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        """USER_PASSWORD_AUTH; returns AuthenticationResult."""
        out = self.idp.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
        return out["AuthenticationResult"]

    def srp(self, email: str, password: str = PASSWORD) -> Any:
        """pycognito's SRP client (AWSSRP) for one sign-in as this target's app client."""
        from pycognito.aws_srp import AWSSRP

        return AWSSRP(
            username=email,
            password=password,
            pool_id=self.pool_id,
            client_id=self.client_id,
            client=self.idp,
        )


@pytest.fixture(params=TARGETS)
def target(request, make_app) -> Target:
    """The pool under test, reached through a plain boto3 client (no retries)."""
    if request.param == "cognito":
        idp = boto3.client(
            "cognito-idp",
            region_name=os.environ.get("GATEHOUSE_CONTRACT_REGION", "us-east-1"),
            config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
        )
        return Target(
            idp, os.environ["GATEHOUSE_CONTRACT_POOL"], os.environ["GATEHOUSE_CONTRACT_CLIENT"]
        )
    app = make_app(aws_max_attempts=1)
    pool = app.extensions["gatehouse.localpool"]
    idp = app.extensions["gatehouse.userpool"].client
    check_response_shapes(idp)
    return Target(idp, pool.id, "demo", Outbox(pool.mail.outbox.directory), pool)


@pytest.fixture
def made(target):
    """Make app clients for one test (keyword arguments: CreateUserPoolClient's); each is
    deleted afterwards."""
    ids = []

    def make(**params):
        client = target.idp.create_user_pool_client(UserPoolId=target.pool_id, **params)
        ids.append(client["UserPoolClient"]["ClientId"])
        return client["UserPoolClient"]

    yield make
    for client_id in ids:
        try:
            target.idp.delete_user_pool_client(UserPoolId=target.pool_id, ClientId=client_id)
        except ClientError:
            pass


def check_response_shapes(idp) -> None:
    """Fail a test when the local pool answers with a field or type Cognito's model lacks."""

    def validate(http_response, parsed, model, **_):
        if http_response.status_code == 200 and model.output_shape is not None:
            body = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
            validate_parameters(body, model.output_shape)

    idp.meta.events.register("after-call.cognito-identity-provider", validate)


def error_code(excinfo) -> str:
    """The Cognito error code of a raised ClientError."""
    return excinfo.value.response["Error"]["Code"]
