"""Run the pool's Lambda triggers in process, with events shaped field for field like Cognito's."""

from __future__ import annotations

import copy
import importlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import PoolError

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
VERSIONED = "PreTokenGenerationConfig"
# Triggers LambdaConfig names as {LambdaArn, LambdaVersion} (the custom sender triggers).
SENDERS = ("CustomEmailSender",)
# LambdaConfig's KMSKeyID names the key the custom senders' codes are encrypted with: no trigger.
KMS_KEY = "KMSKeyID"


@dataclass
class LambdaContext:
    """The few attributes of AWS Lambda's context object that handlers commonly read."""

    function_name: str
    aws_request_id: str
    memory_limit_in_mb: int = 128

    def get_remaining_time_in_millis(self) -> int:
        """Cognito waits five seconds for a trigger; report that budget."""
        return 5000


def resolve(spec: str | Handler) -> Handler:
    """Turn ``"package.module:function"`` (a seed value) into the function, as Lambda would."""
    if callable(spec):
        return spec
    module_name, _, attr = spec.partition(":")
    if not attr:
        raise ValueError(f"trigger {spec!r} must look like 'package.module:function'")
    return getattr(importlib.import_module(module_name), attr)


class TriggerRunner:
    """Holds the configured triggers and invokes them with Cognito-shaped events."""

    def __init__(self, pool_id: str, region: str, config: dict[str, Any]) -> None:
        self.pool_id = pool_id
        self.region = region
        config = dict(config)
        # Cognito's LambdaConfig names the PreTokenGeneration function either way; the
        # ``PreTokenGenerationConfig`` form also names its event version (V1_0, V2_0, V3_0).
        versioned = config.pop(VERSIONED, None)
        config.pop(KMS_KEY, None)
        senders = {name: config.pop(name) for name in SENDERS if name in config}
        self.handlers = {name: resolve(spec) for name, spec in config.items()}
        self.versions: dict[str, str] = {}
        for name, spec in senders.items():
            self.handlers[name] = resolve(spec["LambdaArn"])
            self.versions[name] = spec.get("LambdaVersion", "V1_0")
        if versioned:
            self.handlers["PreTokenGeneration"] = resolve(versioned["LambdaArn"])
            self.versions["PreTokenGeneration"] = versioned.get("LambdaVersion", "V1_0")

    def version(self, name: str) -> str:
        """The event version the pool sends to this trigger (``V1_0`` unless configured)."""
        return self.versions.get(name, "V1_0")

    def configured(self, name: str) -> bool:
        """True when the pool has a handler for this trigger."""
        return name in self.handlers

    def event(
        self,
        source: str,
        user_name: str,
        client_id: str | None,
        request: dict[str, Any],
        response: dict[str, Any],
    ) -> dict[str, Any]:
        """The common envelope every Cognito trigger event has (``client_id`` None: an admin
        call, made with IAM credentials, names no app client)."""
        return {
            "version": "1",
            "triggerSource": source,
            "region": self.region,
            "userPoolId": self.pool_id,
            "userName": user_name,
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id},
            "request": request,
            "response": response,
        }

    def invoke(self, name: str, event: dict[str, Any]) -> dict[str, Any]:
        """Call a trigger; a raised error becomes Cognito's UserLambdaValidationException."""
        handler = self.handlers[name]
        context = LambdaContext(function_name=name, aws_request_id=str(uuid.uuid4()))
        try:
            result = handler(copy.deepcopy(event), context)
        except PoolError:
            raise
        except Exception as exc:  # a Lambda's failure is reported to the caller, as Cognito does
            raise PoolError(
                "UserLambdaValidationException", f"{name} failed with error {exc}."
            ) from exc
        if not isinstance(result, dict) or not isinstance(result.get("response"), dict):
            raise PoolError("InvalidLambdaResponseException", f"Invalid {name} response")
        return result["response"]
