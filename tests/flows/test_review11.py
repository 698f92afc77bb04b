"""Attacker's review of single sign-on (issue 11): findings reproduced as tests."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import Browser
from .oauth2_app import tokens_for
from .test_sso import claims, hop_tokens

ADMIN = "aws.cognito.signin.user.admin"


@pytest.mark.parametrize("direct", ["InitiateAuth", "GetTokensFromRefreshToken"])
def test_an_app_refreshing_at_the_pool_directly_gets_no_admin_scope(app, browser: Browser, direct):
    """northwind holds its refresh token: refreshing it at the pool (not through Gatehouse's
    token endpoint, so with no session proof) must not give it the admin scope."""
    tokens_for(browser, "demo")
    northwind = hop_tokens(browser, "northwind")
    idp = app.extensions["gatehouse.userpool"].client
    if direct == "InitiateAuth":
        out = idp.initiate_auth(
            ClientId="northwind",
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": northwind["refresh_token"]},
        )
    else:
        out = idp.get_tokens_from_refresh_token(
            ClientId="northwind", RefreshToken=northwind["refresh_token"]
        )
    access = out["AuthenticationResult"]["AccessToken"]
    assert ADMIN not in claims(access)["scope"].split()
    with pytest.raises(ClientError):
        idp.get_user(AccessToken=access)


def test_a_global_sign_out_at_the_pool_ends_single_sign_on(app, browser: Browser):
    """A sign-out everywhere at the pool itself (Amplify's ``signOut({global: true})`` calls
    GlobalSignOut there; an administrator's AdminUserGlobalSignOut) revokes every token; the
    Gatehouse session must not keep minting fresh tokens for apps after that."""
    demo = tokens_for(browser, "demo")
    idp = app.extensions["gatehouse.userpool"].client
    pool_id = "us-east-1_gatehouse"
    sub = claims(demo["id_token"])["sub"]
    idp.admin_user_global_sign_out(UserPoolId=pool_id, Username=sub)
    from .test_sso import hop, query

    response, _ = hop(browser, "northwind", prompt="none")
    assert query(response.location).get("error") == "login_required", response.location
