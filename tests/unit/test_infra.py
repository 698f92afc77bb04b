"""The CloudFormation template for the Cognito side: valid (cfn-lint), and its handlers exist."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"


def test_the_template_passes_cfn_lint():
    cfn_lint = Path(sys.executable).parent / "cfn-lint"  # the dev extra's console script
    result = subprocess.run(
        [str(cfn_lint), str(TEMPLATE)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_handler_named_in_the_template_exists():
    handlers = re.findall(r"Handler: ([\w.]+)", TEMPLATE.read_text())
    assert len(handlers) == 7
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
        "KeyId: !Ref EmailSenderKey",
        "Action: [ses:SendEmail]",
        "Service: cognito-idp.amazonaws.com",
    ):
        assert setting in text, setting
