"""Load and check the local pool's seed file (TOML): pool settings, app clients, users, groups."""

from __future__ import annotations

import tomllib
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from .attribute_schema import CUSTOM_PREFIX, CUSTOM_TYPES, AttributeSchema, CustomAttribute
from .client_attributes import unfit_list
from .tokens import ADMIN_SCOPE

# Cognito's quota categories that the local pool can be told to throttle.
THROTTLE_CATEGORIES = (
    "UserAuthentication",
    "UserCreation",
    "UserAccountRecovery",
    "UserRead",
    "UserUpdate",
    "UserToken",
    "UserList",
    "UserResourceRead",
    "UserFederation",
    "UserPoolClientRead",
    "UserPoolClientUpdate",
    "UserPoolRead",
    "UserResourceUpdate",
)
# App-client keys whose URLs may start with ``{base}``, the server's base URL.
URL_KEYS = ("callback_urls", "logout_urls")
# Scopes every pool knows; any other scope of an app client is a resource server's custom scope.
STANDARD_SCOPES = ("openid", "email", "phone", "profile", ADMIN_SCOPE)
TRIGGERS = (
    "PreSignUp",
    "PostConfirmation",
    "CustomMessage",
    "DefineAuthChallenge",
    "CreateAuthChallenge",
    "VerifyAuthChallengeResponse",
    "PreTokenGeneration",
    "PreTokenGenerationConfig",
    "CustomEmailSender",
    "KMSKeyID",
    "UserMigration",
    "PreAuthentication",
    "PostAuthentication",
)
PRE_TOKEN_VERSIONS = ("V1_0", "V2_0", "V3_0")
# Cognito's first factors of choice-based sign-in (SignInPolicy.AllowedFirstAuthFactors) that
# the local pool serves, and WebAuthnConfiguration.UserVerification's values.
FIRST_AUTH_FACTORS = ("PASSWORD", "EMAIL_OTP", "WEB_AUTHN")
USER_VERIFICATION = ("preferred", "required")


class SeedError(ValueError):
    """A seed file that cannot be used; the message names the file and key."""


@dataclass
class PasswordPolicy:
    """Cognito's password policy fields."""

    minimum_length: int = 8
    require_uppercase: bool = True
    require_lowercase: bool = True
    require_numbers: bool = True
    require_symbols: bool = False
    temporary_password_validity_days: int = 7


@dataclass
class PoolSettings:
    """User pool settings, plus the local pool's own limits (code lifetimes, lockout)."""

    id: str = "us-east-1_gatehouse"
    name: str = "gatehouse-local"
    # The OAuth2 domain's prefix, as DescribeUserPoolDomain names it (served under /_localpool/).
    domain: str = "gatehouse-local"
    required_attributes: list[str] = field(default_factory=lambda: ["email"])
    auto_verified_attributes: list[str] = field(default_factory=lambda: ["email"])
    password_policy: PasswordPolicy = field(default_factory=PasswordPolicy)
    lambda_config: dict[str, Any] = field(default_factory=dict)
    throttle: dict[str, float] = field(default_factory=dict)
    signup_code_seconds: int = 24 * 3600
    reset_code_seconds: int = 3600
    verify_code_seconds: int = 24 * 3600
    code_max_failures: int = 5
    codes_per_hour: int = 5
    password_max_failures: int = 5
    auth_session_seconds: int = 180
    custom_auth_max_rounds: int = 8
    allowed_first_auth_factors: list[str] = field(default_factory=lambda: list(FIRST_AUTH_FACTORS))
    email_otp_seconds: int = 180
    webauthn_relying_party_id: str = ""  # empty: the host of the server's base URL
    webauthn_user_verification: str = "preferred"
    # ``[[pool.custom_attributes]]``: the schema's custom attributes (CreateUserPool's Schema).
    custom_attributes: list[CustomAttribute] = field(default_factory=list)


@dataclass
class AppClient:
    """An app client as DescribeUserPoolClient describes it."""

    id: str
    name: str = ""
    secret: str = ""
    callback_urls: list[str] = field(default_factory=list)
    logout_urls: list[str] = field(default_factory=list)
    explicit_auth_flows: list[str] = field(default_factory=list)
    allowed_oauth_flows: list[str] = field(default_factory=lambda: ["code"])
    allowed_oauth_scopes: list[str] = field(default_factory=lambda: ["openid", "email"])
    supported_identity_providers: list[str] = field(default_factory=lambda: ["COGNITO"])
    access_token_minutes: int = 60
    id_token_minutes: int = 60
    refresh_token_days: int = 30
    prevent_user_existence_errors: bool = True
    read_attributes: list[str] = field(default_factory=list)
    write_attributes: list[str] = field(default_factory=list)
    default_redirect_uri: str = ""


@dataclass
class IdentityProvider:
    """A (simulated) external identity provider and its attribute mapping."""

    name: str
    type: str
    attribute_mapping: dict[str, str] = field(default_factory=lambda: {"email": "email"})


@dataclass
class ResourceServerScope:
    """One custom scope of a resource server (Cognito's ResourceServerScopeType)."""

    scope_name: str
    scope_description: str = ""


@dataclass
class ResourceServer:
    """An OAuth2 resource server and its custom scopes, as CreateResourceServer defines one."""

    identifier: str
    name: str
    scopes: list[ResourceServerScope] = field(default_factory=list)

    def scope_names(self) -> list[str]:
        """The scopes as access tokens carry them: ``<identifier>/<scope name>``."""
        return [f"{self.identifier}/{scope.scope_name}" for scope in self.scopes]


@dataclass
class SeedUser:
    """A user created when the pool's database is new."""

    email: str
    password: str
    attributes: dict[str, str] = field(default_factory=dict)
    confirmed: bool = True


@dataclass
class SeedGroup:
    """A group created when the pool's database has none of its name, as CreateGroup takes
    one, with its first members named by the email of a ``[[users]]`` entry."""

    name: str
    description: str | None = None
    precedence: int | None = None
    role_arn: str | None = None
    members: list[str] = field(default_factory=list)


@dataclass
class Seed:
    """Everything a seed file defines."""

    pool: PoolSettings
    clients: dict[str, AppClient]
    users: list[SeedUser]
    providers: dict[str, IdentityProvider] = field(default_factory=dict)
    resource_servers: dict[str, ResourceServer] = field(default_factory=dict)
    groups: list[SeedGroup] = field(default_factory=list)


def _build(cls: type, data: dict[str, Any], where: str, path: Path) -> Any:
    """Build a dataclass from a TOML table, refusing keys the dataclass does not know."""
    known = {f.name for f in fields(cls)}
    for key in data:
        if key not in known:
            raise SeedError(f"{path}: unknown key {where}.{key}")
    missing = [
        f.name
        for f in fields(cls)
        if f.name not in data and f.default is MISSING and f.default_factory is MISSING
    ]
    if missing:
        raise SeedError(f"{path}: missing key {where}.{missing[0]}")
    return cls(**data)


def _with_base(client: dict[str, Any], base_url: str) -> dict[str, Any]:
    """An app client's table with ``{base}`` in its URL lists replaced by the base URL."""
    client = dict(client)
    for key in URL_KEYS:
        if isinstance(client.get(key), list):
            client[key] = [
                url.replace("{base}", base_url) if isinstance(url, str) else url
                for url in client[key]
            ]
    return client


def load_seed(path: Path, overrides: dict[str, Any] | None = None, *, base_url: str) -> Seed:
    """Read a seed file; ``overrides`` replaces pool settings (tests use it for limits).

    ``{base}`` in an app client's callback and sign-out URLs becomes ``base_url``, so the
    seeded clients follow the server wherever it runs (any port, host or scheme).
    """
    try:
        raw = tomllib.loads(Path(path).read_text())
    except FileNotFoundError as exc:
        raise SeedError(f"{path}: seed file not found (GATEHOUSE_LOCALPOOL_SEED)") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SeedError(f"{path}: {exc}") from exc
    for key in raw:
        if key not in (
            "pool",
            "clients",
            "users",
            "identity_providers",
            "resource_servers",
            "groups",
        ):
            raise SeedError(f"{path}: unknown key {key}")
    pool_data = dict(raw.get("pool", {}))
    pool_data.update(overrides or {})
    policy = pool_data.pop("password_policy", {})
    if isinstance(policy, dict):
        pool_data["password_policy"] = _build(PasswordPolicy, policy, "pool.password_policy", path)
    else:
        pool_data["password_policy"] = policy
    pool_data["custom_attributes"] = _custom_attributes(
        pool_data.get("custom_attributes", []), path
    )
    pool = _build(PoolSettings, pool_data, "pool", path)
    for name in pool.lambda_config:
        if name not in TRIGGERS:
            raise SeedError(f"{path}: unknown key pool.lambda_config.{name}")
    versioned = pool.lambda_config.get("PreTokenGenerationConfig")
    if versioned is not None and (
        not isinstance(versioned, dict)
        or set(versioned) != {"LambdaArn", "LambdaVersion"}
        or versioned["LambdaVersion"] not in PRE_TOKEN_VERSIONS
    ):
        raise SeedError(
            f"{path}: pool.lambda_config.PreTokenGenerationConfig needs LambdaArn and "
            f"LambdaVersion (one of {', '.join(PRE_TOKEN_VERSIONS)})"
        )
    sender = pool.lambda_config.get("CustomEmailSender")
    if sender is not None and (
        not isinstance(sender, dict)
        or set(sender) != {"LambdaArn", "LambdaVersion"}
        or sender["LambdaVersion"] != "V1_0"
    ):
        raise SeedError(
            f"{path}: pool.lambda_config.CustomEmailSender needs LambdaArn and "
            'LambdaVersion = "V1_0"'
        )
    if not isinstance(pool.lambda_config.get("KMSKeyID", ""), str):
        raise SeedError(f"{path}: pool.lambda_config.KMSKeyID must be a key ARN (a string)")
    _check_sign_in_policy(pool, path)
    for name in pool.throttle:
        if name not in THROTTLE_CATEGORIES:
            raise SeedError(f"{path}: unknown key pool.throttle.{name}")
    listed = [
        _build(AppClient, _with_base(item, base_url), f"clients[{i}]", path)
        for i, item in enumerate(raw.get("clients", []))
    ]
    clients = {client.id: client for client in listed}
    users = [_build(SeedUser, u, f"users[{i}]", path) for i, u in enumerate(raw.get("users", []))]
    schema = AttributeSchema(pool.custom_attributes)
    for i, user in enumerate(users):
        for name in user.attributes:
            if not schema.known(name):
                raise SeedError(
                    f"{path}: users[{i}].attributes: {name} is not an attribute of the schema "
                    "(a custom one needs a [[pool.custom_attributes]] entry)"
                )
    for i, client in enumerate(listed):
        unfit = unfit_list(
            schema, pool.required_attributes, client.read_attributes, client.write_attributes
        )
        if unfit:
            raise SeedError(
                f"{path}: clients[{i}].{unfit}_attributes: name only attributes of the schema"
                + (
                    f", every required one ({', '.join(pool.required_attributes)}) and not sub"
                    if unfit == "write"
                    else ""
                )
                + " (empty: every attribute)"
            )
    providers = {}
    for i, item in enumerate(raw.get("identity_providers", [])):
        provider = _build(IdentityProvider, item, f"identity_providers[{i}]", path)
        providers[provider.name] = provider
    for client in clients.values():
        for name in client.supported_identity_providers:
            if name != "COGNITO" and name not in providers:
                raise SeedError(
                    f"{path}: client {client.id} names unknown identity provider {name}"
                )
    servers = _resource_servers(raw.get("resource_servers", []), path)
    _check_scopes(listed, servers, path)
    groups = _groups(raw.get("groups", []), users, path)
    return Seed(
        pool=pool,
        clients=clients,
        users=users,
        providers=providers,
        resource_servers=servers,
        groups=groups,
    )


def _custom_attributes(items: Any, path: Path) -> list[CustomAttribute]:
    """The ``[[pool.custom_attributes]]`` tables: names given without ``custom:``, as
    CreateUserPool takes them, each once, of a type the local pool checks."""
    if not isinstance(items, list):
        raise SeedError(f"{path}: pool.custom_attributes must be a list of tables")
    attributes: list[CustomAttribute] = []
    for i, item in enumerate(items):
        where = f"pool.custom_attributes[{i}]"
        attribute = _build(CustomAttribute, item, where, path)
        if not isinstance(attribute.name, str) or not attribute.name:
            raise SeedError(f"{path}: {where}.name must be an attribute name")
        if attribute.name.startswith(CUSTOM_PREFIX):
            raise SeedError(f"{path}: {where}.name is given without the {CUSTOM_PREFIX} prefix")
        if attribute.type not in CUSTOM_TYPES:
            raise SeedError(f"{path}: {where}.type must be one of {', '.join(CUSTOM_TYPES)}")
        if any(other.name == attribute.name for other in attributes):
            raise SeedError(f"{path}: {where}.name: {attribute.name} is declared twice")
        attributes.append(attribute)
    return attributes


def _groups(items: list[dict[str, Any]], users: list[SeedUser], path: Path) -> list[SeedGroup]:
    """The ``[[groups]]`` tables: unique names, a precedence of 0 or more, and members who
    are users of the same seed file (by email, case-insensitive)."""
    emails = {user.email.lower() for user in users}
    groups: list[SeedGroup] = []
    for i, item in enumerate(items):
        group = _build(SeedGroup, item, f"groups[{i}]", path)
        if not isinstance(group.name, str) or not group.name:
            raise SeedError(f"{path}: groups[{i}].name must be a group name")
        if any(other.name == group.name for other in groups):
            raise SeedError(f"{path}: groups[{i}].name: {group.name} is defined twice")
        precedence = group.precedence
        if precedence is not None and (not isinstance(precedence, int) or precedence < 0):
            raise SeedError(f"{path}: groups[{i}].precedence must be 0 or more")
        for member in group.members:
            if not isinstance(member, str) or member.lower() not in emails:
                raise SeedError(
                    f"{path}: groups[{i}].members: {member} is not the email of a [[users]] entry"
                )
        groups.append(group)
    return groups


def _check_sign_in_policy(pool: PoolSettings, path: Path) -> None:
    """The first factors and passkey settings are values Cognito knows (and PASSWORD is one)."""
    for factor in pool.allowed_first_auth_factors:
        if factor not in FIRST_AUTH_FACTORS:
            raise SeedError(
                f"{path}: pool.allowed_first_auth_factors: {factor!r} is not one of "
                f"{', '.join(FIRST_AUTH_FACTORS)}"
            )
    if "PASSWORD" not in pool.allowed_first_auth_factors:
        # Cognito's SignInPolicy must allow PASSWORD: users sign up and recover with one.
        raise SeedError(f"{path}: pool.allowed_first_auth_factors must include PASSWORD")
    if pool.webauthn_user_verification not in USER_VERIFICATION:
        raise SeedError(
            f"{path}: pool.webauthn_user_verification must be one of {', '.join(USER_VERIFICATION)}"
        )


def _resource_servers(items: list[dict[str, Any]], path: Path) -> dict[str, ResourceServer]:
    """The ``[[resource_servers]]`` tables, each with its list of scopes."""
    servers = {}
    for i, item in enumerate(items):
        where = f"resource_servers[{i}]"
        scopes = [
            _build(ResourceServerScope, scope, f"{where}.scopes[{j}]", path)
            for j, scope in enumerate(item.get("scopes", []))
        ]
        server = _build(ResourceServer, {**item, "scopes": scopes}, where, path)
        servers[server.identifier] = server
    return servers


def _check_scopes(clients: list[AppClient], servers: dict[str, ResourceServer], path: Path) -> None:
    """Every scope an app client is allowed is a standard one or a declared custom scope."""
    declared = {name for server in servers.values() for name in server.scope_names()}
    for i, client in enumerate(clients):
        for scope in client.allowed_oauth_scopes:
            if scope not in STANDARD_SCOPES and scope not in declared:
                raise SeedError(
                    f"{path}: clients[{i}].allowed_oauth_scopes: {scope} is not a scope of a "
                    "declared [[resource_servers]] table"
                )
