"""Real third-party clients against a live Gatehouse on HTTPS, from another origin.

Gatehouse runs on ``https://localhost:<port>``; the browser apps (tests/js, bundled at test
time) are served from ``https://127.0.0.1:<other port>``, another origin and another site, as a
product's app would be. Chromium trusts the test server's key and nothing else.
"""

from __future__ import annotations

import json
import shutil
import uuid

import pytest
from botocore.exceptions import ClientError

from app.mail.outbox import Outbox
from tests.conftest import code_in

from ..conftest import SEED, LiveServer, chromium_browser, local_idp, start
from . import jsbuild
from .origin import AppOrigin
from .tls import TLSFiles, make_tls

PASSWORD = "Corr3ct-horse"
POOL_ID = "us-east-1_gatehouse"
CLIENT_ID = "spa"
STEP_MS = 15000
# A public app client (PKCE) for the browser apps: callback and sign-out URLs on their origin
# (``{app}``, another site than Gatehouse's localhost), and the same server named localhost
# (``{same_site}``: another origin of the same site, where a hidden iframe gets Gatehouse's
# SameSite=Lax cookie, as app.example.com does from login.example.com).
SPA_CLIENT = """
[[clients]]
id = "spa"
name = "Browser app on another origin"
callback_urls = ["{app}/amplify/", "{app}/oidc/", "{same_site}/oidc/", "{same_site}/oidc/?silent"]
logout_urls = ["{app}/amplify/?signed-out", "{app}/oidc/?signed-out"]
explicit_auth_flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH"]
allowed_oauth_flows = ["code"]
allowed_oauth_scopes = ["openid", "email", "profile", "aws.cognito.signin.user.admin"]
supported_identity_providers = ["COGNITO"]
"""


@pytest.fixture(scope="session")
def tls(tmp_path_factory) -> TLSFiles:
    """One throwaway CA and server certificate for the whole run."""
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def chromium_tls(tls):
    """Debian's Chromium, headless, trusting the test server's key; one per test module."""
    with chromium_browser(tls.chromium_flag()) as browser:
        yield browser


@pytest.fixture(scope="session")
def app_origin(tmp_path_factory, tls):
    """The bundled apps on ``https://127.0.0.1:<port>``: the other origin."""
    built = jsbuild.build()
    root = tmp_path_factory.mktemp("app-origin")
    for app in ("amplify", "oidc"):
        shutil.copytree(built / app, root / app)
    with AppOrigin(root, tls) as origin:
        yield origin


@pytest.fixture(scope="session")
def gatehouse(tmp_path_factory, tls, app_origin) -> LiveServer:
    """Gatehouse on ``https://localhost:<port>`` with the ``spa`` app client of ``app_origin``."""
    tmp = tmp_path_factory.mktemp("gatehouse-https")
    seed = SEED.read_text() + SPA_CLIENT.replace("{app}", app_origin.url).replace(
        "{same_site}", same_site(app_origin)
    )
    proc, server = start(tmp, seed, tls=tls, host="localhost")
    settings = {"gatehouse": server.url, "userPoolId": POOL_ID, "clientId": CLIENT_ID}
    (app_origin.root / "config.js").write_text(f"window.GATEHOUSE_TEST = {json.dumps(settings)};\n")
    yield server
    proc.terminate()
    proc.wait(timeout=10)


def same_site(app_origin) -> str:
    """The app server's URL by the name ``localhost``: the same site as Gatehouse's."""
    return app_origin.url.replace("https://127.0.0.1:", "https://localhost:")


@pytest.fixture(scope="session")
def idp(gatehouse, tls):
    """boto3's cognito-idp client on the live local pool, over HTTPS, trusting the test CA."""
    return local_idp(gatehouse, verify=str(tls.ca))


@pytest.fixture
def app_page(chromium_tls):
    """A fresh context (its own cookies and storage) with JavaScript on; each step bounded.

    The page's console is kept in ``page.console_lines`` for failure messages.
    """
    context = chromium_tls.new_context(java_script_enabled=True)
    page = context.new_page()
    page.set_default_timeout(STEP_MS)
    page.console_lines = []
    page.on("console", lambda message: page.console_lines.append(message.text))
    page.on("pageerror", lambda error: page.console_lines.append(f"pageerror: {error}"))
    yield page
    context.close()


def new_user(server: LiveServer, idp) -> str:
    """A confirmed user made through the pool's API (SignUp, then the emailed code)."""
    email = f"client-{uuid.uuid4().hex[:8]}@example.com"
    idp.sign_up(ClientId=CLIENT_ID, Username=email, Password=PASSWORD)
    mail = Outbox(server.data_dir / "outbox").messages(email)[-1]
    idp.confirm_sign_up(ClientId=CLIENT_ID, Username=email, ConfirmationCode=code_in(mail.text))
    return email


def refresh_works(idp, refresh_token: str) -> bool:
    """Whether the pool still mints tokens for a refresh token (REFRESH_TOKEN_AUTH)."""
    try:
        idp.initiate_auth(
            ClientId=CLIENT_ID,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "NotAuthorizedException":
            return False
        raise
    return True


def wait_for_step(page, name: str) -> dict:
    """Wait until the app says step ``name`` finished; returns its JSON result.

    A failed step fails the test with the app's error and console, not a time-out.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(
            "name => [name, name + '-failed']"
            ".includes(document.getElementById('state')?.textContent)",
            arg=name,
        )
    except PlaywrightTimeout:
        pass
    state = page.text_content("#state") if page.query_selector("#state") else None
    assert state == name, (
        f"step {name}: the app says {state!r}, error {page.text_content('#error')}"
        f"\nurl: {page.url}\n" + "\n".join(page.console_lines[-20:])
    )
    return json.loads(page.text_content("#result") or "null")


def watched(page, event: str, prefix: str, contains: str = "") -> list:
    """The page's requests or responses (``event``) whose URL starts with ``prefix`` and
    contains ``contains``, kept as they happen."""
    seen: list = []
    page.on(
        event, lambda r: seen.append(r) if r.url.startswith(prefix) and contains in r.url else None
    )
    return seen


def arrive(page, url: str) -> None:
    """Wait for the browser to reach ``url`` (a glob); else fail saying where it is instead."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_url(url, wait_until="domcontentloaded")
    except PlaywrightTimeout:
        shown = page.inner_text("body")[:600] if page.url.startswith("http") else ""
        raise AssertionError(
            f"expected {url}, still at {page.url}:\n{shown}\n" + "\n".join(page.console_lines[-20:])
        ) from None


def sign_in_at_gatehouse(page, server: LiveServer, email: str) -> None:
    """The person's part: Gatehouse's sign-in page, email and password typed."""
    arrive(page, f"{server.url}/login**")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
