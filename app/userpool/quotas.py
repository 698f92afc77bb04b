"""Cognito's request-rate quota categories: which category each operation Gatehouse calls
counts against, and the published default rate of each (requests per second, per account and
Region, shared by all of its user pools).

Admission control (``admission.py``) keeps one budget per category, configured a little under
the real quota (``GATEHOUSE_POOL_QUOTA_<CATEGORY>``): Cognito's defaults below are a starting
point only; a pool with a raised quota (Service Quotas console) should say so.
"""

from __future__ import annotations

# operation -> quota category, as Cognito's quota page lists them. The local pool registers
# its operations with the same categories (a unit test holds the two tables together).
CATEGORY = {
    "SignUp": "UserCreation",
    "ConfirmSignUp": "UserCreation",
    "ResendConfirmationCode": "UserCreation",
    "AdminCreateUser": "UserCreation",
    "InitiateAuth": "UserAuthentication",
    "RespondToAuthChallenge": "UserAuthentication",
    "GetTokensFromRefreshToken": "UserAuthentication",
    "ForgotPassword": "UserAccountRecovery",
    "ConfirmForgotPassword": "UserAccountRecovery",
    "AdminResetUserPassword": "UserAccountRecovery",
    "AdminSetUserPassword": "UserAccountRecovery",
    "GetUser": "UserRead",
    "AdminGetUser": "UserRead",
    "ListWebAuthnCredentials": "UserRead",
    "ChangePassword": "UserUpdate",
    "UpdateUserAttributes": "UserUpdate",
    "VerifyUserAttribute": "UserUpdate",
    "GetUserAttributeVerificationCode": "UserUpdate",
    "DeleteUser": "UserUpdate",
    "GlobalSignOut": "UserUpdate",
    "AssociateSoftwareToken": "UserUpdate",
    "VerifySoftwareToken": "UserUpdate",
    "SetUserMFAPreference": "UserUpdate",
    "StartWebAuthnRegistration": "UserUpdate",
    "CompleteWebAuthnRegistration": "UserUpdate",
    "DeleteWebAuthnCredential": "UserUpdate",
    "AdminDeleteUser": "UserUpdate",
    "AdminUpdateUserAttributes": "UserUpdate",
    "AdminUserGlobalSignOut": "UserUpdate",
    "AdminDisableUser": "UserUpdate",
    "RevokeToken": "UserToken",
    "AdminLinkProviderForUser": "UserFederation",
    "ListUsers": "UserList",
    "DescribeUserPool": "UserResourceRead",
    "DescribeUserPoolClient": "UserResourceRead",
    "ListUserPoolClients": "UserPoolClientRead",
    "CreateGroup": "UserResourceUpdate",
    "AdminAddUserToGroup": "UserUpdate",
    "AdminListGroupsForUser": "UserRead",
}

# Cognito's published default quotas (requests per second) for the categories above.
DEFAULT_RPS = {
    "UserAuthentication": 120.0,
    "UserCreation": 50.0,
    "UserAccountRecovery": 30.0,
    "UserRead": 120.0,
    "UserUpdate": 25.0,
    "UserToken": 120.0,
    "UserFederation": 25.0,
    "UserList": 30.0,
    "UserResourceRead": 50.0,
    "UserPoolClientRead": 15.0,
    "UserResourceUpdate": 25.0,
}
# How far under a quota Gatehouse budgets by default: the rest absorbs other callers of the
# same account and Region, and the pool's own jitter in counting.
HEADROOM = 0.95


def category_of(operation: str) -> str:
    """The quota category an operation counts against (every gateway operation has one)."""
    return CATEGORY[operation]


def env_name(category: str) -> str:
    """``UserAuthentication`` -> ``GATEHOUSE_POOL_QUOTA_USER_AUTHENTICATION``."""
    snake = "".join(f"_{c}" if c.isupper() else c for c in category).lstrip("_")
    return f"GATEHOUSE_POOL_QUOTA_{snake.upper()}"
