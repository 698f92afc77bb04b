"""LocalPool.purge deletes what nothing can use any more and keeps every live record."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from app.mail.outbox import Outbox

from .conftest import PASSWORD, Target, error_code

DAY = 86400
TABLES = (
    "codes",
    "sends",
    "auth_sessions",
    "passkey_challenges",
    "domain_records",
    "refresh_tokens",
    "revoked_origins",
)


def local(make_app):
    """The app on the fake clock, and a contract target on its local pool."""
    app = make_app(aws_max_attempts=1)
    pool = app.extensions["gatehouse.localpool"]
    idp = app.extensions["gatehouse.userpool"].client
    return Target(idp, pool.id, "demo", Outbox(pool.mail.outbox.directory), pool), app


def rows(pool) -> dict[str, int]:
    """How many rows each purged table holds."""
    with pool.db.transaction() as conn:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}


def one_of_each(target, app) -> None:
    """A sign-up code and its send, a refresh token, a revoked one, a challenge session, a
    passkey registration's challenge and a pending authorize request of the OAuth2 domain."""
    idp = target.idp
    idp.sign_up(ClientId="demo", Username=target.email(), Password=PASSWORD)
    email = target.signed_up()
    access = target.sign_in(email)["AccessToken"]
    idp.start_web_authn_registration(AccessToken=access)  # a pending passkey challenge
    revoked = target.sign_in(email)["RefreshToken"]
    idp.revoke_token(Token=revoked, ClientId="demo")
    invited = target.email()
    idp.admin_create_user(
        UserPoolId=target.pool_id,
        Username=invited,
        TemporaryPassword=PASSWORD,
        MessageAction="SUPPRESS",
    )
    challenge = idp.initiate_auth(
        ClientId="demo",
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": invited, "PASSWORD": PASSWORD},
    )
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    page = app.test_client().get(
        "/_localpool/oauth2/authorize",
        query_string={
            "client_id": "demo",
            "redirect_uri": target.local.clients["demo"].callback_urls[0],
            "response_type": "code",
            "identity_provider": "Google",
        },
    )
    assert page.status_code == 200


def test_purge_deletes_expired_records_and_keeps_live_ones(make_app, clock):
    target, app = local(make_app)
    pool = target.local
    one_of_each(target, app)
    before = rows(pool)
    assert all(before.values()), before
    assert pool.purge() == dict.fromkeys(TABLES, 0)  # nothing has expired yet

    # Two days on: codes (24 h, plus a day of grace), sends (the hourly limit's hour), the
    # challenge session (3 min), the authorize request (15 min) and the revoked refresh
    # token's record (no access token from it can be live after 60 min) have all expired.
    clock.advance(2 * DAY + 1)
    assert pool.purge() == {**before, "refresh_tokens": 0}  # those live 30 days
    assert rows(pool) == {**dict.fromkeys(TABLES, 0), "refresh_tokens": before["refresh_tokens"]}
    one_of_each(target, app)  # live records of every kind, made now, are left alone
    assert pool.purge() == dict.fromkeys(TABLES, 0)
    assert rows(pool) == {**before, "refresh_tokens": 2 * before["refresh_tokens"]}

    # The first refresh tokens expired 30 days after they were issued; an hour on, no access
    # token minted from them can be live, and they go too.
    clock.advance(28 * DAY + 3601)
    assert pool.purge()["refresh_tokens"] == before["refresh_tokens"]


def test_a_refresh_token_is_kept_while_an_access_token_from_it_can_live(make_app, clock):
    target, app = local(make_app)
    pool = target.local
    email = target.signed_up()
    refresh = target.sign_in(email)["RefreshToken"]
    clock.advance(30 * DAY - 60)  # a minute before the refresh token expires
    access = target.idp.initiate_auth(
        ClientId="demo",
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": refresh},
    )["AuthenticationResult"]["AccessToken"]
    clock.advance(30 * 60)  # the refresh token has expired; the access token lives on
    assert pool.purge()["refresh_tokens"] == 0
    # So signing out everywhere still reaches the access token minted from it.
    target.idp.global_sign_out(AccessToken=access)
    with pytest.raises(ClientError) as exc:
        target.idp.get_user(AccessToken=access)
    assert error_code(exc) == "NotAuthorizedException"


def test_a_deleted_users_revoked_tokens_are_purged_on_the_pools_clock(make_app, clock):
    target, app = local(make_app)
    email = target.signed_up()
    access = target.sign_in(email)["AccessToken"]
    target.idp.delete_user(AccessToken=access)
    assert target.local.purge()["revoked_origins"] == 0
    clock.advance(3601)
    assert target.local.purge()["revoked_origins"] == 1
