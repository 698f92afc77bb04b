"""The ``flask users`` commands: ``export FILE`` and ``import FILE``, with progress bars."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from app.userpool.errors import InvalidInput, UserPoolError

from .export import export_users, side_file
from .import_ import count_records, import_users
from .patience import Patient

users = AppGroup("users", help="Back up the user pool's users, and load a backup into a pool.")


def _progress(console: Console) -> Progress:
    """A progress bar with counts and the time left."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    )


def _pool() -> Patient:
    """The app's user pool, through the gateway, waiting out throttles."""
    return Patient(current_app.extensions["gatehouse.userpool"])


@users.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--resume", is_flag=True, help="Go on from an interrupted export (must exist).")
@click.option("--restart", is_flag=True, help="Start again, ignoring an interrupted export.")
def export_command(file: Path, resume: bool, restart: bool) -> None:
    """Write every user of the pool to FILE as JSON lines (resumes an interrupted export)."""
    if resume and restart:
        raise click.UsageError("--resume and --restart cannot both be given")
    pool = _pool()
    console = Console(stderr=True)
    estimate = pool.call("DescribeUserPool")["UserPool"].get("EstimatedNumberOfUsers")
    mode = True if resume else (False if restart else None)
    if mode is None and side_file(file).exists():
        console.print(f"Resuming the export in {file} ({side_file(file)} holds its place).")
    try:
        with _progress(console) as bar:
            task = bar.add_task("Exporting users", total=estimate)
            done = export_users(pool, file, resume=mode, on_page=lambda n: bar.advance(task, n))
    except InvalidInput as exc:
        # Only the saved page token can be refused: the pool no longer knows that place.
        raise click.ClickException(
            "the pool refused the saved place of the export; start again with --restart"
        ) from exc
    except (UserPoolError, FileNotFoundError, ValueError) as exc:
        raise click.ClickException(
            f"the export stopped ({exc}); run the same command again to go on from the last page"
        ) from exc
    click.echo(
        f"Exported {done.total} users to {file}"
        + (f" ({done.this_run} in this run, resumed)" if done.resumed else "")
        + (f"; {done.vanished} deleted while listed" if done.vanished else "")
        + (f"; {pool.throttles} throttled calls waited out" if pool.throttles else "")
        + "."
    )


@users.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """Load an export FILE into this pool (users already in it are skipped)."""
    pool = _pool()
    console = Console(stderr=True)
    with _progress(console) as bar:
        task = bar.add_task("Importing users", total=count_records(file))
        done = import_users(pool, file, on_user=lambda: bar.advance(task))
    for failure in done.failures:
        console.print(f"failed: {failure}")
    click.echo(
        f"Created {done.created} users, skipped {done.skipped} already present, "
        f"failed {done.failed}."
    )
    if done.external:
        click.echo(
            f"{done.external} users who sign in only with a social identity provider were not "
            "created: they come back the next time they sign in."
        )
    if done.links_failed:
        click.echo(f"{done.links_failed} linked identities could not be linked again.")
    if done.mfa_dropped:
        click.echo(f"{done.mfa_dropped} users had two-step sign-in and must set it up again.")
    click.echo(
        'Passwords are not in a backup: people choose a new one with "Forgot your password?" '
        "(an invited user who had not chosen one needs a new invitation)."
    )
    if done.failed:
        raise SystemExit(1)
