"""Gatehouse's Cognito-compatible OAuth2 front door, built on Authlib's server pieces."""
