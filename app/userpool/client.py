"""Build the one boto3 ``cognito-idp`` client the app uses, with explicit retries and timeouts."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from ..config import Settings


def client_config(settings: Settings) -> Config:
    """One attempt per call and short timeouts: the gateway decides what may be tried again
    (botocore would repeat calls that change data after a timeout)."""
    return Config(
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=settings.aws_connect_timeout,
        read_timeout=settings.aws_read_timeout,
        user_agent_extra="gatehouse",
    )


def build_client(settings: Settings, **overrides: Any) -> Any:
    """A ``cognito-idp`` client for the configured region (local mode passes endpoint and keys)."""
    session = boto3.session.Session()
    return session.client(
        "cognito-idp", region_name=settings.region, config=client_config(settings), **overrides
    )
