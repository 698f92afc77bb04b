"""Backups of the user pool, which Cognito does not keep: ``flask users export`` and ``import``."""
