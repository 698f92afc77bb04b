"""App clients as Authlib sees them, read from the user pool (DescribeUserPoolClient, cached)."""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749.util import scope_to_list
from flask import current_app

from ..userpool.errors import ConfigurationFault, InvalidInput
from ..web.signing import same_secret


class AppClient(ClientMixin):
    """One app client: its callback and sign-out URLs, scopes, flows and secret."""

    def __init__(self, described: dict[str, Any]) -> None:
        self.described = described
        self.client_id = described["ClientId"]
        self.secret = described.get("ClientSecret", "")
        self.callback_urls = list(described.get("CallbackURLs", []))
        self.logout_urls = list(described.get("LogoutURLs", []))
        self.scopes = list(described.get("AllowedOAuthScopes", []))
        self.flows = list(described.get("AllowedOAuthFlows", []))
        self.providers = list(described.get("SupportedIdentityProviders", []))
        # Unset: every writable attribute (Cognito's default); set: only these.
        self.write_attributes = described.get("WriteAttributes")

    def may_write(self, attribute: str) -> bool:
        """Whether the app client may set this user attribute (SignUp, UpdateUserAttributes)."""
        return self.write_attributes is None or attribute in self.write_attributes

    def get_client_id(self) -> str:
        """The app client id."""
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        """No default: like Cognito, ``redirect_uri`` must always be sent."""
        return None

    def get_allowed_scope(self, scope: str) -> str:
        """The requested scopes the client may have."""
        return " ".join(s for s in scope_to_list(scope) or [] if s in self.scopes)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        """Exact match against the registered callback URLs (no prefix, case or encoding games)."""
        return redirect_uri in self.callback_urls

    def check_client_secret(self, client_secret: str) -> bool:
        """Constant-time comparison with the client's secret."""
        return bool(self.secret) and same_secret(self.secret, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        """Clients with a secret must authenticate with it; public clients send only their id."""
        if self.secret:
            return method in ("client_secret_basic", "client_secret_post")
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        """``code`` for the code flow, ``token`` for the implicit grant, as the client allows."""
        return {"code": "code", "token": "implicit"}.get(response_type) in self.flows

    def check_grant_type(self, grant_type: str) -> bool:
        """Codes for clients allowed the code flow; refresh for every client."""
        if grant_type == "authorization_code":
            return "code" in self.flows
        return grant_type == "refresh_token"


def load_client(client_id: str | None) -> AppClient | None:
    """The app client, or None when the pool has no such client."""
    if not client_id:
        return None
    pool = current_app.extensions["gatehouse.userpool"]
    try:
        return AppClient(pool.app_client(client_id))
    except InvalidInput:  # not even the shape of a client id
        return None
    except ConfigurationFault as fault:
        if fault.code == "ResourceNotFoundException":
            return None
        raise
