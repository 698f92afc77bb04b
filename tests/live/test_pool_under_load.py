"""Several gunicorn workers share one local-pool database: concurrent sign-ins, sign-ups and
password changes all succeed, with no "database is locked" (Argon2 and SRP verifiers are
computed outside the pool's write transactions)."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from .conftest import SEED, start

USERS = 20
SECONDS = 8.0
PASSWORD = "Corr3ct-horse"


def _seed_text() -> str:
    """The default seed plus one confirmed user per load thread."""
    users = "".join(
        f'\n[[users]]\nemail = "load-{i}@example.com"\npassword = "{PASSWORD}"\n'
        for i in range(USERS)
    )
    return SEED.read_text() + users


def _load(server, index: int, deadline: float, outcome: Counter, lock: threading.Lock) -> None:
    """One person's loop until the deadline: sign in, change the password, sign someone up."""
    # One attempt per call (botocore's max_attempts counts retries), so every 5xx is seen.
    idp = boto3.client(
        "cognito-idp",
        region_name="us-east-1",
        endpoint_url=f"{server.url}/_localpool",
        aws_access_key_id="any",
        aws_secret_access_key="any",
        config=Config(read_timeout=30, retries={"mode": "standard", "total_max_attempts": 1}),
    )
    email = f"load-{index}@example.com"

    def call(name: str, fn, **kwargs):
        """Count one call's outcome by HTTP status (or error code for a 4xx)."""
        try:
            result = fn(**kwargs)
            key = "200"
        except ClientError as exc:
            status = exc.response["ResponseMetadata"]["HTTPStatusCode"]
            result, key = None, f"{status} {exc.response['Error']['Code']}"
        with lock:
            outcome[f"{name} {key}"] += 1
        return result

    while time.monotonic() < deadline:
        signed_in = call(
            "InitiateAuth",
            idp.initiate_auth,
            ClientId="demo",
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )
        if signed_in:
            call(
                "ChangePassword",
                idp.change_password,
                AccessToken=signed_in["AuthenticationResult"]["AccessToken"],
                PreviousPassword=PASSWORD,
                ProposedPassword=PASSWORD,
            )
        call(
            "SignUp",
            idp.sign_up,
            ClientId="demo",
            Username=f"new-{uuid.uuid4().hex[:10]}@example.com",
            Password=PASSWORD,
        )


def test_two_workers_on_one_database_answer_every_call(tmp_path):
    proc, server = start(tmp_path, _seed_text(), WEB_CONCURRENCY="2", GUNICORN_THREADS="10")
    try:
        outcome: Counter = Counter()
        lock = threading.Lock()
        deadline = time.monotonic() + SECONDS
        threads = [
            threading.Thread(target=_load, args=(server, i, deadline, outcome, lock))
            for i in range(USERS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=SECONDS + 40)
        log = server.log.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(dict(outcome))
    failures = {key: n for key, n in outcome.items() if not key.endswith(" 200")}
    assert not failures, (failures, dict(outcome))
    assert "database is locked" not in log and '" 500 ' not in log
    assert sum(outcome.values()) >= USERS * 3  # every thread got through a round at least
