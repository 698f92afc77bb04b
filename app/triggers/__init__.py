"""Lambda handlers deployed to Cognito; the local pool runs the very same functions."""
