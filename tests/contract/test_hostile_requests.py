"""Hostile input to /_localpool never gets a 5xx or a traceback (bounded, deterministic fuzz).

Every registered operation gets the same number of bodies over HTTP through Flask's test
client: bytes that are not JSON, JSON that is not an object, deep nesting, members of the
wrong type, and bodies shaped by botocore's model whose strings are hostile (lone surrogates,
control characters, Unicode digits, very long) or real (the pool id, an app client, a user,
their tokens), so that many requests get past validation and into the operation.
"""

from __future__ import annotations

import base64
import json
import logging
import math
from collections import Counter
from urllib.parse import urlencode

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from app.localpool.dispatch import TARGET_PREFIX
from app.localpool.errors import PoolError
from app.localpool.operations import OPERATIONS
from app.localpool.validation import MAX_BODY, check, input_shape
from app.mail.outbox import Outbox
from tests.conftest import code_in

from .conftest import PASSWORD, error_code

API_BODIES = 2400  # in all, shared evenly by the registered operations
PER_OPERATION = math.ceil(API_BODIES / len(OPERATIONS))
SIGNED = "AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/cognito-idp/aws4_request"
MAP_KEYS = [
    "USERNAME",
    "PASSWORD",
    "SECRET_HASH",
    "REFRESH_TOKEN",
    "ANSWER",
    "NEW_PASSWORD",
    "SOFTWARE_TOKEN_MFA_CODE",
    "userAttributes.name",
]
answers: Counter = Counter()
FUZZ = settings(
    max_examples=PER_OPERATION,
    deadline=None,
    database=None,
    derandomize=True,  # the same bodies on every run: a failure is reproducible, never random
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One app for the whole fuzz run, with a confirmed user and their tokens to aim at."""
    app = create_app(
        {"data_dir": tmp_path_factory.mktemp("fuzz"), "TESTING": True, "min_response_ms": 0}
    )
    pool = app.extensions["gatehouse.localpool"]
    idp = app.extensions["gatehouse.userpool"].client
    email = "fuzz@example.com"
    idp.sign_up(ClientId="demo", Username=email, Password=PASSWORD)
    code = code_in(Outbox(app.config["OUTBOX_DIR"]).messages(email)[-1].text)
    idp.confirm_sign_up(ClientId="demo", Username=email, ConfirmationCode=code)
    tokens = idp.initiate_auth(
        ClientId="demo",
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    real = [pool.id, "demo", "gatehouse", email, PASSWORD, "123456", "email", "true"]
    real += [tokens["AccessToken"], tokens["RefreshToken"], tokens["IdToken"]]
    yield app, real
    # The figures for the record (shown with -s): how the pool answered.
    print("\n/_localpool fuzz:", sum(answers.values()), "requests")
    for (status, code), count in sorted(answers.items()):
        print(f"  {status} {code}: {count}")


def hostile_text():
    """Strings an attacker would try, surrogates and control characters included."""
    every_char = st.characters(codec=None, categories=None)
    return st.one_of(
        st.text(every_char, max_size=40),
        st.sampled_from(["", " ", "\x00", "\ud800", "a\udfffb", "١٢٣٤٥٦", "a" * 5000, "%s%n"]),
        st.text(st.sampled_from("ab@.-_+=/ \t\n\r\"'\\{}[]"), max_size=30),
    )


def shaped(shape, real: list[str], constrained: bool, depth: int = 0):
    """Values following botocore's shape, required members present. Free-form strings are
    real or hostile; with ``constrained``, a string the model constrains (pattern, enum) is
    always a real value that fits, so the request gets past validation into the operation."""
    kind = shape.type_name
    if kind == "structure" and depth < 6:
        members = {n: shaped(m, real, constrained, depth + 1) for n, m in shape.members.items()}
        required = {n: members.pop(n) for n in shape.required_members}
        return st.fixed_dictionaries(required, optional=members)
    if kind == "list" and depth < 6:
        return st.lists(shaped(shape.member, real, constrained, depth + 1), max_size=3)
    if kind == "map" and depth < 6:
        keys = st.one_of(st.sampled_from(MAP_KEYS), hostile_text())
        return st.dictionaries(keys, shaped(shape.value, real, constrained, depth + 1), max_size=4)
    if kind == "string":
        fitting = [v for v in real + list(shape.enum or []) if fits(shape, v)]
        valid = st.sampled_from(fitting) if fitting else hostile_text()
        if constrained and (shape.enum or "pattern" in shape.metadata):
            return valid
        return st.one_of(valid, hostile_text())
    if kind in ("integer", "long"):
        return st.one_of(st.integers(-5, 100), st.integers())
    if kind == "boolean":
        return st.booleans()
    return json_values()


def fits(shape, value: str) -> bool:
    """True when the model's checks pass for this string."""
    problems: list[str] = []
    try:
        check(shape, value, "value", problems)
    except PoolError:
        return False
    return not problems


def json_values():
    """Any JSON value, nested a little."""
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), hostile_text()
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(hostile_text(), inner, max_size=3)
        ),
        max_leaves=8,
    )


def wrong_types(shape):
    """An object whose members have any JSON value at all."""
    names = st.sampled_from(sorted(shape.members))
    return st.dictionaries(names, json_values(), max_size=len(shape.members))


def as_json(value) -> bytes:
    """JSON as an SDK sends it (json.dumps escapes a lone surrogate as \\ud800)."""
    return json.dumps(value).encode()


def bodies(operation: str, real: list[str]):
    """Hostile request bodies for one operation."""
    shape = input_shape(operation)
    member = next(iter(shape.members)).encode()
    nested = st.integers(100, 50_000).map(
        lambda n: b'{"' + member + b'":' + b"[" * n + b"]" * n + b"}"
    )
    return st.one_of(
        st.binary(max_size=64),
        st.sampled_from([b"[]", b"42", b'"x"', b"null", b"true", b"{", b'{"a":NaN}', b"\xff{}"]),
        nested,
        wrong_types(shape).map(as_json),
        shaped(shape, real, constrained=False).map(as_json),
        shaped(shape, real, constrained=True).map(as_json),
        shaped(shape, real, constrained=True).map(as_json),
    )


def assert_no_fault(response, caplog) -> None:
    """No 5xx, and nothing logged with a traceback or at error level."""
    error = response.headers.get("x-amzn-ErrorType") or (
        response.json.get("error", "") if response.is_json else ""
    )
    answers[response.status_code, error] += 1
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    faults = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not faults, [r.getMessage() for r in faults]
    caplog.clear()


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@FUZZ
@given(data=st.data())
def test_no_5xx_for_hostile_api_bodies(world, caplog, operation, data):
    app, real = world
    body = data.draw(bodies(operation, real), label="body")
    headers = {"X-Amz-Target": TARGET_PREFIX + operation}
    if data.draw(st.integers(0, 9), label="signed") > 0:
        headers["Authorization"] = SIGNED
    response = app.test_client().post(
        "/_localpool/", data=body, headers=headers, content_type="application/x-amz-json-1.1"
    )
    assert_no_fault(response, caplog)
    answer = json.loads(response.get_data())
    assert isinstance(answer, dict) and ("__type" in answer) == (response.status_code != 200)


@pytest.mark.parametrize(
    "target", ["", "AWSCognitoIdentityProviderService.", "Nope.SignUp", TARGET_PREFIX + "Nope"]
)
def test_a_missing_or_unknown_target_is_a_4xx(world, caplog, target):
    app, _ = world
    response = app.test_client().post("/_localpool/", data=b"{}", headers={"X-Amz-Target": target})
    assert_no_fault(response, caplog)
    assert response.status_code == 400
    assert json.loads(response.get_data())["__type"] == "UnknownOperationException"


@pytest.mark.parametrize("size", [MAX_BODY + 1, 2 * MAX_BODY])
def test_an_oversized_body_is_a_413_in_cognitos_error_shape(world, caplog, size):
    app, _ = world
    headers = {"X-Amz-Target": TARGET_PREFIX + "SignUp"}
    response = app.test_client().post("/_localpool/", data=b" " * size, headers=headers)
    assert_no_fault(response, caplog)
    assert response.status_code == 413
    assert json.loads(response.get_data())["__type"] == "InvalidParameterException"


def test_the_api_takes_bodies_up_to_its_own_limit(world, caplog):
    """Larger than the app's limit for forms, within the API's: read, and answered as usual."""
    app, _ = world
    body = json.dumps({"ClientId": "demo", "Username": "x" * (MAX_BODY - 100)}).encode()
    assert MAX_BODY - 200 < len(body) <= MAX_BODY
    headers = {"X-Amz-Target": TARGET_PREFIX + "ForgotPassword"}
    response = app.test_client().post("/_localpool/", data=body, headers=headers)
    assert_no_fault(response, caplog)
    assert response.status_code == 400
    assert "length less than or equal to 128" in json.loads(response.get_data())["message"]


def test_the_model_is_checked_on_the_in_process_path_too(target):
    # botocore checks types and minimum lengths itself, not patterns, maxima or enums.
    with pytest.raises(ClientError) as exc:
        target.idp.sign_up(ClientId="not a client", Username=target.email(), Password=PASSWORD)
    assert error_code(exc) == "InvalidParameterException"
    message = exc.value.response["Error"]["Message"]
    assert message.startswith("1 validation error detected: Value")
    assert "at 'clientId' failed to satisfy constraint: Member must satisfy regular" in message


@pytest.mark.parametrize("code", ["١٢٣٤٥٦", "１２３４５６", "12345\u0666"])
def test_unicode_digits_are_a_wrong_code_not_a_fault(target, code):
    email = target.email()
    target.idp.sign_up(ClientId=target.client_id, Username=email, Password=PASSWORD)
    with pytest.raises(ClientError) as exc:
        target.idp.confirm_sign_up(ClientId=target.client_id, Username=email, ConfirmationCode=code)
    assert error_code(exc) == "CodeMismatchException"


def basic(raw: bytes) -> str:
    """A Basic Authorization header carrying raw (possibly non-UTF-8) credentials."""
    return "Basic " + base64.b64encode(raw).decode()


DOMAIN_FIELDS = [
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "token",
    "client_id",
    "client_secret",
    "request_id",
    "email",
    "action",
]


@FUZZ
@given(data=st.data())
def test_no_5xx_for_hostile_oauth2_domain_requests(world, caplog, data):
    app, real = world
    route, method = data.draw(
        st.sampled_from(
            [
                ("/_localpool/oauth2/token", "POST"),
                ("/_localpool/oauth2/revoke", "POST"),
                ("/_localpool/oauth2/userInfo", "GET"),
                ("/_localpool/oauth2/userInfo", "POST"),
                ("/_localpool/oauth2/authorize", "GET"),
                ("/_localpool/oauth2/authorize", "POST"),
            ]
        ),
        label="route",
    )
    value = st.one_of(
        st.sampled_from(real + ["authorization_code", "refresh_token", "Google", "code"]),
        st.binary(max_size=24),  # percent-encoded, so also bytes that are not UTF-8
        hostile_text(),
    )
    fields = data.draw(
        st.dictionaries(st.sampled_from(DOMAIN_FIELDS), value, max_size=6), label="fields"
    )
    # A lone surrogate goes out as the bytes it would have in UTF-8: not valid UTF-8.
    query = urlencode(
        {
            k: v.encode("utf-8", "surrogatepass") if isinstance(v, str) else v
            for k, v in fields.items()
        }
    )
    header = data.draw(
        st.one_of(
            st.none(),
            st.binary(max_size=40).map(basic),
            st.sampled_from(["Basic", "Basic !!!", basic(b"demo:"), basic(b"gatehouse:\xff\xfe")]),
            st.sampled_from(real[-3:]).map(lambda token: "Bearer " + token),
            st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=40),
        ),
        label="authorization",
    )
    headers = {"Authorization": header} if header is not None else {}
    client = app.test_client()
    if method == "GET":
        response = client.get(route, query_string=query, headers=headers)
    else:
        response = client.post(
            route,
            data=query,
            headers=headers,
            content_type="application/x-www-form-urlencoded",
        )
    assert_no_fault(response, caplog)
    if route.endswith(("/token", "/revoke", "/userInfo")) and response.status_code >= 400:
        assert response.is_json and "error" in response.json
