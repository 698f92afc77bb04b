"""Typed settings read from ``GATEHOUSE_*`` environment variables.

Everything configurable lives here, so start-up can refuse a bad configuration with one
message that names the setting to fix, instead of failing later on a request.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

MODES = ("local", "cognito")
MIN_SECRET_LENGTH = 32
DEFAULT_SEED = Path(__file__).parent / "localpool" / "seed.toml"


class ConfigError(RuntimeError):
    """Raised at start-up when a setting is missing or unsafe; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    """Every Gatehouse setting; the README's table lists the same names and defaults."""

    mode: str = "local"
    secret_key: str = ""
    data_dir: Path = Path("var")
    base_url: str = "http://localhost:8000"
    region: str = "us-east-1"
    user_pool_id: str = ""
    client_id: str = ""
    client_secret: str = ""
    pool_domain: str = ""
    redis_url: str = ""
    localpool_seed: Path = DEFAULT_SEED
    aws_max_attempts: int = 3
    aws_connect_timeout: float = 2.0
    aws_read_timeout: float = 5.0
    log_level: str = "INFO"
    metrics_token: str = ""
    magic_link_key: str = ""
    mail_from: str = ""
    # The trigger the user pool sends its emails with: CustomMessage (Cognito sends them, at
    # most 20,000 characters) or CustomEmailSender (this project's Lambda sends them via SES).
    email_trigger: str = "CustomMessage"
    min_response_ms: int = 400
    # Admission control (app/userpool/admission.py): requests per second per quota category
    # (GATEHOUSE_POOL_QUOTA_<CATEGORY>; unset: a little under Cognito's default, or in local
    # mode under the local pool's configured throttle), how long a call may wait for its turn,
    # and how far ahead a sign-in may hold its place in line.
    pool_quotas: dict[str, float] = field(default_factory=dict)
    admission_wait_seconds: float = 2.0
    admission_line_seconds: float = 300.0
    sso_seconds: int = 3600
    apple_team_id: str = ""
    apple_key_id: str = ""
    apple_private_key_file: str = ""
    apple_services_id: str = ""
    block_disposable_emails: bool = True
    blocked_email_domains: str = ""
    rate_limit_ip: str = "30 per minute"
    rate_limit_account: str = "10 per minute"
    trusted_proxies: int = 0
    dangerously_serve_local_mode_on_network: bool = False
    branding_dir: Path = Path(__file__).resolve().parent.parent / "branding"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def clock(self):
        """The time source: tests may pass a fake clock in ``extra``."""
        return self.extra.get("clock") or time.time

    @property
    def link_key(self) -> str:
        """The key magic links are signed with (shared with the custom-auth Lambdas)."""
        return self.magic_link_key or (self.secret_key if self.is_local else "")

    def apple(self):
        """Sign in with Apple's settings; local mode has its own key, for the simulated Apple."""
        if not self.apple_team_id:
            return _local_apple(self) if self.is_local else None
        from .apple import AppleSettings

        return AppleSettings(
            self.apple_team_id,
            self.apple_key_id,
            Path(self.apple_private_key_file).read_text(),
            self.apple_services_id,
        )

    @property
    def is_local(self) -> bool:
        """True when the embedded local pool stands in for Cognito."""
        return self.mode == "local"

    def issuer(self, pool_id: str) -> str:
        """The user pool's token issuer: Cognito's URL, or the local pool's under the base URL."""
        if self.is_local:
            return f"{self.base_url.rstrip('/')}/_localpool/{pool_id}"
        return f"https://cognito-idp.{self.region}.amazonaws.com/{pool_id}"

    @property
    def outbox_dir(self) -> Path:
        """Where the local pool and Gatehouse write every email as an ``.eml`` file."""
        return self.data_dir / "outbox"


def _flag(raw: str) -> bool:
    """``true``/``false`` (also 1/0, yes/no)."""
    value = raw.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise ValueError(raw)


# setting name -> (environment variable, parser)
_ENV = {
    "mode": ("GATEHOUSE_MODE", str),
    "secret_key": ("GATEHOUSE_SECRET_KEY", str),
    "data_dir": ("GATEHOUSE_DATA_DIR", Path),
    "base_url": ("GATEHOUSE_BASE_URL", str),
    "region": ("GATEHOUSE_AWS_REGION", str),
    "user_pool_id": ("GATEHOUSE_USER_POOL_ID", str),
    "client_id": ("GATEHOUSE_CLIENT_ID", str),
    "client_secret": ("GATEHOUSE_CLIENT_SECRET", str),
    "pool_domain": ("GATEHOUSE_POOL_DOMAIN", str),
    "redis_url": ("GATEHOUSE_REDIS_URL", str),
    "localpool_seed": ("GATEHOUSE_LOCALPOOL_SEED", Path),
    "aws_max_attempts": ("GATEHOUSE_AWS_MAX_ATTEMPTS", int),
    "aws_connect_timeout": ("GATEHOUSE_AWS_CONNECT_TIMEOUT", float),
    "aws_read_timeout": ("GATEHOUSE_AWS_READ_TIMEOUT", float),
    "log_level": ("GATEHOUSE_LOG_LEVEL", str),
    "metrics_token": ("GATEHOUSE_METRICS_TOKEN", str),
    "branding_dir": ("GATEHOUSE_BRANDING_DIR", Path),
    "magic_link_key": ("GATEHOUSE_MAGIC_LINK_KEY", str),
    "mail_from": ("GATEHOUSE_MAIL_FROM", str),
    "email_trigger": ("GATEHOUSE_EMAIL_TRIGGER", str),
    "min_response_ms": ("GATEHOUSE_MIN_RESPONSE_MS", int),
    "admission_wait_seconds": ("GATEHOUSE_ADMISSION_WAIT_SECONDS", float),
    "admission_line_seconds": ("GATEHOUSE_ADMISSION_LINE_SECONDS", float),
    "sso_seconds": ("GATEHOUSE_SSO_SECONDS", int),
    "apple_team_id": ("GATEHOUSE_APPLE_TEAM_ID", str),
    "apple_key_id": ("GATEHOUSE_APPLE_KEY_ID", str),
    "apple_private_key_file": ("GATEHOUSE_APPLE_PRIVATE_KEY_FILE", str),
    "apple_services_id": ("GATEHOUSE_APPLE_SERVICES_ID", str),
    "block_disposable_emails": ("GATEHOUSE_BLOCK_DISPOSABLE_EMAILS", _flag),
    "blocked_email_domains": ("GATEHOUSE_BLOCKED_EMAIL_DOMAINS", str),
    "rate_limit_ip": ("GATEHOUSE_RATE_LIMIT_IP", str),
    "rate_limit_account": ("GATEHOUSE_RATE_LIMIT_ACCOUNT", str),
    "trusted_proxies": ("GATEHOUSE_TRUSTED_PROXIES", int),
    "dangerously_serve_local_mode_on_network": (
        "GATEHOUSE_DANGEROUSLY_SERVE_LOCAL_MODE_ON_NETWORK",
        _flag,
    ),
}
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
EMAIL_TRIGGERS = ("CustomMessage", "CustomEmailSender")


def refuse_unsafe_bind(host: str, environ: dict[str, str] | None = None) -> None:
    """Local mode serves its pool's admin API and the outbox: never on a network address.

    Raised at start-up (gunicorn.conf.py calls it with the address it binds), unless
    GATEHOUSE_DANGEROUSLY_SERVE_LOCAL_MODE_ON_NETWORK says so.
    """
    environ = os.environ if environ is None else environ
    if (environ.get("GATEHOUSE_MODE") or "local") != "local":
        return
    if host.strip("[]") in LOOPBACK_HOSTS:
        return
    raw = environ.get("GATEHOUSE_DANGEROUSLY_SERVE_LOCAL_MODE_ON_NETWORK") or "false"
    try:
        dangerous = _flag(raw)
    except ValueError as exc:
        raise ConfigError(
            f"GATEHOUSE_DANGEROUSLY_SERVE_LOCAL_MODE_ON_NETWORK={raw!r} is not true/false"
        ) from exc
    if dangerous:
        return
    raise ConfigError(
        f"Refusing to serve local mode on {host}: it exposes the local pool's admin API "
        "(/_localpool) and the outbox (/_dev/mail) to the network. Set GATEHOUSE_MODE=cognito "
        "for a real user pool, bind HOST=127.0.0.1, or set "
        "GATEHOUSE_DANGEROUSLY_SERVE_LOCAL_MODE_ON_NETWORK=true for a throwaway demo."
    )


def env_names() -> dict[str, str]:
    """Map each setting to its environment variable (used by the README test)."""
    return {name: env for name, (env, _) in _ENV.items()}


def load_settings(
    environ: dict[str, str] | None = None, overrides: dict[str, Any] | None = None
) -> Settings:
    """Build validated settings from the environment, then apply test overrides."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    if "PORT" in environ:
        values["base_url"] = f"http://localhost:{environ['PORT']}"
    for name, (env, parse) in _ENV.items():
        raw = environ.get(env)
        if raw is None or raw == "":
            continue
        try:
            values[name] = parse(raw)
        except ValueError as exc:
            kind = "true/false" if parse is _flag else parse.__name__
            raise ConfigError(f"{env}={raw!r} is not a valid {kind}") from exc
    quotas = _pool_quotas(environ)
    if quotas:
        values["pool_quotas"] = quotas
    known = {f.name for f in fields(Settings)}
    for name, value in (overrides or {}).items():
        if name in known:
            paths = ("data_dir", "localpool_seed", "branding_dir")
            values[name] = Path(value) if name in paths else value
        else:
            values.setdefault("extra", {})[name] = value
    settings = Settings(**values)
    _validate(settings)
    if settings.is_local and not settings.secret_key:
        settings = _with_local_secret(settings)
    return settings


def _pool_quotas(environ: dict[str, str]) -> dict[str, float]:
    """``GATEHOUSE_POOL_QUOTA_<CATEGORY>`` as {category: requests per second}; a misspelt
    category is refused (it would silently leave the real one unbudgeted)."""
    from .userpool.quotas import DEFAULT_RPS, env_name

    by_env = {env_name(category): category for category in DEFAULT_RPS}
    quotas: dict[str, float] = {}
    for env, raw in environ.items():
        if not env.startswith("GATEHOUSE_POOL_QUOTA_") or raw == "":
            continue
        if env not in by_env:
            raise ConfigError(f"{env} is not a quota category: use one of {', '.join(by_env)}")
        try:
            quotas[by_env[env]] = float(raw)
        except ValueError as exc:
            raise ConfigError(f"{env}={raw!r} is not a valid float") from exc
        if quotas[by_env[env]] < 0:
            raise ConfigError(f"{env} must be 0 (no budget) or more requests per second")
    return quotas


def _validate(s: Settings) -> None:
    """Refuse to start on a configuration that is missing something or is unsafe."""
    if s.mode not in MODES:
        raise ConfigError(f"GATEHOUSE_MODE must be one of {', '.join(MODES)}, not {s.mode!r}")
    if s.aws_max_attempts < 1:
        raise ConfigError("GATEHOUSE_AWS_MAX_ATTEMPTS must be at least 1")
    if not s.base_url.startswith(("http://", "https://")):
        raise ConfigError("GATEHOUSE_BASE_URL must be an absolute http(s) URL")
    if s.admission_wait_seconds < 0 or s.admission_line_seconds < s.admission_wait_seconds:
        raise ConfigError(
            "GATEHOUSE_ADMISSION_WAIT_SECONDS must be 0 or more, and "
            "GATEHOUSE_ADMISSION_LINE_SECONDS at least as long"
        )
    if s.email_trigger not in EMAIL_TRIGGERS:
        raise ConfigError(
            f"GATEHOUSE_EMAIL_TRIGGER must be one of {', '.join(EMAIL_TRIGGERS)}, "
            f"not {s.email_trigger!r}"
        )
    if s.sso_seconds < 0:
        raise ConfigError("GATEHOUSE_SSO_SECONDS must be 0 (no single sign-on) or more")
    _validate_apple(s)
    if s.is_local:
        return
    if len(s.secret_key) < MIN_SECRET_LENGTH or len(set(s.secret_key)) < 10:
        raise ConfigError(
            "GATEHOUSE_SECRET_KEY must be set to a random value of at least "
            f"{MIN_SECRET_LENGTH} characters in cognito mode "
            "(python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    if len(s.magic_link_key) < MIN_SECRET_LENGTH:
        # Every app's tokens are minted with a session proof signed with this key.
        raise ConfigError(
            f"GATEHOUSE_MAGIC_LINK_KEY must be set to at least {MIN_SECRET_LENGTH} characters in"
            " cognito mode (it signs magic links and session proofs; the custom-auth Lambdas'"
            " secret)"
        )
    if s.metrics_token and len(s.metrics_token) < MIN_SECRET_LENGTH:
        # Unset, /metrics is not served; a short token would let anyone guess their way in.
        raise ConfigError(
            f"GATEHOUSE_METRICS_TOKEN must be at least {MIN_SECRET_LENGTH} characters (or unset:"
            " /metrics is then not served in cognito mode)"
        )
    for name in ("user_pool_id", "client_id", "pool_domain", "mail_from"):
        if not getattr(s, name):
            raise ConfigError(f"{_ENV[name][0]} must be set in cognito mode")
    if not s.base_url.startswith("https://"):
        raise ConfigError("GATEHOUSE_BASE_URL must be an https URL in cognito mode")
    if not s.pool_domain.startswith("https://"):
        raise ConfigError("GATEHOUSE_POOL_DOMAIN must be an https URL in cognito mode")


APPLE = ("apple_team_id", "apple_key_id", "apple_private_key_file", "apple_services_id")


def _validate_apple(s: Settings) -> None:
    """Sign in with Apple's settings come all together, with a readable ES256 key."""
    given = [name for name in APPLE if getattr(s, name)]
    if not given:
        return
    for name in APPLE:
        if not getattr(s, name):
            raise ConfigError(
                f"{_ENV[name][0]} must be set with the other GATEHOUSE_APPLE_* settings"
            )
    try:
        from joserfc.jwk import ECKey

        ECKey.import_key(Path(s.apple_private_key_file).read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(
            "GATEHOUSE_APPLE_PRIVATE_KEY_FILE must name a readable .p8 (PEM) ES256 key"
        ) from exc


def _local_apple(s: Settings):
    """Local mode's Apple settings: a P-256 key kept in the data directory."""
    from joserfc.jwk import ECKey

    from .apple import AppleSettings

    pem = _kept_secret(
        s.data_dir / "apple_key.p8",
        lambda: ECKey.generate_key("P-256", private=True).as_pem(private=True).decode(),
        lambda text: "PRIVATE KEY" in text,
    )
    return AppleSettings("LOCALTEAM1", "LOCALKEY01", pem, "gatehouse.local")


def _kept_secret(path: Path, make: Callable[[], str], valid: Callable[[str], bool]) -> str:
    """A secret kept in a file, created whole or not at all.

    It is written to a temporary file, flushed to disk, then linked into place: ``link`` fails
    if the file exists, so two workers starting together agree on one value, and a full disk
    leaves no empty or half-written secret behind (which would stop every later start). A file
    that is nonetheless unusable (left by an older version) is replaced.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and valid(path.read_text().strip()):
        return path.read_text().strip()
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(make())
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():  # unusable: replace it atomically
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another worker won the race: use its value
    finally:
        tmp.unlink(missing_ok=True)
    value = path.read_text().strip()
    if not valid(value):
        raise ConfigError(f"{path} holds no usable secret; remove it and start again")
    return value


def _with_local_secret(s: Settings) -> Settings:
    """Give local mode a random secret kept in the data directory, never a constant."""
    values = {f.name: getattr(s, f.name) for f in fields(Settings)}
    values["secret_key"] = _kept_secret(
        s.data_dir / "secret_key",
        lambda: secrets.token_urlsafe(48),
        lambda text: len(text) >= MIN_SECRET_LENGTH,
    )
    return Settings(**values)
