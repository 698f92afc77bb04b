"""AWS Amplify JS v6, bundled from npm, in Chromium, on another origin, against Gatehouse on HTTPS.

Amplify is configured as the README says for local mode: the OAuth domain is Gatehouse's host,
and `userPoolEndpoint` is Gatehouse's `/_localpool`. Every step is read back from the page.
"""

from __future__ import annotations

from .conftest import (
    CLIENT_ID,
    PASSWORD,
    arrive,
    new_user,
    refresh_works,
    sign_in_at_gatehouse,
    wait_for_step,
)


def pool_calls(page, gatehouse) -> list[str]:
    """The Cognito operations the page sends to the local pool, in order, as they happen."""
    calls: list[str] = []

    def seen(request) -> None:
        """Keep the operation of each POST to ``/_localpool``."""
        if request.url.startswith(f"{gatehouse.url}/_localpool") and request.method == "POST":
            calls.append(request.headers.get("x-amz-target", "").rpartition(".")[2])

    page.on("request", seen)
    return calls


def refresh_token_in(page) -> str:
    """The refresh token Amplify keeps in the app origin's localStorage."""
    token = page.evaluate(
        """clientId => Object.entries(localStorage)
            .find(([key]) => key.startsWith(`CognitoIdentityServiceProvider.${clientId}.`)
                             && key.endsWith('.refreshToken'))?.[1] ?? null""",
        CLIENT_ID,
    )
    assert token, "Amplify stored no refresh token"
    return token


def sign_in_with_redirect(page, gatehouse, app_origin, email: str) -> None:
    """signInWithRedirect -> Gatehouse's page -> the callback, where Amplify finishes."""
    page.click("#sign-in")
    sign_in_at_gatehouse(page, gatehouse, email)
    arrive(page, f"{app_origin.url}/amplify/**")
    wait_for_step(page, "signed-in")


def sign_out_and_land(page, app_origin, button: str) -> None:
    """Press a sign-out button; Amplify goes through Gatehouse's /logout and back to the app."""
    page.click(button)
    arrive(page, f"{app_origin.url}/amplify/?signed-out")
    wait_for_step(page, "signed-out")


def test_sign_in_refresh_attributes_and_sign_out(gatehouse, app_origin, app_page, idp):
    email = new_user(gatehouse, idp)
    page = app_page
    calls = pool_calls(page, gatehouse)
    page.goto(f"{app_origin.url}/amplify/")
    wait_for_step(page, "anonymous")

    sign_in_with_redirect(page, gatehouse, app_origin, email)

    page.click("#session")
    session = wait_for_step(page, "session")
    assert session["email"] == email and session["aud"] == CLIENT_ID
    assert "aws.cognito.signin.user.admin" in session["accessScope"].split()

    page.click("#refresh")
    refreshed = wait_for_step(page, "refresh")
    assert refreshed["sub"] == session["sub"] and refreshed["email"] == email
    assert refreshed["accessJti"] != session["accessJti"], "forceRefresh gave the same token"
    assert refreshed["accessToken"] != session["accessToken"]
    assert calls == ["GetTokensFromRefreshToken"], calls

    page.click("#attributes")
    attributes = wait_for_step(page, "attributes")
    assert attributes["email"] == email and attributes["email_verified"] == "true"
    assert attributes["sub"] == session["sub"]
    assert calls[1:] == ["GetUser"], calls

    refresh = refresh_token_in(page)
    assert refresh_works(idp, refresh)
    sign_out_and_land(page, app_origin, "#sign-out")
    assert calls[2:] == ["RevokeToken"], calls
    assert not refresh_works(idp, refresh), "signOut() left the refresh token usable"

    # Gatehouse's session ended with the sign-out: the next sign-in asks for the password again.
    sign_in_with_redirect(page, gatehouse, app_origin, email)
    page.click("#session")
    assert wait_for_step(page, "session")["email"] == email
    second = refresh_token_in(page)
    assert second != refresh
    # A sign-in elsewhere (another device): a global sign-out must end it too.
    elsewhere = idp.initiate_auth(
        ClientId=CLIENT_ID,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["RefreshToken"]
    assert refresh_works(idp, second) and refresh_works(idp, elsewhere)
    calls.clear()
    sign_out_and_land(page, app_origin, "#sign-out-global")
    assert calls == ["GlobalSignOut"], calls
    assert not refresh_works(idp, second), "signOut({ global: true }) left this token usable"
    assert not refresh_works(idp, elsewhere), "signOut({ global: true }) left another device in"
