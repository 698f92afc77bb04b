"""Gatehouse: a branded, server-rendered front end for an Amazon Cognito user pool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from . import i18n, mail, observability
from .backup.cli import users
from .brand_check import brands
from .branding import check_email_sizes, load_brands
from .config import ConfigError, Settings, load_settings
from .observability import logs
from .store import build_store
from .userpool import UserPool, build_client
from .userpool.admission import build_admission
from .userpool.domain import PoolDomain
from .userpool.quotas import DEFAULT_RPS, HEADROOM
from .web import error_pages, hosts, housekeeping, page_cache, security, sessions
from .web.application import Application

ROOT = Path(__file__).resolve().parent.parent
SESSION_SECONDS = 12 * 3600
PURGE_SECONDS = 300
csrf = CSRFProtect()
babel = i18n.BrandedBabel()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, the user pool gateway and the blueprints.

    ``test_config`` overrides settings by name (``data_dir``, ``aws_max_attempts``, ...) and
    may carry ``TESTING``, ``clock`` (the local pool's time source) and ``localpool`` (pool
    settings that replace the seed's, e.g. ``{"throttle": {...}, "lambda_config": {...}}``).
    """
    settings = load_settings(overrides=test_config)
    logs.configure(settings.log_level)
    app = Application(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        OUTBOX_DIR=settings.outbox_dir,
        TESTING=bool(settings.extra.get("TESTING", False)),
        WTF_CSRF_TIME_LIMIT=3600,
        # Faults reach the error pages in tests too, exactly as in production.
        PROPAGATE_EXCEPTIONS=False,
    )
    app.extensions["gatehouse.settings"] = settings
    observability.init_app(app)
    if settings.is_local:
        hosts.one_host_name(app, settings.base_url)
    app.extensions["gatehouse.mailer"] = mail.build_sender(settings)
    store = build_store(settings.redis_url, settings.data_dir, settings.clock)
    app.extensions["gatehouse.store"] = store
    housekeeping.init_app(app, settings.clock)
    housekeeping.add(app, "purge expired records", store.purge, PURGE_SECONDS)
    sessions.init_app(app, store, SESSION_SECONDS)
    app.extensions["gatehouse.brands"] = load_brands(settings.branding_dir)
    check_email_sizes(settings, app.extensions["gatehouse.brands"])
    _check_magic_links(app, settings)
    i18n.init_app(app, babel)
    security.init_app(app, settings.base_url, csrf, local=settings.is_local)
    page_cache.init_app(app)
    error_pages.init_app(app)
    app.extensions["gatehouse.userpool"] = _user_pool(app, settings)
    app.extensions["gatehouse.domain"] = _pool_domain(app, settings)

    from . import followups
    from .flows import register

    followups.init_app(app)
    register(app, local_mode=settings.is_local)
    app.cli.add_command(brands)
    app.cli.add_command(users)
    if settings.is_local:
        from .localpool.cli import localpool

        app.cli.add_command(localpool)
    if settings.is_local and not settings.dangerously_serve_local_mode_on_network:
        hosts.serve_loopback_only(app, settings.base_url)
    return app


def _check_magic_links(app: Flask, settings: Settings) -> None:
    """A brand that offers magic links needs the key the custom-auth Lambdas sign with."""
    offering = [b.client_id for b in app.extensions["gatehouse.brands"].values() if b.magic_link]
    if offering and not settings.link_key:
        raise ConfigError(
            "GATEHOUSE_MAGIC_LINK_KEY must be set (the same secret the custom-auth Lambdas use): "
            f"brands {', '.join(offering)} offer magic links"
        )


def _pool_domain(app: Flask, settings: Settings) -> PoolDomain:
    """The pool's OAuth2 domain; in local mode its requests are answered in process."""
    adapters = {}
    if settings.is_local:
        from .localpool.inprocess import InProcessAdapter

        adapters[f"{settings.base_url.rstrip('/')}/_localpool"] = InProcessAdapter(app)
    pool_id = app.extensions["gatehouse.userpool"].pool_id
    return PoolDomain(settings.issuer(pool_id), adapters, settings.clock)


def _user_pool(app: Flask, settings: Settings) -> UserPool:
    """The gateway, on a client wired to the local pool (local mode) or to Cognito."""
    if settings.is_local:
        from .localpool import mount

        client, defaults = mount(app, settings, build_client)
        # The pool's HTTP API is for SDKs, which send no CSRF token.
        csrf.exempt("app.localpool.http.api")
        csrf.exempt("app.localpool.domain.token")
        csrf.exempt("app.localpool.domain.revoke")
        csrf.exempt("app.localpool.domain.userinfo")
        csrf.exempt("app.localpool.apple.token")
        csrf.exempt("app.localpool.apple.revoke")
    else:
        client = build_client(settings)
        defaults = {
            "pool_id": settings.user_pool_id,
            "client_id": settings.client_id,
            "client_secret": settings.client_secret,
        }
    admission = build_admission(
        quota_rates(settings, app.extensions.get("gatehouse.localpool")),
        settings.redis_url,
        settings.admission_wait_seconds,
        clock=settings.clock,
        observe=app.extensions["gatehouse.metrics"].admission_wait,
    )
    return UserPool(
        client,
        max_attempts=settings.aws_max_attempts,
        metrics=app.extensions["gatehouse.metrics"],
        admission=admission,
        **defaults,
    )


def quota_rates(settings: Settings, local_pool: Any = None) -> dict[str, float]:
    """Requests per second to budget per quota category: the configured ones, else a little
    under Cognito's defaults, or in local mode under the local pool's own throttle (a local
    pool that does not throttle needs no budget)."""
    if settings.is_local:
        limits = dict(local_pool.throttle) if local_pool is not None else {}
    else:
        limits = dict(DEFAULT_RPS)
    rates = {name: rps * HEADROOM for name, rps in limits.items() if rps}
    rates.update(settings.pool_quotas)
    return rates
