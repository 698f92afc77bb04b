"""No 5xx for any input (DESIGN.md §5, issue 10): hostile requests on every route and form.

Every route of the app is read from its URL map; each request gets hostile path segments, query
parameters, form fields, bodies and headers, mixed with well-formed ones so that requests get past
the first checks (a valid CSRF token from a real page, a real signed-in session, a live magic
link, a known client id). The generator is seeded, so a failure names its request and repeats.
The assertion is the whole point: no status of 500 or more, and no traceback in the log.
"""

from __future__ import annotations

import base64
import collections
import json
import logging
import os
import random
import re
import time
from urllib.parse import quote

import pytest

from tests.flows.conftest import CSRF, PASSWORD, Browser

REQUESTS = int(os.environ.get("GATEHOUSE_FUZZ_REQUESTS", "10000"))
SEED = int(os.environ.get("GATEHOUSE_FUZZ_SEED", "20261201"))
SECONDS = 600  # a bound on the whole run, far above what it takes

HOSTILE_TEXT = [
    "",
    " ",
    "a" * 5000,
    "\x00",
    "\r\nSet-Cookie: x=1",
    "\ud800",
    "\udfff\ud800",
    "١٢٣٤٥٦",
    "１２３４５６",
    "123456\n",
    "' OR 1=1 --",
    '"><script>alert(1)</script>',
    "{{7*7}}",
    "%00",
    "%ff%fe",
    "../../etc/passwd",
    "\\\\evil.example\\x",
    "javascript:alert(1)",
    "https://evil.example/",
    "//evil.example",
    "http://localhost:8000/demo/callback#",
    "http://localhost:8000/demo/callback?x=1",
    "a,x@evil.co",
    "victim@example.com\r\nBcc: x@evil.co",
    "A@EXAMPLE.COM",
    "é@é.example",
    "\u202e\u0645\u0631\u062d\u0628\u0627",
    "😀" * 50,
    "null",
    "[]",
    "{}",
    "-1",
    "99999999999999999999999",
    "NaN",
]
FIELDS = [
    "email",
    "password",
    "current",
    "code",
    "intent",
    "next",
    "token",
    "request_id",
    "action",
    "name",
    "grant_type",
    "refresh_token",
    "client_id",
    "client_secret",
    "redirect_uri",
    "code_verifier",
    "scope",
    "attr_name",
    "sign_out_others",
]
PARAMS = [
    "client_id",
    "redirect_uri",
    "response_type",
    "state",
    "scope",
    "code_challenge",
    "code_challenge_method",
    "nonce",
    "lang",
    "login_hint",
    "prompt",
    "identity_provider",
    "logout_uri",
    "post_logout_redirect_uri",
    "id_token_hint",
    "email",
    "code",
    "sent",
    "next",
    "error",
    "error_description",
    "client",
    "retry",
    "ui_locales",
    "max_age",
]
TARGETS = [
    "",
    "AWSCognitoIdentityProviderService.",
    "AWSCognitoIdentityProviderService.Nope",
    "AWSCognitoIdentityProviderService.InitiateAuth",
    "AWSCognitoIdentityProviderService.SignUp",
    "AWSCognitoIdentityProviderService.AdminGetUser",
    "AWSCognitoIdentityProviderService.RespondToAuthChallenge",
    "AWSCognitoIdentityProviderService.ListUsers",
    "AWSCognitoIdentityProviderService.UpdateUserAttributes",
    "AWSCognitoIdentityProviderService.RevokeToken",
]
KNOWN = {
    "client_id": ["demo", "northwind", "gatehouse"],
    "redirect_uri": ["http://localhost:8000/demo/callback"],
    "response_type": ["code", "token", "id_token"],
    "code_challenge_method": ["S256", "plain"],
    "identity_provider": ["Google", "COGNITO", "SignInWithApple"],
    "grant_type": ["authorization_code", "refresh_token", "client_credentials", "password"],
    "prompt": ["none", "login", "consent"],
    "provider": ["Google", "Facebook", "SignInWithApple", "CorpOIDC"],
    "pool_id": ["us-east-1_gatehouse"],
}


class Fuzzer:
    """Builds hostile requests from a seeded generator."""

    def __init__(self, rng: random.Random, rules, live_tokens: list[str]) -> None:
        self.rng = rng
        self.rules = rules
        self.live_tokens = live_tokens

    def text(self, name: str = "") -> str:
        """A hostile value, or now and then a good one for the field."""
        if name in KNOWN and self.rng.random() < 0.4:
            return self.rng.choice(KNOWN[name])
        if name in ("token",) and self.live_tokens and self.rng.random() < 0.3:
            return self.rng.choice(self.live_tokens)
        if self.rng.random() < 0.15:
            return self.rng.choice([PASSWORD, "fuzz@example.com", "123456", "x" * 43])
        value = self.rng.choice(HOSTILE_TEXT)
        if self.rng.random() < 0.2:
            value += self.rng.choice(HOSTILE_TEXT)
        return value

    def path(self, rule) -> str:
        """The rule's path with each converter filled in."""

        def fill(match: re.Match) -> str:
            name = match.group(2)
            if name == "token" and self.live_tokens and self.rng.random() < 0.3:
                return self.rng.choice(self.live_tokens)
            value = self.text(name) or "x"
            return quote(value.encode("utf-8", "surrogatepass"), safe="")

        return re.sub(r"<(?:[a-z]+:)?(?:(\w+):)?(\w+)>", fill, rule.rule)

    def query(self) -> str:
        """A query string of hostile parameters (sometimes raw bytes)."""
        parts = []
        for _ in range(self.rng.randint(0, 6)):
            name = self.rng.choice(PARAMS)
            value = self.text(name).encode("utf-8", "surrogatepass")
            parts.append(f"{name}={quote(value, safe='')}")
        if self.rng.random() < 0.05:
            parts.append("%ff%fe=%c3%28&&=&a")
        return "&".join(parts)

    def form(self, csrf: str | None) -> dict[str, str]:
        """Form fields; a valid CSRF token most of the time."""
        fields = {}
        for _ in range(self.rng.randint(0, 6)):
            name = self.rng.choice(FIELDS)
            fields[name] = (
                self.text(name).encode("utf-8", "surrogatepass").decode("utf-8", "replace")
            )
        if csrf and self.rng.random() < 0.85:
            fields["csrf_token"] = csrf
        elif self.rng.random() < 0.5:
            fields["csrf_token"] = self.text()
        return fields

    def json_body(self) -> bytes:
        """Hostile JSON: nesting, wrong types, surrogates, or not JSON at all."""
        choice = self.rng.randint(0, 7)
        if choice == 0:
            return b"[" * 5000 + b"]" * 5000
        if choice == 1:
            return b'{"a":' * 3000 + b"1" + b"}" * 3000
        if choice == 2:
            return self.rng.choice([b"[]", b"1", b'"x"', b"null", b"true", b"\xff\xfe"])
        if choice == 3:
            return b'{"Username": "\\ud800", "ClientId": "demo", "Password": "\\udfff"}'
        if choice == 4:
            return json.dumps(
                {
                    "ClientId": self.rng.choice([1, [], {}, None, "demo"]),
                    "AuthFlow": self.rng.choice(["USER_PASSWORD_AUTH", 3, "USER_SRP_AUTH"]),
                    "AuthParameters": self.rng.choice(
                        [{"USERNAME": 1}, "x", [1], {"USERNAME": "a@example.com", "PASSWORD": []}]
                    ),
                    "UserAttributes": self.rng.choice([[1], "x", [{"Name": 1}], [{"Value": "v"}]]),
                    "Username": self.rng.choice([123, None, "", "a" * 3000, "fuzz@example.com"]),
                    "UserPoolId": self.rng.choice(["us-east-1_gatehouse", 5, ""]),
                }
            ).encode()
        if choice == 5:
            return b"{" + b'"k":"v",' * 20000 + b'"k":"v"}'
        if choice == 6:
            return json.dumps({self.text(): self.text() for _ in range(5)}).encode(
                "utf-8", "surrogatepass"
            )
        return b'{"ClientId": "demo", "Username": "fuzz@example.com", "Password": "x"}'

    def headers(self, path: str) -> dict[str, str]:
        """Hostile headers: Basic and Bearer garbage, origins, targets."""
        headers = {}
        roll = self.rng.random()
        if roll < 0.15:
            raw = self.rng.choice(
                [b"\xff\xfe:\xfa", b"demo", b"demo:", b":", b"gatehouse:wrong", "é:é".encode()]
            )
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
        elif roll < 0.2:
            headers["Authorization"] = self.rng.choice(
                ["Basic !!!", "Basic", "Bearer", "Bearer a.b.c", "Bearer " + "x" * 3000, "Digest x"]
            )
        if self.rng.random() < 0.2:
            headers["Origin"] = self.rng.choice(
                ["null", "https://evil.example", "http://localhost:8000", "http://localhost:8000x"]
            )
        if self.rng.random() < 0.1:
            headers["Sec-Fetch-Site"] = self.rng.choice(["cross-site", "same-origin", "none", "x"])
        if path.startswith("/_localpool") and self.rng.random() < 0.8:
            headers["X-Amz-Target"] = self.rng.choice(TARGETS)
            if self.rng.random() < 0.5:
                headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=x/y, Signature=z"
        if self.rng.random() < 0.05:
            headers["Cookie"] = self.rng.choice(
                ["session=x", "session=c~abc", "session=" + "a" * 4000]
            )
        if self.rng.random() < 0.05:
            headers["Accept-Language"] = self.rng.choice(["de", "xx-YY;q=2", "*", "\x00"])
        return headers


@pytest.fixture
def fuzz_app(make_app):
    """The app with limits out of the way (they would answer 429 to most of the run)."""
    return make_app(
        min_response_ms=0,
        rate_limit_ip="1000000 per minute",
        rate_limit_account="1000000 per minute",
    )


def _csrf_of(browser: Browser, page: str) -> str | None:
    """A CSRF token from one of the app's pages, for this browser's session."""
    browser.open(page)
    found = CSRF.search(browser.text())
    return found.group(1) if found else None


def _magic_tokens(outbox) -> list[str]:
    """Tokens of the magic links in the outbox (live ones make /magic/<token> reach its POST)."""
    found = []
    for mail in outbox.messages():
        found += re.findall(r"/magic/([A-Za-z0-9._~%-]+)", mail.text)
    return found


def test_ten_thousand_hostile_requests_get_no_5xx(fuzz_app, outbox, caplog):
    caplog.set_level(logging.WARNING)
    rng = random.Random(SEED)
    rules = [r for r in fuzz_app.url_map.iter_rules() if r.endpoint != "static"]
    anonymous = Browser(fuzz_app, outbox)
    signed_in = Browser(fuzz_app, outbox)
    email = signed_in.account("fuzz@example.com")
    signed_in.sign_in(email)
    magic = Browser(fuzz_app, outbox)
    magic.open("/magic-link")
    magic.submit("/magic-link", email=email)
    fuzzer = Fuzzer(rng, rules, _magic_tokens(outbox))
    tokens = {
        id(anonymous): _csrf_of(anonymous, "/login"),
        id(signed_in): _csrf_of(signed_in, "/account"),
    }
    statuses: collections.Counter[int] = collections.Counter()
    failures = []
    started = time.monotonic()
    for number in range(REQUESTS):
        assert time.monotonic() - started < SECONDS, f"the fuzz run took too long ({number} sent)"
        browser = signed_in if rng.random() < 0.4 else anonymous
        if number % 250 == 0 and browser is signed_in:
            # Hostile requests sign the session out now and then: sign in again.
            if signed_in.get("/account").status_code != 200:
                signed_in.sign_in(email)
            tokens[id(signed_in)] = _csrf_of(signed_in, "/account")
        rule = rng.choice(rules)
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        method = rng.choice(methods + (["OPTIONS"] if rng.random() < 0.03 else []))
        path = fuzzer.path(rule)
        query = fuzzer.query()
        headers = fuzzer.headers(path)
        url = path + ("?" + query if query else "")
        kwargs: dict = {"headers": headers}
        if method == "POST":
            if (
                path.startswith("/_localpool")
                and rule.endpoint == "localpool.api"
                or rng.random() < 0.1
            ):
                kwargs["data"] = fuzzer.json_body()
                kwargs["content_type"] = rng.choice(
                    ["application/x-amz-json-1.1", "application/json", "text/plain"]
                )
                if tokens[id(browser)] and rng.random() < 0.5:
                    headers["X-CSRFToken"] = tokens[id(browser)]
            else:
                kwargs["data"] = fuzzer.form(tokens[id(browser)])
        try:
            response = browser.http.open(url, method=method, **kwargs)
        except Exception as exc:  # the app itself must never raise out of the WSGI call
            failures.append((method, url, headers, kwargs.get("data"), repr(exc)))
            continue
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            failures.append(
                (method, url, headers, kwargs.get("data"), response.get_data(as_text=True)[:300])
            )
    histogram = dict(sorted(statuses.items()))
    print(f"\nfuzz: {REQUESTS} requests, seed {SEED}, statuses {histogram}")
    assert not failures, f"{len(failures)} requests got a 5xx, e.g. {failures[:5]}"
    tracebacks = [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    assert not tracebacks, [r.getMessage() for r in tracebacks[:5]]
    assert sum(statuses.values()) == REQUESTS
