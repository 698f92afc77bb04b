"""The embedded, Cognito-compatible local user pool (local mode only).

``mount`` builds the pool from its seed, serves it at ``/_localpool/`` and wires a boto3 client
to it in process, so the gateway runs the same code it runs against Cognito.
"""

from __future__ import annotations

import inspect
from typing import Any

from flask import Flask

from ..config import Settings
from .pool import LocalPool
from .seed import load_seed
from .triggers import resolve
from .wire import attach

__all__ = ["LocalPool", "mount"]
PURGE_SECONDS = 300
CUSTOM_EMAIL_SENDER = "app.triggers.custom_email_sender:handler"


def mount(app: Flask, settings: Settings, build_client) -> tuple[Any, dict[str, str]]:
    """Start the pool for ``app``; returns the wired client and the gateway's defaults."""
    base_url = settings.base_url.rstrip("/")
    seed = load_seed(settings.localpool_seed, settings.extra.get("localpool"), base_url=base_url)
    # Project triggers get local collaborators, as a Lambda gets its environment.
    services: dict = {}  # filled below, once the client exists: triggers that call the pool
    if settings.email_trigger == "CustomEmailSender":
        seed.pool.lambda_config = with_custom_email_sender(seed.pool.lambda_config)
    seed.pool.lambda_config = {
        name: (
            {**spec, "LambdaArn": _bind(resolve(spec["LambdaArn"]), settings, services)}
            if isinstance(spec, dict)
            else spec
            if name == "KMSKeyID"
            else _bind(resolve(spec), settings, services)
        )
        for name, spec in seed.pool.lambda_config.items()
    }
    extra = {"clock": settings.extra["clock"]} if "clock" in settings.extra else {}
    pool = LocalPool(
        seed,
        db_path=settings.data_dir / "localpool.sqlite3",
        issuer_base=f"{base_url}/_localpool",
        base_url=base_url,
        outbox_dir=settings.outbox_dir,
        region=settings.region,
        **extra,
    )
    # Admin calls are signed, as on AWS; the local pool accepts any key.
    client = build_client(
        settings,
        endpoint_url=f"{base_url}/_localpool",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    attach(client, pool)
    services.update(idp=client, pool_id=pool.id, kms=pool.mail.kms)
    from .http import blueprint

    app.register_blueprint(blueprint(pool))
    from .domain import blueprint as domain_blueprint

    app.register_blueprint(domain_blueprint(pool, settings.secret_key))
    from .apple import blueprint as apple_blueprint

    app.register_blueprint(apple_blueprint(pool, settings.apple()))
    app.extensions["gatehouse.localpool"] = pool
    from ..web import housekeeping

    housekeeping.add(app, "purge the local pool", pool.purge, PURGE_SECONDS)
    # The start page shows the seeded accounts that have a password (local mode only).
    app.extensions["gatehouse.demo_users"] = [(u.email, u.password) for u in seed.users]
    own = seed.clients.get(settings.client_id or "gatehouse")
    defaults = {
        "pool_id": settings.user_pool_id or pool.id,
        "client_id": settings.client_id or "gatehouse",
        "client_secret": settings.client_secret or (own.secret if own else ""),
    }
    return client, defaults


def with_custom_email_sender(config: dict[str, Any]) -> dict[str, Any]:
    """A lambda config that sends the pool's emails with this project's CustomEmailSender
    (``GATEHOUSE_EMAIL_TRIGGER=CustomEmailSender``) instead of CustomMessage: Cognito runs one
    or the other."""
    config = {name: spec for name, spec in config.items() if name != "CustomMessage"}
    config.setdefault(
        "CustomEmailSender", {"LambdaVersion": "V1_0", "LambdaArn": CUSTOM_EMAIL_SENDER}
    )
    return config


def _bind(handler, settings: Settings, services: dict):
    """A trigger that offers ``for_local`` is given this app's settings; others run as they are."""
    for_local = getattr(handler, "for_local", None)
    if not callable(for_local):
        return handler
    if "services" in inspect.signature(for_local).parameters:
        return for_local(settings, services)
    return for_local(settings)
