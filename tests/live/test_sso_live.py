"""Single sign-on against a live Gatehouse: two apps signing in with Authlib, each on its own
callback of an app server on another port, and a person in Chromium."""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from botocore.exceptions import ClientError

from .conftest import SEED, chromium_browser, free_port, local_idp, start

EMAIL, PASSWORD = "demo@example.com", "Demo-passw0rd"  # the seeded demo user
CLIENTS = ("demo", "northwind")


def apps_server(gatehouse: str, port: int):
    """One Flask server for both apps (``/<client>/login``, ``/<client>/callback``), each
    signing in with Authlib's Flask client as the README says; ``tokens[client]`` keeps the
    tokens of its last sign-in."""
    from authlib.integrations.flask_client import OAuth
    from authlib.oidc.core import CodeIDToken
    from flask import Flask, request

    rp = Flask("apps")
    rp.secret_key = "test-only"
    rp.config["SESSION_COOKIE_NAME"] = "apps"  # cookies ignore ports: not Gatehouse's cookie
    oauth = OAuth(rp)
    for client_id in CLIENTS:
        oauth.register(
            client_id,
            client_id=client_id,
            server_metadata_url=f"{gatehouse}/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email", "code_challenge_method": "S256"},
        )

    class PoolIDToken(CodeIDToken):
        """The pool's ID token has no nonce."""

        def validate_nonce(self):
            """PKCE and state bind the code to this browser."""

    tokens: dict[str, dict] = {}

    @rp.get("/<client_id>/login")
    def login(client_id: str):
        redirect_uri = f"http://127.0.0.1:{port}/{client_id}/callback"
        return oauth.create_client(client_id).authorize_redirect(redirect_uri, **request.args)

    @rp.get("/<client_id>/callback")
    def callback(client_id: str):
        if "error" in request.args:
            return dict(request.args)
        token = oauth.create_client(client_id).authorize_access_token(claims_cls=PoolIDToken)
        tokens[client_id] = dict(token)
        return "signed in"

    return rp, tokens


@pytest.fixture(scope="module")
def sso(tmp_path_factory):
    """A live Gatehouse whose demo and northwind clients call back to the apps' server."""
    from werkzeug.serving import make_server

    port = free_port()
    seed = SEED.read_text()
    urls = '"{base}/demo/callback", "{base}/oauth2/idpresponse"'
    assert seed.count(urls) == 2
    extra = ", ".join(f'"http://127.0.0.1:{port}/{c}/callback"' for c in CLIENTS)
    proc, server = start(tmp_path_factory.mktemp("sso"), seed.replace(urls, f"{urls}, {extra}"))
    rp, tokens = apps_server(server.url, port)
    http = make_server("127.0.0.1", port, rp, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{port}", tokens
    http.shutdown()
    proc.terminate()
    proc.wait(timeout=10)


class Person:
    """Chromium in a fresh context; ``pages`` lists the Gatehouse pages it was shown."""

    def __init__(self, browser, gatehouse: str) -> None:
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.pages: list[str] = []
        self.page.on("response", lambda r: self._seen(r, gatehouse))

    def _seen(self, response, gatehouse: str) -> None:
        """Record a Gatehouse page (a document answered 200)."""
        if response.request.resource_type == "document" and response.status == 200:
            if response.url.startswith(gatehouse):
                self.pages.append(response.url)

    def go(self, url: str) -> str:
        """Open a URL (following redirects); returns where the browser ended."""
        self.pages.clear()
        self.page.goto(url)
        return self.page.url

    def sign_in(self) -> str:
        """Fill the sign-in form shown now; returns where the browser ended."""
        self.page.fill('input[name="email"]', EMAIL)
        self.page.fill('input[name="password"]', PASSWORD)
        with self.page.expect_navigation():
            self.page.click('button[type="submit"]')
        if self.page.url.endswith("/account/passkeys/offer"):
            # This browser can make passkeys, so it is offered one once: "Not now" goes on.
            with self.page.expect_navigation():
                self.page.get_by_role("button", name="Not now").click()
        return self.page.url

    def shows(self) -> str:
        """What the current page says (its heading and first alert), for a failed assertion."""
        heading = (
            self.page.locator("h1").first.text_content() if self.page.locator("h1").count() else ""
        )
        alert = self.page.locator("[role=alert]")
        said = alert.first.text_content() if alert.count() else ""
        return f"{self.page.url}: {heading!r} {said!r}"

    def shows_the_form(self) -> bool:
        """True when the current page is the sign-in form."""
        return self.page.locator('input[name="password"]').count() == 1


@pytest.fixture(scope="module")
def chromium():
    with chromium_browser() as browser:
        yield browser


def claims_of(token: str) -> dict:
    """A JWT's claims (the apps' library checked the signatures)."""
    from joserfc.jws import extract_compact

    return json.loads(extract_compact(token.encode()).payload)


def refresh(gatehouse: str, client_id: str, refresh_token: str) -> requests.Response:
    """A refresh_token grant at Gatehouse's token endpoint."""
    return requests.post(
        f"{gatehouse}/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": client_id,
            "refresh_token": refresh_token,
        },
        timeout=10,
    )


def test_signed_in_to_demo_northwind_needs_no_form_and_logout_means_it(sso, chromium):
    server, apps, tokens = sso
    url = server.url
    person = Person(chromium, url)
    person.go(f"{apps}/demo/login")
    assert person.shows_the_form()
    assert person.sign_in().startswith(f"{apps}/demo/callback?"), person.shows()
    assert claims_of(tokens["demo"]["id_token"])["aud"] == "demo"

    # Northwind in the same browser: a code, and no Gatehouse page shown on the way.
    ended = person.go(f"{apps}/northwind/login")
    assert "/northwind/callback?" in ended and "code=" in ended and person.pages == []
    northwind = tokens["northwind"]
    assert claims_of(northwind["id_token"])["aud"] == "northwind"
    assert northwind["scope"] == "openid email"
    assert claims_of(northwind["access_token"])["scope"] == "openid email"  # no admin scope
    with pytest.raises(ClientError) as refused:
        local_idp(server).get_user(AccessToken=northwind["access_token"])
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"

    # prompt=login and an exceeded max_age show the form, even with a session.
    person.go(f"{apps}/northwind/login?prompt=login")
    assert person.shows_the_form()
    time.sleep(1.1)  # max_age counts whole seconds
    person.go(f"{apps}/northwind/login?max_age=1")
    assert person.shows_the_form()

    # /logout: both apps' refresh tokens fail, and a new authorize shows the form.
    person.go(f"{url}/logout?client_id=demo&logout_uri={url}/")
    for client_id in CLIENTS:
        answer = refresh(url, client_id, tokens[client_id]["refresh_token"])
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"
    person.go(f"{apps}/northwind/login")
    assert person.shows_the_form()
    person.context.close()


def test_prompt_none_without_a_session_is_login_required_before_any_page(sso, chromium):
    server, apps, _ = sso
    person = Person(chromium, server.url)
    ended = person.go(f"{apps}/demo/login?prompt=none")
    assert ended.startswith(f"{apps}/demo/callback?") and person.pages == []  # never a page
    answer = parse_qs(urlsplit(ended).query)
    assert answer["error"] == ["login_required"] and answer["state"]
    person.context.close()


def test_a_forged_proof_gets_no_tokens_from_the_live_pool(sso):
    """The triggers refuse a proof signed with another key (over the pool's HTTP API)."""
    from app.magic_link.tokens import ProofSigner

    idp = local_idp(sso[0])
    start = idp.initiate_auth(
        ClientId="northwind", AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": EMAIL}
    )
    username = start["ChallengeParameters"]["USERNAME"]
    forged = ProofSigner("f" * 40).issue(username, "northwind", ["openid"], time.time())
    answer = idp.respond_to_auth_challenge(
        ClientId="northwind",
        ChallengeName="CUSTOM_CHALLENGE",
        Session=start["Session"],
        ClientMetadata={"proof": forged},
        ChallengeResponses={"USERNAME": username, "ANSWER": forged},
    )
    assert "AuthenticationResult" not in answer
