"""Attacker's review of single sign-on (issue 11): findings reproduced as tests."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import Browser
from .oauth2_app import tokens_for
from .test_sso import claims, hop, hop_tokens, query

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
    response, _ = hop(browser, "northwind", prompt="none")
    assert query(response.location).get("error") == "login_required", response.location


def _link_asked_by_a_third_party(app, outbox, email: str, metadata: dict) -> str:
    """Anyone who knows a public app client's id (it ships in the app) can ask the pool for a
    magic link to any address, with ClientMetadata of their choosing: the email is genuine."""
    from .test_magic_link import link_of

    idp = app.extensions["gatehouse.userpool"].client
    start = idp.initiate_auth(
        ClientId="demo", AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": email}
    )
    idp.respond_to_auth_challenge(
        ClientId="demo",
        ChallengeName="CUSTOM_CHALLENGE",
        Session=start["Session"],
        ClientMetadata={"send": "yes", **metadata},
        ChallengeResponses={"USERNAME": start["ChallengeParameters"]["USERNAME"], "ANSWER": "x"},
    )
    return link_of(outbox, email)


def test_a_third_partys_pending_request_cannot_widen_an_apps_scopes(app, outbox):
    """The pending request a link carries came from whoever asked the pool for it: its scopes
    must still be within the app client's allowed scopes (northwind may not have the admin
    scope), or a click on an unasked-for link hands an app scopes it was never allowed."""
    import hashlib
    import json
    from base64 import urlsafe_b64encode

    from app.oauth.pending import PENDING_KEY

    from .oauth2_app import CALLBACK

    victim = Browser(app, outbox)
    email = victim.account()
    verifier = "v" * 64
    challenge = urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    forged = {
        "client_id": "northwind",
        "response_type": "code",
        "redirect_uri": CALLBACK,
        "state": "s",
        "scope": f"openid {ADMIN}",
        "code_challenge": challenge.decode(),
        "code_challenge_method": "S256",
        "nonce": None,
    }
    link = _link_asked_by_a_third_party(app, outbox, email, {"pending": json.dumps(forged)})
    clicked = Browser(app, outbox)
    clicked.open(link)
    answer = clicked.submit(link)
    # Gatehouse did not seal that request: the click signs in to Gatehouse alone, no app gets a
    # code from it, and it is not left waiting for the next sign-in either.
    assert answer.status_code == 303 and answer.location == "/account", answer.location
    with clicked.http.session_transaction() as stored:
        assert PENDING_KEY not in stored
    # northwind's next code, through single sign-on, carries only the scopes it asks for.
    tokens = hop_tokens(clicked, "northwind")
    assert tokens["scope"] == "openid email"
    assert ADMIN not in claims(tokens["access_token"])["scope"].split(), tokens


@pytest.mark.parametrize("pending", ['"a string"', "[1, 2]", '{"client_id": "northwind"}'])
def test_a_link_with_a_malformed_pending_request_is_no_5xx(app, outbox, pending):
    """A third party's ClientMetadata ``pending`` that is not an authorization request."""
    victim = Browser(app, outbox)
    email = victim.account()
    link = _link_asked_by_a_third_party(app, outbox, email, {"pending": pending})
    clicked = Browser(app, outbox)
    assert clicked.get(link).status_code < 500
    assert clicked.submit(link).status_code < 500


HOSTILE = ["", "x" * 5000, "\x00", "%ff", "../../etc", "1e9999", "-1", "9" * 20, "<script>"]


def test_hostile_values_on_the_new_routes_are_no_5xx(app, outbox):
    """A bounded sweep of the routes issue 11 added or changed, signed in (SSO on)."""
    browser = Browser(app, outbox)
    tokens_for(browser, "demo")
    csrf_free = app.test_client()
    for value in HOSTILE:
        for name in ("prompt", "max_age", "login_hint", "acr_values", "identity_provider"):
            response, _ = hop(browser, "northwind", **{name: value})
            assert response.status_code < 500, (name, value)
        for path in (
            "/account/confirm/provider",
            "/account/confirm/code",
            "/account/confirm/code/send",
            "/magic-link/sent",
            "/account/confirm",
        ):
            for field in ("provider", "code", "number", "here", "password", "next"):
                browser.open("/account/confirm")  # a page with a CSRF token
                answer = browser.submit(path, **{field: value})
                assert answer.status_code < 500, (path, field, value)
                answer = browser.http.get(path, query_string={field: value, "next": value})
                assert answer.status_code < 500, (path, field, value)
        for path in (f"/magic/{value or 'x'}", f"/logout?client_id={value}&logout_uri={value}"):
            assert csrf_free.get(path).status_code < 500, path
            assert csrf_free.post(path, data={"number": value}).status_code < 500, path
