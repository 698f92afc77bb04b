"""The CloudFormation template for the Cognito side: valid (cfn-lint), and its handlers exist."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import yaml

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"


def test_the_template_passes_cfn_lint():
    # With the SAM translator (dev extra) cfn-lint checks the functions and roles the
    # serverless transform makes, not only the plain CloudFormation resources.
    import samtranslator  # noqa: F401

    cfn_lint = Path(sys.executable).parent / "cfn-lint"  # the dev extra's console script
    result = subprocess.run(
        [str(cfn_lint), str(TEMPLATE)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_handler_named_in_the_template_exists():
    handlers = re.findall(r"Handler: ([\w.]+)", TEMPLATE.read_text())
    assert len(handlers) == 8
    for path in handlers:
        module, _, name = path.rpartition(".")
        assert callable(getattr(importlib.import_module(module), name)), path


def test_the_pool_is_configured_as_gatehouse_expects():
    text = TEMPLATE.read_text()
    for setting in (
        "UsernameAttributes: [email]",
        "CaseSensitive: false",
        "AttributesRequireVerificationBeforeUpdate: [email]",
        "PreventUserExistenceErrors: ENABLED",
        "AttributeName: expires_at",
        "UserPoolTier: ESSENTIALS",
        "LambdaVersion: V2_0",
        "LambdaArn: !GetAtt PreTokenGenerationFunction.Arn",
    ):
        assert setting in text


def test_the_email_trigger_parameter_chooses_custom_message_or_custom_email_sender():
    text = TEMPLATE.read_text()
    for setting in (
        "AllowedValues: [CustomMessage, CustomEmailSender]",
        "UseCustomEmailSender: !Equals [!Ref EmailTrigger, CustomEmailSender]",
        "Handler: app.triggers.custom_email_sender.handler",
        "GATEHOUSE_KMS_KEY_ARN: !GetAtt EmailSenderKey.Arn",
        "KMSKeyID: !If [UseCustomEmailSender, !GetAtt EmailSenderKey.Arn, !Ref AWS::NoValue]",
        "LambdaArn: !GetAtt CustomEmailSenderFunction.Arn",
        "AWS: !GetAtt CustomEmailSenderFunctionRole.Arn",
        "Action: [ses:SendEmail]",
        "Service: cognito-idp.amazonaws.com",
    ):
        assert setting in text, setting


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags, each read as ``{tag: value}``."""


_CfnLoader.add_multi_constructor(
    "!",
    lambda loader, tag, node: {
        tag: (
            loader.construct_scalar(node)
            if isinstance(node, yaml.ScalarNode)
            else loader.construct_sequence(node)
            if isinstance(node, yaml.SequenceNode)
            else loader.construct_mapping(node)
        )
    },
)


def _actions(statement: dict) -> list[str]:
    """A policy statement's actions, as a list."""
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def test_only_the_sender_role_can_decrypt_the_codes():
    resources = yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader)["Resources"]
    statements = resources["EmailSenderKey"]["Properties"]["KeyPolicy"]["Statement"]
    using = ("kms:*", "kms:Decrypt", "kms:Encrypt", "kms:CreateGrant", "kms:ReEncrypt")
    decrypters, administrators = [], 0
    for statement in statements:
        actions = _actions(statement)
        principal = statement["Principal"]
        if principal.get("AWS") == {"Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}:
            # The account administers the key; using it would let any IAM policy with
            # kms:Decrypt on * read every code.
            assert not [a for a in actions if a.startswith(using) or a.endswith("*")], actions
            assert "kms:PutKeyPolicy" in actions  # CloudFormation can still update the policy
            administrators += 1
        if any(a in ("kms:Decrypt", "kms:*") for a in actions):
            decrypters.append(principal)
        if principal.get("Service") == "cognito-idp.amazonaws.com":
            assert "kms:Decrypt" not in actions and statement["Condition"]
    assert administrators == 1
    assert decrypters == [{"AWS": {"GetAtt": "CustomEmailSenderFunctionRole.Arn"}}]
    # The role's own policies name no KMS key: the key's policy names the role (either way
    # round, not both, or the two resources would depend on each other).
    sender = resources["CustomEmailSenderFunction"]["Properties"]
    assert not [p for p in sender["Policies"] if "KMSDecryptPolicy" in p]


def test_the_sender_sends_only_from_the_mail_from_identity():
    resources = yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader)["Resources"]
    policies = resources["CustomEmailSenderFunction"]["Properties"]["Policies"]
    (ses,) = [
        statement
        for policy in policies
        for statement in policy.get("Statement", [])
        if "ses:SendEmail" in _actions(statement)
    ]
    assert ses["Resource"] == {
        "Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${MailFrom}"
    }
    assert ses["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "MailFrom"}}}


def _decoded() -> dict:
    """The template as cfn-lint reads it (short tags as ``Fn::...`` and ``Ref``)."""
    from cfnlint.decode import decode_str

    template, problems = decode_str(TEMPLATE.read_text())
    assert not problems, problems
    return template


def test_user_migration_is_wired_only_when_a_legacy_url_is_given():
    template = _decoded()
    parameter = template["Parameters"]["LegacyUrl"]
    assert parameter["Default"] == ""  # the default deploy has no migration trigger
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.fullmatch("") and pattern.fullmatch("https://legacy.example.com/api")
    assert not pattern.fullmatch("http://legacy.example.com")
    assert template["Conditions"]["MigrateUsers"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "LegacyUrl"}, ""]}]
    }
    resources = template["Resources"]
    lambda_config = resources["UserPool"]["Properties"]["LambdaConfig"]
    assert lambda_config["UserMigration"] == {
        "Fn::If": [
            "MigrateUsers",
            {"Fn::GetAtt": ["UserMigrationFunction", "Arn"]},
            {"Ref": "AWS::NoValue"},
        ]
    }
    function = resources["UserMigrationFunction"]
    assert function["Condition"] == "MigrateUsers"
    assert function["Properties"]["Handler"] == "app.triggers.user_migration.handler"
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables == {"GATEHOUSE_LEGACY_URL": {"Ref": "LegacyUrl"}}
    # It calls no AWS API: no policy beyond SAM's own (its logs).
    assert "Policies" not in function["Properties"]
    # No handler for PreAuthentication or PostAuthentication in app/triggers/: not wired.
    assert "PreAuthentication" not in lambda_config and "PostAuthentication" not in lambda_config


def test_only_the_pool_may_invoke_each_trigger():
    resources = _decoded()["Resources"]
    permissions = {
        props["FunctionName"]["Ref"]: (resource.get("Condition"), props)
        for resource in resources.values()
        if resource["Type"] == "AWS::Lambda::Permission"
        for props in [resource["Properties"]]
    }
    functions = {
        name: resource.get("Condition")
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
    }
    assert set(permissions) == set(functions)
    for name, (condition, props) in permissions.items():
        # Deployed with its function, or CloudFormation would name a function that is not there.
        assert condition == functions[name], name
        assert props["Action"] == "lambda:InvokeFunction"
        assert props["Principal"] == "cognito-idp.amazonaws.com"
        assert props["SourceArn"] == {"Fn::GetAtt": ["UserPool", "Arn"]}, name
