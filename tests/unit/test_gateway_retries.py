"""What the gateway tries again, and what it never repeats blindly (issue 10, "Retried writes")."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from app.userpool import errors
from app.userpool.gateway import UserPool

URL = "https://cognito-idp.us-east-1.amazonaws.com/"
META = boto3.client("cognito-idp", region_name="us-east-1").meta


def client_error(code: str) -> ClientError:
    """A service error as botocore raises it."""
    return ClientError({"Error": {"Code": code, "Message": "raw"}}, "Op")


class Scripted:
    """A cognito-idp client whose calls fail or answer as scripted, counting every attempt."""

    meta = META

    def __init__(self, *outcomes) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    def _next(self, **_):
        self.calls += 1
        outcome = self.outcomes.pop(0) if self.outcomes else {}
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    change_password = forgot_password = get_user = delete_user = sign_up = _next


def gateway(client, attempts: int = 3) -> UserPool:
    """A gateway over a scripted client that does not really sleep."""
    return UserPool(client, pool_id="p", client_id="c", max_attempts=attempts, sleep=lambda _: None)


def test_a_limit_is_never_retried():
    # botocore's standard mode retried LimitExceededException with seconds of back-off.
    client = Scripted(client_error("LimitExceededException"))
    with pytest.raises(errors.TooManyAttempts):
        gateway(client).call("ForgotPassword", Username="a@example.com")
    assert client.calls == 1


def test_throttling_is_retried_for_any_call_within_the_attempts():
    client = Scripted(*[client_error("TooManyRequestsException")] * 2, {"UserSub": "s"})
    assert gateway(client).call("SignUp", Username="a@example.com", Password="x") == {
        "UserSub": "s"
    }
    client = Scripted(*[client_error("TooManyRequestsException")] * 5)
    with pytest.raises(errors.Throttled):
        gateway(client, attempts=3).call("SignUp", Username="a@example.com", Password="x")
    assert client.calls == 3  # GATEHOUSE_AWS_MAX_ATTEMPTS counts attempts in all


def test_a_connection_that_never_reached_the_pool_is_retried():
    client = Scripted(EndpointConnectionError(endpoint_url=URL), {})
    gateway(client).call("DeleteUser", AccessToken="t")
    assert client.calls == 2


def test_a_read_is_repeated_after_a_timeout():
    client = Scripted(ReadTimeoutError(endpoint_url=URL), {"Username": "u", "UserAttributes": []})
    assert gateway(client).call("GetUser", AccessToken="t")["Username"] == "u"
    assert client.calls == 2


@pytest.mark.parametrize(
    "failure", [ReadTimeoutError(endpoint_url=URL), client_error("InternalErrorException")]
)
def test_a_change_is_never_repeated_blindly_after_an_unclear_failure(failure):
    client = Scripted(failure, {})
    with pytest.raises(errors.Ambiguous):
        gateway(client).call(
            "ChangePassword", AccessToken="t", PreviousPassword="a", ProposedPassword="b"
        )
    assert client.calls == 1


def test_reconcile_decides_after_an_unclear_failure():
    done = Scripted(ReadTimeoutError(endpoint_url=URL))
    assert gateway(done).call("DeleteUser", AccessToken="t", reconcile=lambda: True) == {}
    assert done.calls == 1  # it had happened: not sent again

    not_done = Scripted(ReadTimeoutError(endpoint_url=URL), {})
    gateway(not_done).call("DeleteUser", AccessToken="t", reconcile=lambda: False)
    assert not_done.calls == 2  # it had not happened: one more try is safe

    unknown = Scripted(ReadTimeoutError(endpoint_url=URL))
    with pytest.raises(errors.Ambiguous):
        gateway(unknown).call("DeleteUser", AccessToken="t", reconcile=lambda: None)

    def failing() -> bool:
        raise errors.Unavailable("EndpointConnectionError", "AdminGetUser")

    broken = Scripted(ReadTimeoutError(endpoint_url=URL))
    with pytest.raises(errors.Ambiguous):
        gateway(broken).call("DeleteUser", AccessToken="t", reconcile=failing)


def test_ambiguous_is_a_503_with_its_own_message():
    from app.messages import MESSAGES

    assert issubclass(errors.Ambiguous, errors.Unavailable)
    assert errors.Ambiguous.key in MESSAGES and errors.Ambiguous.key != errors.Unavailable.key


def test_botocore_itself_makes_one_attempt(app):
    # The in-process client of the local pool: its retry config allows exactly one attempt.
    client = app.extensions["gatehouse.userpool"].client
    assert client.meta.config.retries["total_max_attempts"] == 1
