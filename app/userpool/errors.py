"""Domain errors, and the table that maps every Cognito error code to one of them.

Views catch these, never botocore's exceptions. Each carries a message-catalogue key, so a
person sees a sentence from ``app/messages.py`` and never Cognito's raw ``Error.Message``.
"""

from __future__ import annotations


class UserPoolError(Exception):
    """Base of every error the gateway raises; ``code`` is Cognito's, kept for logs only."""

    key = "unexpected"

    def __init__(self, code: str = "", operation: str = "", *, repeatable: bool = False) -> None:
        super().__init__(f"{operation}: {code}" if operation else code)
        self.code = code
        self.operation = operation
        # True when the same request may be sent again: the pool did not process it.
        self.repeatable = repeatable


class InvalidCredentials(UserPoolError):
    """Wrong email or password, or an unknown user (the two look the same)."""

    key = "invalid_credentials"


class NotConfirmed(UserPoolError):
    """The account exists but its email was never confirmed."""

    key = "not_confirmed"


class AlreadyConfirmed(UserPoolError):
    """The account is already confirmed; there is nothing to confirm or resend."""

    key = "already_confirmed"


class PasswordResetRequired(UserPoolError):
    """An administrator requires this user to choose a new password."""

    key = "password_reset_required"


class CodeMismatch(UserPoolError):
    """The typed code is wrong."""

    key = "code_mismatch"


class CodeExpired(UserPoolError):
    """The code was right once but has expired."""

    key = "code_expired"


class TooManyAttempts(UserPoolError):
    """Too many wrong codes or passwords, or too many codes asked for."""

    key = "too_many_attempts"


class PasswordPolicy(UserPoolError):
    """The new password breaks the pool's password policy."""

    key = "password_policy"


class AlreadyExists(UserPoolError):
    """The email already belongs to an account."""

    key = "already_exists"


class InvalidInput(UserPoolError):
    """Cognito refused the input as malformed (a bad email address, say)."""

    key = "invalid_input"


class NotFound(UserPoolError):
    """An administrative lookup found no such user."""

    key = "not_found"


class SessionExpired(UserPoolError):
    """The access token is expired or revoked: the person must sign in again."""

    key = "session_expired"


class Rejected(UserPoolError):
    """A trigger or the pool's web ACL refused the request.

    Gatehouse's own triggers refuse with ``gatehouse:<reason>`` (or ``gatehouse:<reason>:<detail>``,
    a provider's name, say); ``reason`` then names a catalogue message and ``detail`` the word
    it needs (a trigger's free text is never shown).
    """

    key = "rejected"
    reason = ""
    detail = ""


class DeliveryFailed(UserPoolError):
    """The pool could not send the email."""

    key = "delivery_failed"


class Unavailable(UserPoolError):
    """The pool or the network failed; nothing the person did."""

    key = "unavailable"
    retry_after = 30


class Throttled(Unavailable):
    """The pool is throttling: ask the person to retry shortly (``Retry-After``). A throttled
    request was not processed, so it may always be sent again."""

    key = "throttled"
    retry_after = 5

    def __init__(
        self, code: str = "", operation: str = "", *, retry_after: int | None = None, **_: bool
    ) -> None:
        super().__init__(code, operation, repeatable=True)
        if retry_after is not None:
            # Admission control knows when the next turn comes: the page says that.
            self.retry_after = retry_after


class Ambiguous(Unavailable):
    """A call that changes data got no clear answer, and whether it happened could not be
    found out: the person is told exactly that, never that it failed or worked."""

    key = "ambiguous"


class PasskeyRefused(UserPoolError):
    """The pool refused a passkey's answer: made for another site or app client, from an
    origin it does not allow, with an algorithm it does not take, or for a registration or
    sign-in that is no longer waiting. The person tries again or uses another way in."""

    key = "passkey_refused"


class ConfigurationFault(UserPoolError):
    """The pool, app client or a trigger is misconfigured: an operator must act."""

    key = "configuration"


# Every Cognito error code the gateway's operations can return (from botocore's service model;
# tests/unit/test_gateway_errors.py fails when a new botocore adds one that is not listed).
ERRORS: dict[str, type[UserPoolError]] = {
    "AliasExistsException": AlreadyExists,
    "CodeDeliveryFailureException": DeliveryFailed,
    "CodeMismatchException": CodeMismatch,
    "ConcurrentModificationException": Unavailable,
    "EnableSoftwareTokenMFAException": CodeMismatch,
    "ExpiredCodeException": CodeExpired,
    "FeatureUnavailableInTierException": ConfigurationFault,
    "ForbiddenException": Rejected,
    "GroupExistsException": AlreadyExists,
    "InternalErrorException": Unavailable,
    "InvalidEmailRoleAccessPolicyException": ConfigurationFault,
    "InvalidLambdaResponseException": ConfigurationFault,
    "InvalidParameterException": InvalidInput,
    "InvalidPasswordException": PasswordPolicy,
    "InvalidSmsRoleAccessPolicyException": ConfigurationFault,
    "InvalidSmsRoleTrustRelationshipException": ConfigurationFault,
    "InvalidUserPoolConfigurationException": ConfigurationFault,
    "LimitExceededException": TooManyAttempts,
    "MFAMethodNotFoundException": ConfigurationFault,
    "NotAuthorizedException": InvalidCredentials,
    # Refresh-token rotation: a rotated-out refresh token used again (GetTokensFromRefreshToken).
    "RefreshTokenReuseException": InvalidCredentials,
    "OperationNotEnabledException": ConfigurationFault,
    "PasswordHistoryPolicyViolationException": PasswordPolicy,
    "PasswordResetRequiredException": PasswordResetRequired,
    "PreconditionNotMetException": ConfigurationFault,
    "ResourceNotFoundException": ConfigurationFault,
    "SoftwareTokenMFANotFoundException": ConfigurationFault,
    "TooManyFailedAttemptsException": TooManyAttempts,
    "TooManyRequestsException": Throttled,
    "UnauthorizedException": ConfigurationFault,
    "UnexpectedLambdaException": ConfigurationFault,
    "UnsupportedOperationException": ConfigurationFault,
    "UnsupportedTokenTypeException": ConfigurationFault,
    "UnsupportedUserStateException": InvalidInput,
    "UserLambdaValidationException": Rejected,
    "UserNotConfirmedException": NotConfirmed,
    "UserNotFoundException": NotFound,
    "UserPoolTaggingException": ConfigurationFault,
    "UsernameExistsException": AlreadyExists,
    "WebAuthnChallengeNotFoundException": PasskeyRefused,
    "WebAuthnClientMismatchException": PasskeyRefused,
    "WebAuthnConfigurationMissingException": ConfigurationFault,
    "WebAuthnCredentialNotSupportedException": PasskeyRefused,
    "WebAuthnNotEnabledException": ConfigurationFault,
    "WebAuthnOriginNotAllowedException": PasskeyRefused,
    "WebAuthnRelyingPartyMismatchException": PasskeyRefused,
}

# Operations that act on the caller's access token: a refusal means "sign in again".
TOKEN_OPERATIONS = (
    "GetUser",
    "UpdateUserAttributes",
    "VerifyUserAttribute",
    "GetUserAttributeVerificationCode",
    "DeleteUser",
    "GlobalSignOut",
    "AssociateSoftwareToken",
    "VerifySoftwareToken",
    "SetUserMFAPreference",
    "StartWebAuthnRegistration",
    "CompleteWebAuthnRegistration",
    "ListWebAuthnCredentials",
    "DeleteWebAuthnCredential",
)
# Operations a person reaches by typing an email: an unknown user must look like a wrong entry.
PUBLIC_OPERATIONS = (
    "InitiateAuth",
    "RespondToAuthChallenge",
    "ConfirmSignUp",
    "ResendConfirmationCode",
    "ForgotPassword",
    "ConfirmForgotPassword",
)

# Where one code means something else for one operation.
OVERRIDES: dict[tuple[str, str], type[UserPoolError]] = {
    **{(op, "NotAuthorizedException"): SessionExpired for op in TOKEN_OPERATIONS},
    **{(op, "UserNotFoundException"): SessionExpired for op in TOKEN_OPERATIONS},
    **{(op, "UserNotFoundException"): InvalidCredentials for op in PUBLIC_OPERATIONS},
    ("ConfirmSignUp", "NotAuthorizedException"): AlreadyConfirmed,
    ("ResendConfirmationCode", "InvalidParameterException"): AlreadyConfirmed,
    ("ForgotPassword", "InvalidParameterException"): NotConfirmed,
    ("SignUp", "NotAuthorizedException"): ConfigurationFault,
    ("RevokeToken", "NotAuthorizedException"): ConfigurationFault,
    ("ChangePassword", "UserNotFoundException"): SessionExpired,
    # The secret being verified is gone (replaced, or never associated): the set-up is over.
    ("VerifySoftwareToken", "SoftwareTokenMFANotFoundException"): CodeExpired,
    # No passkey with that id (deleted in another tab, say): nothing left to delete.
    ("DeleteWebAuthnCredential", "ResourceNotFoundException"): NotFound,
    # The group named does not exist (a backup's import creates it and adds the user again).
    ("AdminAddUserToGroup", "ResourceNotFoundException"): NotFound,
}


def error_for(operation: str, code: str) -> type[UserPoolError]:
    """The domain error class for a Cognito error code returned by ``operation``."""
    return OVERRIDES.get((operation, code)) or ERRORS.get(code, UserPoolError)
