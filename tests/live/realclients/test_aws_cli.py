"""The AWS CLI commands of the README, read from the README and run for real against a live
server's local pool (`AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=<live>/_localpool`)."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from app.mail.outbox import Outbox
from tests.conftest import code_in

from ..conftest import ROOT

README_PORT = "http://127.0.0.1:8000"


def readme_commands() -> list[str]:
    """The lines of the README's shell block that runs `aws cognito-idp`."""
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    block = next(b for b in blocks if "aws cognito-idp" in b)
    return [line for line in block.splitlines() if line.strip()]


def cli_env(tmp: Path) -> dict[str, str]:
    """The CLI's environment: the venv's `aws` first; nothing read from this machine's AWS
    set-up; throwaway keys, so no credential provider (instance metadata) is ever asked."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        AWS_CONFIG_FILE=str(tmp / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp / "aws-credentials"),
        AWS_ACCESS_KEY_ID="any",
        AWS_SECRET_ACCESS_KEY="any",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_PAGER="",
    )
    return env


def test_the_readme_aws_cli_commands_sign_up_confirm_and_sign_in(front_door, tmp_path):
    env = cli_env(tmp_path)
    outputs = []
    for line in readme_commands():
        line = line.replace(README_PORT, front_door.url)
        if line.startswith("export "):
            env.update(assignment.split("=", 1) for assignment in shlex.split(line)[1:])
        elif line.startswith("CODE="):
            # What the comment tells a person to do: read the code from the email.
            mail = Outbox(front_door.data_dir / "outbox").messages("you@example.com")[-1]
            env["CODE"] = code_in(mail.text)
        elif line.startswith("aws "):
            done = subprocess.run(
                ["bash", "-c", line], env=env, capture_output=True, text=True, timeout=60
            )
            assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
            outputs.append(json.loads(done.stdout) if done.stdout.strip() else {})
        else:
            raise AssertionError(f"a README line this test does not run: {line}")
    assert env["AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"] == f"{front_door.url}/_localpool"
    sign_up, confirmed, signed_in = outputs
    assert sign_up["UserConfirmed"] is False and sign_up["UserSub"]
    assert confirmed == {}
    result = signed_in["AuthenticationResult"]
    keys = requests.get(
        f"{front_door.url}/_localpool/us-east-1_gatehouse/.well-known/jwks.json", timeout=10
    ).json()
    claims = jwt.decode(result["IdToken"], KeySet.import_key_set(keys), algorithms=["RS256"]).claims
    assert claims["email"] == "you@example.com" and claims["sub"] == sign_up["UserSub"]
    assert claims["aud"] == "demo" and result["RefreshToken"]
