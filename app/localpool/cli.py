"""``flask localpool``: commands for the local pool of a running set-up (local mode only)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

localpool = AppGroup("localpool", help="The local pool (local mode).")


def _pool():
    """The app's local pool, or a clear error outside local mode."""
    pool = current_app.extensions.get("gatehouse.localpool")
    if pool is None:
        raise click.ClickException("the local pool runs in local mode only (GATEHOUSE_MODE=local)")
    return pool


@localpool.command("rotate-key")
def rotate_key() -> None:
    """Add a signing key that signs from now on; the old ones stay in the JWKS until retired."""
    kid = _pool().signer.keys.rotate()
    click.echo(f"signing with {kid}; the keys before it still verify until `retire-keys`")


@localpool.command("retire-keys")
def retire_keys() -> None:
    """Drop every signing key but the newest: tokens they signed no longer verify."""
    retired = _pool().signer.keys.retire()
    click.echo("retired: " + (", ".join(retired) if retired else "none"))
