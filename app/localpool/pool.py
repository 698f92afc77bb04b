"""The embedded, Cognito-compatible user pool: its state and the helpers operations share."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..web.signing import same_secret
from . import resource_servers
from .attribute_schema import AttributeSchema
from .client_attributes import readable
from .clients import ClientRegistry
from .codes import Codes
from .custom_sender import LOCAL_KEY_ARN, LocalKms
from .db import Database
from .errors import PoolError, invalid_parameter, not_authorized
from .group_claims import GroupClaims
from .group_claims import for_user as group_claims_for
from .messages import MessageSender
from .passwords import Secret, make_secret
from .seed import AppClient, Seed
from .sign_in_triggers import SIGN_IN_SOURCES, post_authentication
from .tokens import ADMIN_SCOPE, RESERVED_CLAIMS, Signer
from .triggers import TriggerRunner

USER_COLUMNS = (
    "sub",
    "username",
    "email",
    "native",
    "attributes",
    "password_hash",
    "status",
    "enabled",
    "created",
    "modified",
    "failed_logins",
    "locked_until",
    "pending_email",
    "mfa_secret",
    "mfa_pending_secret",
    "mfa_preferred",
    "identities",
    "linked_to",
    "srp_salt",
    "srp_verifier",
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CODE_GRACE_SECONDS = 24 * 3600  # see LocalPool.purge


@dataclass
class TokenChanges:
    """What PreTokenGeneration changes in the tokens about to be minted."""

    scopes: list[str]
    groups: GroupClaims = field(default_factory=GroupClaims)
    id_add: dict[str, Any] = field(default_factory=dict)
    id_suppress: list[str] = field(default_factory=list)
    access_add: dict[str, Any] = field(default_factory=dict)
    access_suppress: list[str] = field(default_factory=list)


class LocalPool:
    """One user pool, its app clients, signing key, triggers, outbox and throttle."""

    def __init__(
        self,
        seed: Seed,
        *,
        db_path: Path,
        issuer_base: str,
        base_url: str,
        outbox_dir: Path,
        region: str = "us-east-1",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = seed.pool
        self.providers = seed.providers
        self.schema = AttributeSchema(seed.pool.custom_attributes)
        self.region = region
        self.id = seed.pool.id
        self.issuer = f"{issuer_base.rstrip('/')}/{self.id}"
        # Passkeys' relying party: the server's base URL, unless the pool names another RP id.
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self.db = Database(db_path)
        self.clients = ClientRegistry(self.db, clock)
        self.clients.seed(seed.clients)
        resource_servers.seed(self, seed.resource_servers)
        self.signer = Signer(self.db, self.issuer)
        self.triggers = TriggerRunner(self.id, region, seed.pool.lambda_config)
        kms = LocalKms(
            self.signer.derive("CustomEmailSender KMS key"),
            seed.pool.lambda_config.get("KMSKeyID") or LOCAL_KEY_ARN,
        )
        self.mail = MessageSender(outbox_dir, self.triggers, kms, self.db.after_commit)
        self.codes = Codes(seed.pool, clock)
        self.throttle: dict[str, float] = dict(seed.pool.throttle)
        self._seed_users(seed)
        self._seed_groups(seed)

    # ---- clients and throttle -------------------------------------------------------------

    def client(self, client_id: str | None) -> AppClient:
        """The app client with this id, or Cognito's ResourceNotFoundException."""
        client = self.clients.get(client_id or "")
        if client is None:
            raise PoolError(
                "ResourceNotFoundException", f"User pool client {client_id} does not exist."
            )
        return client

    def check_secret_hash(self, client: AppClient, usernames: list[str], given: str | None) -> None:
        """Require SECRET_HASH (HMAC-SHA256 of username + client id) if the client has a secret."""
        if not client.secret:
            return
        if not given:
            raise not_authorized(
                f"Client {client.id} is configured with secret but SECRET_HASH was not received"
            )
        for name in usernames:
            digest = hmac.new(
                client.secret.encode(), (name + client.id).encode(), hashlib.sha256
            ).digest()
            if same_secret(base64.b64encode(digest).decode(), given):
                return
        raise not_authorized(f"Unable to verify secret hash for client {client.id}")

    def admit(self, category: str) -> None:
        """Refuse a call above the configured requests per second for its quota category
        (counted over the last second, by every process that serves this pool)."""
        rps = self.throttle.get(category) or 0
        if rps <= 0:
            return
        now = self.clock()
        with self.db.transaction() as conn:
            conn.execute(
                "DELETE FROM throttle_calls WHERE category = ? AND at <= ?", (category, now - 1.0)
            )
            (calls,) = conn.execute(
                "SELECT COUNT(*) FROM throttle_calls WHERE category = ?", (category,)
            ).fetchone()
            if calls >= rps:
                raise PoolError("TooManyRequestsException", "Too many requests")
            conn.execute("INSERT INTO throttle_calls (category, at) VALUES (?, ?)", (category, now))

    # ---- users ------------------------------------------------------------------------------

    def find_user(self, conn: sqlite3.Connection, name: str | None) -> dict[str, Any] | None:
        """Find a user by username, sub, or email (case-insensitive, as an email username is)."""
        if not name:
            return None
        row = conn.execute(
            "SELECT * FROM users WHERE username = ? OR sub = ? OR (native = 1 AND email = ?)",
            (name, name, name),
        ).fetchone()
        return self.user_from_row(row) if row else None

    def user_by_sub(self, conn: sqlite3.Connection, sub: str) -> dict[str, Any] | None:
        """Find a user by sub."""
        row = conn.execute("SELECT * FROM users WHERE sub = ?", (sub,)).fetchone()
        return self.user_from_row(row) if row else None

    @staticmethod
    def user_from_row(row: sqlite3.Row) -> dict[str, Any]:
        """A users row as a dict with its JSON columns decoded."""
        user = dict(row)
        user["attributes"] = json.loads(user["attributes"])
        user["identities"] = json.loads(user["identities"])
        return user

    def save_user(self, conn: sqlite3.Connection, user: dict[str, Any]) -> None:
        """Write a user back, keeping the email column in step with the email attribute."""
        user["modified"] = self.clock()
        user["email"] = user["attributes"].get("email")
        row = {name: user[name] for name in USER_COLUMNS}
        row["attributes"] = json.dumps(user["attributes"])
        row["identities"] = json.dumps(user["identities"])
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        conn.execute(f"INSERT OR REPLACE INTO users ({cols}) VALUES ({marks})", list(row.values()))

    def new_user(
        self,
        conn: sqlite3.Connection,
        email: str,
        attributes: dict[str, str],
        secret: Secret | None,
        status: str,
        *,
        username: str | None = None,
        native: bool = True,
        sub: str | None = None,
    ) -> dict[str, Any]:
        """Create a user whose username is a UUID equal to ``sub`` (email is the sign-in alias);
        ``secret`` is their password's, made beforehand for that username (``sub``)."""
        sub = sub or str(uuid.uuid4())
        now = self.clock()
        attrs = dict(attributes)
        attrs["sub"] = sub
        attrs["email"] = email.lower() if native else email
        attrs.setdefault("email_verified", "false")
        user = {
            "sub": sub,
            "username": username or sub,
            "email": attrs["email"],
            "native": 1 if native else 0,
            "attributes": attrs,
            "password_hash": None,
            "srp_salt": None,
            "srp_verifier": None,
            "status": status,
            "enabled": 1,
            "created": now,
            "modified": now,
            "failed_logins": 0,
            "locked_until": 0,
            "pending_email": None,
            "mfa_secret": None,
            "mfa_pending_secret": None,
            "mfa_preferred": 0,
            "identities": [],
            "linked_to": None,
        }
        if secret is not None:
            if secret.username != user["username"]:
                raise ValueError("a password's secret is made for the user's username")
            user.update(secret.columns())
        self.save_user(conn, user)
        return user

    def email_taken(self, conn: sqlite3.Connection, email: str, except_sub: str = "") -> bool:
        """True when another native user already signs in with this email."""
        row = conn.execute(
            "SELECT 1 FROM users WHERE native = 1 AND email = ? AND sub != ?", (email, except_sub)
        ).fetchone()
        return row is not None

    @staticmethod
    def attribute_list(
        attrs: dict[str, str], identities: list | None = None
    ) -> list[dict[str, str]]:
        """Attributes as Cognito's ``[{"Name": ..., "Value": ...}]`` list; a user with linked
        identities also has Cognito's read-only ``identities`` attribute (a JSON string)."""
        listed = [{"Name": k, "Value": v} for k, v in attrs.items()]
        if identities:
            listed.append({"Name": "identities", "Value": json.dumps(identities)})
        return listed

    @staticmethod
    def trigger_attributes(user: dict[str, Any]) -> dict[str, str]:
        """``request.userAttributes`` of a trigger event about this user, as Cognito fills it:
        the stored attributes (``sub``, ``email``, ``email_verified``, ...) and the read-only
        ``cognito:user_status`` (CONFIRMED, UNCONFIRMED, FORCE_CHANGE_PASSWORD, RESET_REQUIRED,
        EXTERNAL_PROVIDER) and, for a user who signs in with their email (this pool's username
        attribute; a federated user does not), ``cognito:email_alias`` (the sign-in email, not
        a pending new one)."""
        attributes = dict(user["attributes"])
        attributes["cognito:user_status"] = user["status"]
        if user["native"] and user["email"]:
            attributes["cognito:email_alias"] = user["email"]
        return attributes

    @staticmethod
    def attribute_dict(items: list[dict[str, str]] | None) -> dict[str, str]:
        """Cognito's attribute list as a dict."""
        return {item["Name"]: item.get("Value", "") for item in items or []}

    def check_email(self, email: str) -> str:
        """Refuse a malformed email the way Cognito does; return it lowercased."""
        if not email or not _EMAIL.fullmatch(email):
            raise invalid_parameter("Invalid email address format.")
        return email.lower()

    # ---- password lockout -----------------------------------------------------------------

    def record_password_failure(self, conn: sqlite3.Connection, user: dict[str, Any]) -> None:
        """Count a wrong password; past the limit, lock sign-in with a doubling back-off."""
        user["failed_logins"] += 1
        over = user["failed_logins"] - self.settings.password_max_failures
        if over >= 0:
            user["locked_until"] = self.clock() + min(2**over, 900)
        self.save_user(conn, user)

    def check_not_locked(self, user: dict[str, Any]) -> None:
        """Refuse sign-in while a password lockout runs (Cognito's own message)."""
        if user["locked_until"] > self.clock():
            raise not_authorized("Password attempts exceeded")

    # ---- tokens ---------------------------------------------------------------------------

    def issue_tokens(
        self,
        conn: sqlite3.Connection,
        user: dict[str, Any],
        client: AppClient,
        source: str,
        *,
        auth_time: int | None = None,
        refresh: bool = True,
        origin_jti: str | None = None,
        scopes: list[str] | None = None,
        id_extra: dict[str, Any] | None = None,
        metadata: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Mint tokens after a sign-in, running PostAuthentication (for an API sign-in) and
        PreTokenGeneration (given ``metadata``, the ClientMetadata of the call, where Cognito
        passes it); returns AuthenticationResult."""
        if source in SIGN_IN_SOURCES:
            post_authentication(self, user, client, metadata)
        now = int(self.clock())
        auth_time = auth_time or now
        origin_jti = origin_jti or str(uuid.uuid4())
        changes = self._pre_token_generation(
            user,
            client,
            source,
            list(scopes or [ADMIN_SCOPE]),
            metadata,
            group_claims_for(conn, user["sub"]),
        )
        id_changes = {**(id_extra or {}), **changes.id_add}
        id_token, access_token = self.signer.mint(
            # The ID token carries only the attributes the app client may read.
            user={**user, "attributes": readable(client, user["attributes"])},
            client_id=client.id,
            auth_time=auth_time,
            now=now,
            origin_jti=origin_jti,
            access_minutes=client.access_token_minutes,
            id_minutes=client.id_token_minutes,
            scopes=changes.scopes,
            id_overrides=id_changes,
            id_suppress=changes.id_suppress,
            access_overrides=changes.access_add,
            access_suppress=changes.access_suppress,
            id_groups=changes.groups.id_claims(),
            access_groups=changes.groups.access_claims(),
        )
        result = {
            "AccessToken": access_token,
            "ExpiresIn": client.access_token_minutes * 60,
            "TokenType": "Bearer",
            "IdToken": id_token,
        }
        if refresh:
            token = secrets.token_urlsafe(96)
            conn.execute(
                "INSERT INTO refresh_tokens VALUES (?, ?, ?, ?, ?, ?, 0)",
                (
                    _digest(token),
                    user["sub"],
                    client.id,
                    origin_jti,
                    auth_time,
                    now + client.refresh_token_days * 86400,
                ),
            )
            result["RefreshToken"] = token
        return result

    def _pre_token_generation(
        self,
        user: dict[str, Any],
        client: AppClient,
        source: str,
        scopes: list[str],
        metadata: dict[str, str] | None,
        groups: GroupClaims,
    ) -> TokenChanges:
        """Run PreTokenGeneration, as an event of the version the pool's lambda config names
        (``PreTokenGenerationConfig.LambdaVersion``; version 1 without it), and return what it
        changes: ID-token claims (every version), access-token claims and scopes (V2_0, V3_0),
        and the group claims (``groupOverrideDetails``, every version)."""
        if not self.triggers.configured("PreTokenGeneration"):
            return TokenChanges(scopes=scopes, groups=groups)
        v2 = self.triggers.version("PreTokenGeneration") in ("V2_0", "V3_0")
        request: dict[str, Any] = {
            "userAttributes": self.trigger_attributes(user),
            "groupConfiguration": groups.configuration(),
        }
        if v2:
            request["scopes"] = list(scopes)
        if metadata:
            request["clientMetadata"] = dict(metadata)
        key = "claimsAndScopeOverrideDetails" if v2 else "claimsOverrideDetails"
        event = self.triggers.event(source, user["username"], client.id, request, {key: None})
        if v2:
            event["version"] = "2"
        response = self.triggers.invoke("PreTokenGeneration", event)
        details = response.get(key) or {}
        # In both versions groupOverrideDetails sits beside the claim changes it goes with.
        groups = groups.overridden(details.get("groupOverrideDetails"))
        if not v2:
            return TokenChanges(
                scopes=scopes,
                groups=groups,
                id_add=_allowed(details.get("claimsToAddOrOverride") or {}),
                id_suppress=_allowed(details.get("claimsToSuppress") or []),
            )
        id_part = details.get("idTokenGeneration") or {}
        access = details.get("accessTokenGeneration") or {}
        suppressed = set(access.get("scopesToSuppress") or [])
        final = [s for s in scopes if s not in suppressed]
        final += [s for s in access.get("scopesToAdd") or [] if s not in final]
        return TokenChanges(
            scopes=final,
            groups=groups,
            id_add=_allowed(id_part.get("claimsToAddOrOverride") or {}),
            id_suppress=_allowed(id_part.get("claimsToSuppress") or []),
            access_add=_allowed(access.get("claimsToAddOrOverride") or {}),
            access_suppress=_allowed(access.get("claimsToSuppress") or []),
        )

    def refresh_record(self, conn: sqlite3.Connection, token: str) -> sqlite3.Row | None:
        """The stored record for a refresh token, or None."""
        return conn.execute(
            "SELECT * FROM refresh_tokens WHERE token_hash = ?", (_digest(token or ""),)
        ).fetchone()

    def refresh_owner(
        self, conn: sqlite3.Connection, token: str, client: AppClient
    ) -> tuple[dict[str, Any], sqlite3.Row]:
        """The user and record of a live refresh token issued to this client, or Cognito's
        NotAuthorizedException saying why not (the API and the OAuth2 domain share this)."""
        record = self.refresh_record(conn, token)
        if record is None or record["client_id"] != client.id:
            raise not_authorized("Invalid Refresh Token")
        if record["revoked"]:
            raise not_authorized("Refresh Token has been revoked")
        if record["expires"] <= self.clock():
            raise not_authorized("Refresh Token has expired")
        user = self.user_by_sub(conn, record["sub"])
        if user is None or not user["enabled"]:
            raise not_authorized("Invalid Refresh Token")
        return user, record

    def reissue(
        self,
        conn: sqlite3.Connection,
        user: dict[str, Any],
        client: AppClient,
        record: sqlite3.Row,
        metadata: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """New ID and access tokens for the sign-in a refresh token belongs to (no new one);
        ``metadata`` is GetTokensFromRefreshToken's ClientMetadata (REFRESH_TOKEN_AUTH has
        none for PreTokenGeneration)."""
        return self.issue_tokens(
            conn,
            user,
            client,
            "TokenGeneration_RefreshTokens",
            auth_time=record["auth_time"],
            refresh=False,
            origin_jti=record["origin_jti"],
            metadata=metadata,
        )

    def sign_out_everywhere(self, conn: sqlite3.Connection, sub: str) -> None:
        """Revoke every refresh token of a user and every access token minted from them."""
        origins = conn.execute(
            "SELECT DISTINCT origin_jti FROM refresh_tokens WHERE sub = ?", (sub,)
        ).fetchall()
        for row in origins:
            self.revoke_origin(conn, row["origin_jti"])

    def authenticate_access(
        self, conn: sqlite3.Connection, token: str | None, scopes: tuple[str, ...] = (ADMIN_SCOPE,)
    ) -> dict[str, Any]:
        """The user an access token belongs to, refusing expired, revoked or signed-out tokens
        and tokens with none of ``scopes`` (the user API needs the admin scope; the OAuth2
        domain's userInfo ``openid``); the user's record, with the token's client and scopes."""
        claims = self.signer.verify_access(token or "", self.clock())
        granted = claims.get("scope", "").split()
        if not set(scopes) & set(granted):
            raise not_authorized("Access Token does not have required scopes")
        revoked = conn.execute(
            "SELECT 1 FROM revoked_origins WHERE origin_jti = ?", (claims["origin_jti"],)
        ).fetchone()
        user = self.user_by_sub(conn, claims["sub"])
        if revoked or user is None:
            raise not_authorized("Access Token has been revoked")
        if not user["enabled"]:
            raise not_authorized("User is disabled.")
        user["client_id"] = claims["client_id"]
        user["scopes"] = granted
        return user

    def revoke_origin(self, conn: sqlite3.Connection, origin_jti: str) -> None:
        """Revoke a refresh token's family: the refresh token and the tokens minted from it."""
        conn.execute("UPDATE refresh_tokens SET revoked = 1 WHERE origin_jti = ?", (origin_jti,))
        conn.execute(
            "INSERT OR IGNORE INTO revoked_origins VALUES (?, ?)", (origin_jti, self.clock())
        )

    # ---- purging ----------------------------------------------------------------------------

    def purge(self) -> dict[str, int]:
        """Delete the records nothing can use any more; returns the rows deleted per table.

        Safe to call at any time and from any thread (one transaction); meant to be called
        periodically by the app. Kept on purpose: a code for a day after it expired, so that
        typing it still says "expired" rather than "wrong"; a refresh token, and the record of a
        revoked one, for as long as an access token minted from it could still be live, so that
        GlobalSignOut and revocation keep covering those access tokens.
        """
        now = self.clock()
        live_access = 60 * max((c.access_token_minutes for c in self.clients.values()), default=60)
        deletions = {
            "codes": ("DELETE FROM codes WHERE expires <= ?", now - CODE_GRACE_SECONDS),
            # The hourly code limit looks back one hour (Codes.issue).
            "sends": ("DELETE FROM sends WHERE at <= ?", now - 3600),
            "auth_sessions": ("DELETE FROM auth_sessions WHERE expires <= ?", now),
            "passkey_challenges": ("DELETE FROM passkey_challenges WHERE expires <= ?", now),
            "domain_records": ("DELETE FROM domain_records WHERE expires <= ?", now),
            "refresh_tokens": ("DELETE FROM refresh_tokens WHERE expires <= ?", now - live_access),
            "revoked_origins": ("DELETE FROM revoked_origins WHERE at <= ?", now - live_access),
        }
        with self.db.transaction() as conn:
            return {
                table: conn.execute(sql, (cutoff,)).rowcount
                for table, (sql, cutoff) in deletions.items()
            }

    # ---- seeding ----------------------------------------------------------------------------

    def _seed_users(self, seed: Seed) -> None:
        """Create the seed file's users when they do not exist yet (passwords hashed first, out
        of the write transaction, since every process of a server seeds the same database)."""
        with self.db.reading() as conn:
            missing = [u for u in seed.users if not self.find_user(conn, u.email.lower())]
        made = []
        for item in missing:
            sub = str(uuid.uuid4())
            made.append((item, sub, make_secret(item.password, sub, self.id)))
        with self.db.transaction() as conn:
            for item, sub, secret in made:
                if self.find_user(conn, item.email.lower()):
                    continue  # another process seeded it meanwhile
                attrs = dict(item.attributes)
                attrs["email_verified"] = "true" if item.confirmed else "false"
                status = "CONFIRMED" if item.confirmed else "UNCONFIRMED"
                self.new_user(conn, item.email, attrs, secret, status, sub=sub)

    def _seed_groups(self, seed: Seed) -> None:
        """Create the seed file's groups that do not exist yet, with their members (seeded
        users, by email); a group that exists keeps its settings and members as they are."""
        if not seed.groups:
            return  # no write transaction at every start for a seed without groups
        now = self.clock()
        with self.db.transaction() as conn:
            for group in seed.groups:
                if conn.execute("SELECT 1 FROM groups WHERE name = ?", (group.name,)).fetchone():
                    continue
                conn.execute(
                    "INSERT INTO groups VALUES (?, ?, ?, ?, ?, ?)",
                    (group.name, group.description, group.role_arn, group.precedence, now, now),
                )
                for email in group.members:
                    user = self.find_user(conn, email.lower())
                    if user is not None:
                        conn.execute(
                            "INSERT OR IGNORE INTO group_members VALUES (?, ?, ?)",
                            (group.name, user["sub"], now),
                        )

    def close(self) -> None:
        """Release the database."""
        self.db.close()


def _allowed(claims):
    """A trigger's claim changes without the claims Cognito keeps to itself (a dict of claims
    to add, or a list of claims to suppress)."""
    if isinstance(claims, dict):
        return {k: v for k, v in claims.items() if k not in RESERVED_CLAIMS}
    return [name for name in claims if name not in RESERVED_CLAIMS]


def _digest(token: str) -> str:
    """Refresh tokens are kept only as SHA-256 digests."""
    return hashlib.sha256(token.encode()).hexdigest()
