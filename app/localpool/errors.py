"""Errors the local pool answers with, shaped like Cognito's (``__type`` and ``message``)."""

from __future__ import annotations


class PoolError(Exception):
    """A Cognito service error: ``code`` becomes ``__type`` in the JSON response."""

    def __init__(self, code: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def body(self) -> dict[str, str]:
        """The JSON body Cognito sends for this error."""
        return {"__type": self.code, "message": self.message}


def invalid_parameter(message: str) -> PoolError:
    """The InvalidParameterException Cognito uses for malformed or inapplicable input."""
    return PoolError("InvalidParameterException", message)


def not_authorized(message: str = "Incorrect username or password.") -> PoolError:
    """NotAuthorizedException, the answer for a wrong password and an unknown user alike."""
    return PoolError("NotAuthorizedException", message)
