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
    assert len(handlers) == 6
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
