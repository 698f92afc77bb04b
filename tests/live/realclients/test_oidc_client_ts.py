"""oidc-client-ts, bundled from npm, in Chromium, on another origin, against Gatehouse on HTTPS.

The app's `UserManager` settings are the README's (tests/js/oidc/app.js). Every step is read back
from the page.
"""

from __future__ import annotations

import json
import re
import uuid
from urllib.parse import parse_qs, urlsplit

import requests

from ..conftest import ROOT
from .conftest import (
    arrive,
    new_user,
    refresh_works,
    same_site,
    sign_in_at_gatehouse,
    wait_for_step,
    watched,
)

SETTINGS = re.compile(r"new UserManager\(\{(.*?)\}\);", re.S)


def setting_names(source: str) -> list[str]:
    """The keys of the first ``new UserManager({...})`` in some source text."""
    return re.findall(r"^\s*(\w+):", SETTINGS.search(source).group(1), re.M)


def test_the_app_uses_the_readme_settings():
    readme = setting_names((ROOT / "README.md").read_text())
    app = setting_names((ROOT / "tests" / "js" / "oidc" / "app.js").read_text())
    assert app == readme and "revokeTokenTypes" in app


def test_sign_in_refresh_revoke_and_sign_out(gatehouse, app_origin, app_page, idp, tls):
    email = new_user(gatehouse, idp)
    page = app_page
    page.goto(f"{app_origin.url}/oidc/")
    wait_for_step(page, "anonymous")

    page.click("#sign-in")
    sign_in_at_gatehouse(page, gatehouse, email)
    arrive(page, f"{app_origin.url}/oidc/**")
    user = wait_for_step(page, "signed-in")
    assert user["email"] == email and user["refreshToken"] and user["idToken"]
    assert user["scope"].split() == ["openid", "email", "profile"]

    page.click("#refresh")
    refreshed = wait_for_step(page, "refresh")
    assert refreshed["sub"] == user["sub"] and refreshed["email"] == email
    assert refreshed["accessToken"] != user["accessToken"], "the refresh gave the same token"
    assert refresh_works(idp, refreshed["refreshToken"])

    page.click("#revoke")
    wait_for_step(page, "revoke")
    assert not refresh_works(idp, refreshed["refreshToken"]), "revokeTokens() left it usable"
    userinfo = requests.get(
        f"{gatehouse.url}/oauth2/userInfo",
        headers={"Authorization": f"Bearer {refreshed['accessToken']}"},
        verify=str(tls.ca),
        timeout=10,
    )
    assert userinfo.status_code == 401, "the access token minted from it still works"

    state = f"bye-{uuid.uuid4().hex[:8]}"
    logouts = watched(page, "request", f"{gatehouse.url}/logout")
    page.fill("#signout-state", state)
    page.click("#sign-out")
    arrive(page, f"{app_origin.url}/oidc/?signed-out**")
    assert wait_for_step(page, "signed-out") == {"state": state}
    assert logouts, "the sign-out did not go through Gatehouse's end_session_endpoint"
    sent = parse_qs(urlsplit(logouts[0].url).query)
    assert sent["post_logout_redirect_uri"] == [f"{app_origin.url}/oidc/?signed-out"]
    assert sent["id_token_hint"] == [refreshed["idToken"]] and sent["state"]

    # Gatehouse's own session ended too: signing in again asks for the password.
    page.click("#sign-in")
    sign_in_at_gatehouse(page, gatehouse, email)
    arrive(page, f"{app_origin.url}/oidc/**")
    assert wait_for_step(page, "signed-in")["email"] == email


def test_signin_silent_in_an_iframe(gatehouse, app_origin, app_page, idp, chromium_tls):
    """signinSilent without a refresh token: a hidden iframe with prompt=none. Gatehouse answers
    with a redirect before any page renders (its pages refuse to be framed), so the iframe gets a
    code from the session; a browser without a session gets login_required, never a time-out.
    The app is on another origin of Gatehouse's site, where the iframe gets Gatehouse's
    SameSite=Lax cookie."""
    email = new_user(gatehouse, idp)
    app_url = same_site(app_origin)
    page = app_page
    answers = watched(page, "response", f"{gatehouse.url}/oauth2/authorize", "prompt=none")
    page.goto(f"{app_url}/oidc/")
    wait_for_step(page, "anonymous")
    page.click("#sign-in")
    sign_in_at_gatehouse(page, gatehouse, email)
    arrive(page, f"{app_url}/oidc/**")
    user = wait_for_step(page, "signed-in")

    page.click("#silent")
    renewed = wait_for_step(page, "silent")
    assert renewed["email"] == email and renewed["sub"] == user["sub"]
    assert renewed["idToken"] != user["idToken"]
    assert answers and all(answer.status == 302 for answer in answers)
    assert all("x-frame-options" in answer.headers for answer in answers)  # never framed

    # Another browser, no Gatehouse session: login_required comes back through the iframe.
    context = chromium_tls.new_context(ignore_https_errors=True)
    try:
        other = context.new_page()
        other.console_lines = []
        other.goto(f"{app_url}/oidc/")
        wait_for_step(other, "anonymous")
        other.click("#silent")
        other.wait_for_function("document.getElementById('state')?.textContent === 'silent-failed'")
        assert json.loads(other.text_content("#error"))["error"] == "login_required"
    finally:
        context.close()
