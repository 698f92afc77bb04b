"""Authlib's authorization server, with grants that hand out the user pool's own tokens."""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.authenticate_client import authenticate_client_secret_basic
from authlib.oauth2.rfc6749.errors import (
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    OAuth2Error,
    UnsupportedResponseTypeError,
)
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import current_app

from ..magic_link.tokens import ProofSigner
from ..userpool import errors
from .clients import AppClient, load_client
from .json_errors import from_authlib
from .pending import refresh_grant, store

TOKEN_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]


def token_response(result: dict[str, Any], scope: str | None) -> dict[str, Any]:
    """Cognito's AuthenticationResult as an OAuth2 token response, with the granted scope."""
    body = {
        "access_token": result["AccessToken"],
        "id_token": result["IdToken"],
        "token_type": "Bearer",
        "expires_in": result["ExpiresIn"],
    }
    if result.get("RefreshToken"):
        body["refresh_token"] = result["RefreshToken"]
    if scope:
        body["scope"] = scope
    return body


class AuthorizationCode:
    """A stored code as Authlib's AuthorizationCodeMixin expects it."""

    def __init__(self, code: str, record: dict[str, Any]) -> None:
        self.code = code
        self.record = record
        self.code_challenge = record.get("code_challenge")
        self.code_challenge_method = record.get("code_challenge_method")

    def get_redirect_uri(self) -> str:
        """The redirect URI the code was issued for."""
        return self.record["redirect_uri"]

    def get_scope(self) -> str:
        """The granted scope."""
        return self.record["scope"]


class CodeGrant(grants.AuthorizationCodeGrant):
    """authorization_code: a single-use code for the tokens stored at sign-in."""

    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS

    def query_authorization_code(self, code: str, client: AppClient) -> AuthorizationCode | None:
        """Read the code without using it up: a request that fails the client, redirect URI or
        PKCE check must not spend the code of the real client."""
        record = store().get(f"authcode:{code}")
        if record is None or record["client_id"] != client.get_client_id():
            return None
        return AuthorizationCode(code, record)

    def authenticate_user(self, authorization_code: AuthorizationCode) -> dict[str, Any]:
        """The user is whoever the stored tokens belong to."""
        return {"sub": authorization_code.record["sub"]}

    def save_authorization_code(self, code: str, request: Any) -> None:
        """Codes are issued by ``pending.finish`` after sign-in, not by Authlib."""
        raise NotImplementedError

    def create_token_response(self):
        """Take the code (atomically: of two concurrent exchanges one gets invalid_grant), then
        return the pool's tokens exactly as the pool issued them."""
        record = store().take(f"authcode:{self.request.authorization_code.code}")
        if record is None:
            raise InvalidGrantError("Invalid 'code' in request.")
        return 200, token_response(record["tokens"], record["scope"]), self.TOKEN_RESPONSE_HEADER


class RefreshGrant(grants.BaseGrant, grants.TokenEndpointMixin):
    """refresh_token: passed through to the pool as REFRESH_TOKEN_AUTH for the same client."""

    GRANT_TYPE = "refresh_token"
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS

    def validate_token_request(self) -> None:
        """Authenticate the client and require a refresh token."""
        client = self.authenticate_token_endpoint_client()
        if not self.request.form.get("refresh_token"):
            raise InvalidRequestError("Missing 'refresh_token' in request.")
        self.request.client = client

    def create_token_response(self):
        """Ask the pool for new tokens (GetTokensFromRefreshToken, with a session proof of the
        scopes granted at sign-in in ClientMetadata, so the new access token keeps exactly
        them); a refused refresh token is invalid_grant."""
        client = self.request.client
        refresh = self.request.form["refresh_token"]
        issued = refresh_grant(refresh) or {}
        if client.secret and issued.get("sub") is None:
            raise InvalidGrantError("Unknown refresh token.")
        pool = current_app.extensions["gatehouse.userpool"]
        params: dict[str, Any] = {"ClientId": client.get_client_id(), "RefreshToken": refresh}
        if client.secret:
            params["ClientSecret"] = client.secret
        if issued.get("sub") and issued.get("scope"):
            settings = current_app.extensions["gatehouse.settings"]
            proof = ProofSigner(settings.link_key).issue(
                issued["sub"], client.get_client_id(), issued["scope"].split(), settings.clock()
            )
            params["ClientMetadata"] = {"proof": proof}
        try:
            out = pool.call("GetTokensFromRefreshToken", **params)
        except (
            errors.InvalidCredentials,
            errors.NotFound,
            errors.InvalidInput,
            errors.Rejected,
        ) as exc:
            raise InvalidGrantError("The refresh token is invalid, expired or revoked.") from exc
        result = token_response(out["AuthenticationResult"], issued.get("scope"))
        return 200, result, self.TOKEN_RESPONSE_HEADER


class TokenGrant(grants.ImplicitGrant):
    """The implicit grant (``response_type=token``), for app clients that allow it, as Cognito
    does. Only the request is validated here; the tokens go back after sign-in
    (``pending.finish``)."""

    def validate_authorization_request(self) -> str:
        """The client and redirect URI first: only then may an error go back to the app."""
        client = self.server.query_client(self.request.payload.client_id)
        if client is None:
            raise InvalidClientError()
        redirect_uri = self.validate_authorization_redirect_uri(self.request, client)
        if not client.check_response_type("token"):
            raise UnsupportedResponseTypeError("token", redirect_uri=redirect_uri)
        self.request.client = client
        return redirect_uri


class ClientCredentialsGrant(grants.BaseGrant, grants.TokenEndpointMixin):
    """client_credentials: passed to the pool's OAuth2 domain with the client's own
    authentication and scope, and its answer returned as it is (status and body), so an app
    that used the hosted UI's domain for machine-to-machine tokens only changes the domain."""

    GRANT_TYPE = "client_credentials"

    def validate_token_request(self) -> None:
        """Nothing to check here: the domain authenticates the client."""

    def create_token_response(self):
        """The domain's answer."""
        domain = current_app.extensions["gatehouse.domain"]
        status, body = domain.token_request(
            self.request.form.to_dict(), self.request.headers.get("Authorization")
        )
        return status, body, self.TOKEN_RESPONSE_HEADER


class Server(AuthorizationServer):
    """Authlib's server, whose JSON errors have the same shape as every other error here."""

    def handle_error_response(self, request: Any, error: OAuth2Error):
        """An error for the redirect URI stays a redirect; any other is §5.2 JSON."""
        if error.redirect_uri:
            return super().handle_error_response(request, error)
        return from_authlib(error)


def authenticate_basic(query_client, request) -> AppClient | None:
    """client_secret_basic, where a header that is not Base64 of UTF-8 ``id:secret`` is a failed
    authentication (401 invalid_client), not a fault."""
    try:
        extract_basic_authorization(request.headers)
    except ValueError:  # binascii.Error, UnicodeDecodeError and a bare "Basic " all are
        return None
    return authenticate_client_secret_basic(query_client, request)


def build_server(app) -> AuthorizationServer:
    """The authorization server: code grant with PKCE (required for public clients), refresh,
    implicit, and client_credentials passed to the pool's domain."""
    server = Server(app, query_client=load_client, save_token=lambda *_: None)
    server.register_client_auth_method("client_secret_basic", authenticate_basic)
    server.register_grant(CodeGrant, [CodeChallenge(required=True)])
    server.register_grant(RefreshGrant)
    server.register_grant(TokenGrant)
    server.register_grant(ClientCredentialsGrant)
    return server
