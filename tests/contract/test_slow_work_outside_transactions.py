"""Argon2 and SRP's exponentiations never run inside the local pool's write transactions, so
several processes on one database do not queue behind them ("database is locked")."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from pycognito.aws_srp import AWSSRP

from app.config import DEFAULT_SEED
from app.localpool import passwords, srp
from app.localpool.db import Database
from tests.conftest import code_in

PASSWORD = "Corr3ct-horse"


@pytest.fixture
def slow_calls(monkeypatch):
    """Every slow call made, with whether a write transaction was open in its thread."""
    writing = threading.local()
    calls: list[tuple[str, bool]] = []
    transaction = Database.transaction

    @contextmanager
    def tracked(self):
        with transaction(self) as conn:
            depth = getattr(writing, "depth", 0)
            writing.depth = depth + 1
            try:
                yield conn
            finally:
                writing.depth = depth

    def spy(name, fn):
        def call(*args, **kwargs):
            calls.append((name, getattr(writing, "depth", 0) > 0))
            return fn(*args, **kwargs)

        return call

    monkeypatch.setattr(Database, "transaction", tracked)
    hasher = passwords._HASHER

    class Hasher:
        """Argon2's hasher, watched."""

        hash = staticmethod(spy("argon2.hash", hasher.hash))
        verify = staticmethod(spy("argon2.verify", hasher.verify))

    monkeypatch.setattr(passwords, "_HASHER", Hasher())
    for name in ("new_verifier", "server_values", "session_key"):
        monkeypatch.setattr(srp, name, spy(f"srp.{name}", getattr(srp, name)))
    return calls


def test_no_password_work_inside_a_write_transaction(make_app, tmp_path, slow_calls):
    seed = tmp_path / "seed.toml"
    seed.write_text(
        DEFAULT_SEED.read_text()
        + f'\n[[users]]\nemail = "seeded@example.com"\npassword = "{PASSWORD}"\n'
    )
    app = make_app(localpool_seed=seed)
    pool = app.extensions["gatehouse.localpool"]
    idp = app.extensions["gatehouse.userpool"].client
    outbox = pool.mail.outbox.directory

    def last_code(to: str) -> str:
        mails = sorted(outbox.glob("*.eml"))
        return code_in([m for m in mails if to in m.read_text()][-1].read_text())

    email = "person@example.com"
    idp.sign_up(ClientId="demo", Username=email, Password=PASSWORD)
    idp.confirm_sign_up(ClientId="demo", Username=email, ConfirmationCode=last_code(email))
    auth = {"USERNAME": email, "PASSWORD": PASSWORD}
    access = idp.initiate_auth(ClientId="demo", AuthFlow="USER_PASSWORD_AUTH", AuthParameters=auth)[
        "AuthenticationResult"
    ]["AccessToken"]
    for wrong in (email, "nobody@example.com"):
        with pytest.raises(idp.exceptions.NotAuthorizedException):
            idp.initiate_auth(
                ClientId="demo",
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": wrong, "PASSWORD": "Wr0ng-password"},
            )
    idp.change_password(AccessToken=access, PreviousPassword=PASSWORD, ProposedPassword="N3w-pass")
    idp.forgot_password(ClientId="demo", Username=email)
    idp.confirm_forgot_password(
        ClientId="demo", Username=email, ConfirmationCode=last_code(email), Password=PASSWORD
    )
    for user, password in ((email, PASSWORD), ("nobody@example.com", PASSWORD)):
        aws = AWSSRP(user, password, pool.id, "demo", client=idp)
        try:
            aws.authenticate_user()
        except idp.exceptions.NotAuthorizedException:
            assert user == "nobody@example.com"
    invited = "invited@example.com"
    idp.admin_create_user(UserPoolId=pool.id, Username=invited, TemporaryPassword="Temp0rary-pass")
    started = idp.initiate_auth(
        ClientId="demo",
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": invited, "PASSWORD": "Temp0rary-pass"},
    )
    idp.respond_to_auth_challenge(
        ClientId="demo",
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=started["Session"],
        ChallengeResponses={"USERNAME": invited, "NEW_PASSWORD": PASSWORD},
    )

    made = {name for name, _ in slow_calls}
    assert {"argon2.hash", "argon2.verify", "srp.new_verifier", "srp.server_values"} <= made
    assert "srp.session_key" in made
    inside = [name for name, in_transaction in slow_calls if in_transaction]
    assert not inside, f"slow work inside a write transaction: {inside}"


def test_no_password_work_inside_a_write_transaction_on_the_admin_sign_in(make_app, slow_calls):
    """AdminInitiateAuth's password flow checks the password before its transaction too (its
    own preparation, not InitiateAuth's), for a right, a wrong and an unknown user's password."""
    app = make_app()
    pool = app.extensions["gatehouse.localpool"]
    idp = app.extensions["gatehouse.userpool"].client
    email = "admin-signed@example.com"
    idp.admin_create_user(UserPoolId=pool.id, Username=email, MessageAction="SUPPRESS")
    idp.admin_set_user_password(
        UserPoolId=pool.id, Username=email, Password=PASSWORD, Permanent=True
    )
    slow_calls.clear()  # setting the password hashes it; only the sign-ins are watched
    for user, password in ((email, PASSWORD), (email, "Wr0ng-password"), ("no@example.com", "x")):
        try:
            idp.admin_initiate_auth(
                UserPoolId=pool.id,
                ClientId="demo",
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": user, "PASSWORD": password},
            )
        except idp.exceptions.NotAuthorizedException:
            assert password != PASSWORD
    assert [name for name, _ in slow_calls].count("argon2.verify") >= 3
    inside = [name for name, in_transaction in slow_calls if in_transaction]
    assert not inside, f"slow work inside a write transaction: {inside}"
