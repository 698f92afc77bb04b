"""Administrator operations (need IAM credentials): users, links, and descriptions."""

from __future__ import annotations

import secrets
import string
import uuid
from typing import Any

from ..errors import PoolError, invalid_parameter
from ..passwords import check_policy, make_secret, secret_for
from ..seed import TRIGGERS
from . import acceptable, operation
from .profile import IMMUTABLE, apply_attributes, delete_everything, mfa_settings
from .signup import pre_sign_up

# Trigger events of calls made with IAM credentials name no app client (callerContext.clientId).
NO_CLIENT = None


def check_pool(pool, params: dict[str, Any]) -> None:
    """Admin calls name the pool; a wrong id is ResourceNotFoundException."""
    if params.get("UserPoolId") != pool.id:
        raise PoolError(
            "ResourceNotFoundException", f"User pool {params.get('UserPoolId')} does not exist."
        )


def existing(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """The user an admin call names by ``Username``, or UserNotFoundException."""
    check_pool(pool, params)
    user = pool.find_user(conn, params.get("Username"))
    if user is None:
        raise PoolError("UserNotFoundException", "User does not exist.")
    return user


def user_type(pool, user: dict[str, Any], attribute_key: str = "Attributes") -> dict[str, Any]:
    """Cognito's UserType for a user."""
    return {
        "Username": user["username"],
        attribute_key: pool.attribute_list(user["attributes"], user["identities"]),
        "UserCreateDate": user["created"],
        "UserLastModifiedDate": user["modified"],
        "Enabled": bool(user["enabled"]),
        "UserStatus": user["status"],
    }


@operation("AdminGetUser", "UserRead", admin=True)
def admin_get_user(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Describe any user by username, sub or email."""
    user = existing(pool, conn, params)
    return {**user_type(pool, user, "UserAttributes"), **mfa_settings(user)}


def _temporary_password(pool) -> str:
    """A random temporary password that meets the pool's policy."""
    policy = pool.settings.password_policy
    pieces = [
        secrets.choice(string.ascii_uppercase),
        secrets.choice(string.ascii_lowercase),
        secrets.choice(string.digits),
        secrets.choice("^$*.[]{}()?-!@#%&"),
    ]
    alphabet = string.ascii_letters + string.digits
    pieces += [secrets.choice(alphabet) for _ in range(max(policy.minimum_length, 12))]
    return "".join(pieces)


def _prepare_create(pool, params: dict[str, Any]) -> dict[str, Any]:
    """Before the transaction: the temporary password, and its secret for a new user's sub (or
    for the existing user's username, for RESEND)."""
    password = params.get("TemporaryPassword") or _temporary_password(pool)
    if not acceptable(pool, password):
        return {}
    sub = str(uuid.uuid4())
    if params.get("MessageAction") == "RESEND" and isinstance(params.get("Username"), str):
        with pool.db.reading() as conn:
            existing = pool.find_user(conn, params["Username"].lower())
        sub = existing["username"] if existing else sub
    return {"password": password, "sub": sub, "secret": make_secret(password, sub, pool.id)}


@operation("AdminCreateUser", "UserCreation", admin=True, prepare=_prepare_create)
def admin_create_user(pool, conn, params: dict[str, Any], prepared: dict[str, Any]) -> dict:
    """Create a user with a temporary password (FORCE_CHANGE_PASSWORD) and invite them."""
    check_pool(pool, params)
    email = pool.check_email(params.get("Username", ""))
    attrs = pool.attribute_dict(params.get("UserAttributes"))
    pool.schema.check_new_user(attrs)
    attrs.pop("email", None)
    known = pool.find_user(conn, email)
    action = params.get("MessageAction")
    if known is not None and action != "RESEND":
        raise PoolError("UsernameExistsException", "User account already exists")
    if known is None and action == "RESEND":
        raise PoolError("UserNotFoundException", "User does not exist.")
    password = (
        prepared.get("password") or params.get("TemporaryPassword") or _temporary_password(pool)
    )
    check_policy(pool.settings.password_policy, password)
    sub = (prepared.get("sub") or str(uuid.uuid4())) if known is None else known["username"]
    secret = secret_for(prepared.get("secret"), sub, password, pool.id)
    if known is None:
        source = "PreSignUp_AdminCreateUser"
        pre_sign_up(pool, source, email, NO_CLIENT, {**attrs, "email": email}, params)
        user = pool.new_user(conn, email, attrs, secret, "FORCE_CHANGE_PASSWORD", sub=sub)
    else:
        user = known
        user.update(secret.columns())
        user["created"] = pool.clock()  # the temporary password's validity starts again
        pool.save_user(conn, user)
    if action != "SUPPRESS":
        pool.mail.send(
            "CustomMessage_AdminCreateUser",
            to=email,
            user_name=user["username"],
            attributes=pool.trigger_attributes(user),
            client_id=NO_CLIENT,
            code=password,
            client_metadata=params.get("ClientMetadata"),
            username_value=email,
        )
    return {"User": user_type(pool, user)}


@operation("AdminDeleteUser", "UserUpdate", admin=True)
def admin_delete_user(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Delete any user."""
    user = existing(pool, conn, params)
    delete_everything(pool, conn, user["sub"])
    return {}


@operation("AdminUpdateUserAttributes", "UserUpdate", admin=True)
def admin_update_user_attributes(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Update any user's attributes; ``email_verified=true`` with a new email applies it at once."""
    user = existing(pool, conn, params)
    apply_attributes(
        pool, conn, user, params.get("UserAttributes"), "", params.get("ClientMetadata"), admin=True
    )
    return {}


@operation("AdminDeleteUserAttributes", "UserUpdate", admin=True)
def admin_delete_user_attributes(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Remove attributes from any user; one they do not have changes nothing. The pool's
    required attributes, and those nobody may change, stay."""
    user = existing(pool, conn, params)
    names = list(params.get("UserAttributeNames") or [])
    for name in names:
        if name in IMMUTABLE:
            raise invalid_parameter(f"Cannot modify the non-mutable attribute {name}.")
        if name in pool.settings.required_attributes:
            raise invalid_parameter(f"user.{name}: The attribute is required\n")
    pool.schema.check_update(dict.fromkeys(names))
    for name in names:
        user["attributes"].pop(name, None)
    pool.save_user(conn, user)
    return {}


@operation("AdminUserGlobalSignOut", "UserUpdate", admin=True)
def admin_user_global_sign_out(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Revoke every refresh token of any user, and the access tokens minted from them."""
    user = existing(pool, conn, params)
    pool.sign_out_everywhere(conn, user["sub"])
    return {}


@operation("AdminLinkProviderForUser", "UserFederation", admin=True)
def admin_link_provider_for_user(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """Link an external identity (e.g. Google's subject) to an existing native user."""
    check_pool(pool, params)
    dest = params.get("DestinationUser") or {}
    source = params.get("SourceUser") or {}
    provider = source.get("ProviderName", "")
    subject = source.get("ProviderAttributeValue", "")
    if not provider or provider == "Cognito" or not subject:
        raise invalid_parameter("SourceUser must name an external identity provider and subject.")
    user = pool.find_user(conn, dest.get("ProviderAttributeValue"))
    if user is None or not user["native"]:
        raise PoolError("UserNotFoundException", "User does not exist.")
    if pool.find_user(conn, f"{provider}_{subject}") is not None:
        raise invalid_parameter(
            "Merging is not currently supported, provide a SourceUser that has not been signed-in."
        )
    rows = conn.execute("SELECT * FROM users WHERE identities != '[]'").fetchall()
    taken = [
        u
        for u in map(pool.user_from_row, rows)
        if any((i["providerName"], i["userId"]) == (provider, subject) for i in u["identities"])
    ]
    if taken:
        raise PoolError("AliasExistsException", "The identity is already linked to a user.")
    user["identities"].append(
        {
            "dateCreated": str(int(pool.clock() * 1000)),
            "userId": subject,
            "providerName": provider,
            "providerType": pool.providers[provider].type if provider in pool.providers else "OIDC",
            "issuer": None,
            "primary": "false",
        }
    )
    pool.save_user(conn, user)
    return {}


@operation("DescribeUserPool", "UserResourceRead", admin=True)
def describe_user_pool(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """The pool's settings, including the password policy the sign-up page shows."""
    check_pool(pool, params)
    s = pool.settings
    p = s.password_policy
    count = conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]
    lambdas = {
        name: f"arn:aws:lambda:{pool.region}:000000000000:function:gatehouse-local-{name}"
        for name in TRIGGERS
        if pool.triggers.configured(name)
    }
    if "CustomEmailSender" in lambdas:  # LambdaConfig names a custom sender with its version
        lambdas["CustomEmailSender"] = {
            "LambdaVersion": pool.triggers.version("CustomEmailSender"),
            "LambdaArn": lambdas["CustomEmailSender"],
        }
        lambdas["KMSKeyID"] = pool.mail.kms.key_id
    return {
        "UserPool": {
            "Id": pool.id,
            "Name": s.name,
            "Arn": f"arn:aws:cognito-idp:{pool.region}:000000000000:userpool/{pool.id}",
            "Policies": {
                "PasswordPolicy": {
                    "MinimumLength": p.minimum_length,
                    "RequireUppercase": p.require_uppercase,
                    "RequireLowercase": p.require_lowercase,
                    "RequireNumbers": p.require_numbers,
                    "RequireSymbols": p.require_symbols,
                    "TemporaryPasswordValidityDays": p.temporary_password_validity_days,
                },
                "SignInPolicy": {"AllowedFirstAuthFactors": list(s.allowed_first_auth_factors)},
            },
            "LambdaConfig": lambdas,
            "SchemaAttributes": [
                {"Name": name, "AttributeDataType": "String", "Mutable": True, "Required": True}
                for name in s.required_attributes
            ]
            + [attribute.described() for attribute in s.custom_attributes],
            "AutoVerifiedAttributes": list(s.auto_verified_attributes),
            "UsernameAttributes": ["email"],
            "UsernameConfiguration": {"CaseSensitive": False},
            "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]},
            "MfaConfiguration": "OPTIONAL",
            "EstimatedNumberOfUsers": count,
        }
    }


@operation("DescribeUserPoolClient", "UserResourceRead", admin=True)
def describe_user_pool_client(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """An app client's settings: callback and sign-out URLs, flows, scopes, providers."""
    check_pool(pool, params)
    c = pool.client(params.get("ClientId"))
    described = {
        "UserPoolId": pool.id,
        "ClientName": c.name,
        "ClientId": c.id,
        "CallbackURLs": list(c.callback_urls),
        "LogoutURLs": list(c.logout_urls),
        "ExplicitAuthFlows": list(c.explicit_auth_flows),
        "AllowedOAuthFlows": list(c.allowed_oauth_flows),
        "AllowedOAuthScopes": list(c.allowed_oauth_scopes),
        "AllowedOAuthFlowsUserPoolClient": True,
        "SupportedIdentityProviders": list(c.supported_identity_providers),
        "PreventUserExistenceErrors": "ENABLED" if c.prevent_user_existence_errors else "LEGACY",
        "AccessTokenValidity": c.access_token_minutes,
        "IdTokenValidity": c.id_token_minutes,
        "RefreshTokenValidity": c.refresh_token_days,
        "TokenValidityUnits": {
            "AccessToken": "minutes",
            "IdToken": "minutes",
            "RefreshToken": "days",
        },
        "EnableTokenRevocation": True,
    }
    created, modified = pool.clients.dates(c.id)
    described.update(CreationDate=created, LastModifiedDate=modified)
    for key, value in (
        ("ReadAttributes", c.read_attributes),
        ("WriteAttributes", c.write_attributes),
        ("DefaultRedirectURI", c.default_redirect_uri),
    ):
        if value:
            described[key] = list(value) if isinstance(value, list) else value
    if c.secret:
        described["ClientSecret"] = c.secret
    return {"UserPoolClient": described}
