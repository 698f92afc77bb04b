"""The gateway to the user pool: the only code that imports boto3 for ``cognito-idp``."""

from .client import build_client
from .errors import UserPoolError
from .gateway import UserPool, secret_hash

__all__ = ["UserPool", "UserPoolError", "build_client", "secret_hash"]
