"""`polestar db upgrade`: for operators who want to upgrade the schema explicitly."""

from __future__ import annotations

import typer

from polestar.cli.app import app, store

db_app = typer.Typer(help="The store's schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade_command() -> None:
    """Create or upgrade the store's schema (every command also does this on first use)."""
    store()
    typer.echo("schema is up to date", err=True)
