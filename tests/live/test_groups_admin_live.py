"""Groups and the server-side sign-in of a running server's local pool, driven by clients
nobody here wrote: pycognito (admin_authenticate, get_groups) and the AWS CLI's group commands."""

from __future__ import annotations

import json
import subprocess
import uuid

from .conftest import local_idp, pycognito_user
from .realclients.test_aws_cli import cli_env

POOL_ID = "us-east-1_gatehouse"
PASSWORD = "Corr3ct-horse"


def _user(live) -> str:
    """A confirmed user of the live pool, made by an administrator; returns the email."""
    email = f"groups-{uuid.uuid4().hex[:8]}@example.com"
    idp = local_idp(live)
    idp.admin_create_user(UserPoolId=POOL_ID, Username=email, MessageAction="SUPPRESS")
    idp.admin_set_user_password(
        UserPoolId=POOL_ID, Username=email, Password=PASSWORD, Permanent=True
    )
    return email


def test_pycognito_admin_authenticate_and_get_groups(live):
    email = _user(live)
    name = f"staff-{uuid.uuid4().hex[:6]}"
    role = "arn:aws:iam::000000000000:role/staff"
    idp = local_idp(live)
    idp.create_group(UserPoolId=POOL_ID, GroupName=name, Precedence=1, RoleArn=role)
    idp.admin_add_user_to_group(UserPoolId=POOL_ID, Username=email, GroupName=name)
    user = pycognito_user(live, email)
    user.admin_authenticate(password=PASSWORD)  # pycognito checks the tokens with the JWKS
    assert user.id_claims["email"] == email and user.access_claims["token_use"] == "access"
    assert user.id_claims["cognito:groups"] == user.access_claims["cognito:groups"] == [name]
    assert user.id_claims["cognito:preferred_role"] == role and user.refresh_token
    groups = {group.group_name: group for group in user.get_groups()}
    assert groups[name].precedence == 1 and groups[name].role_arn == role
    assert user.admin_list_groups_for_user(email) == [name]


def _aws(live, env: dict[str, str], *args: str) -> dict:
    """Run one `aws cognito-idp` command against the live pool; returns its JSON output."""
    done = subprocess.run(
        ["aws", "cognito-idp", *args, "--endpoint-url", f"{live.url}/_localpool"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout) if done.stdout.strip() else {}


def test_the_aws_cli_group_commands(live, tmp_path):
    env = cli_env(tmp_path)
    env["AWS_DEFAULT_REGION"] = "us-east-1"
    email, name = _user(live), f"cli-{uuid.uuid4().hex[:6]}"
    pool = ("--user-pool-id", POOL_ID)
    made = _aws(
        live, env, "create-group", *pool, "--group-name", name, "--description", "From the CLI"
    )
    assert made["Group"]["GroupName"] == name and made["Group"]["Description"] == "From the CLI"
    listed = _aws(live, env, "list-groups", *pool)
    assert name in [group["GroupName"] for group in listed["Groups"]]
    added = _aws(
        live, env, "admin-add-user-to-group", *pool, "--username", email, "--group-name", name
    )
    assert added == {}
    mine = _aws(live, env, "admin-list-groups-for-user", *pool, "--username", email)
    assert [group["GroupName"] for group in mine["Groups"]] == [name]
    members = _aws(live, env, "list-users-in-group", *pool, "--group-name", name)
    emails = [
        attribute["Value"]
        for user in members["Users"]
        for attribute in user["Attributes"]
        if attribute["Name"] == "email"
    ]
    assert emails == [email]
