"""`polestar db`: for operators who want to upgrade the schema or rebuild the search index
explicitly (every command upgrades on first use; a linkage run rebuilds an index whose keys
have changed)."""

from __future__ import annotations

import typer

from polestar.cli.app import app, stderr, store
from polestar.search import rebuild

db_app = typer.Typer(help="The store's schema and search index.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade_command() -> None:
    """Create or upgrade the store's schema (every command also does this on first use)."""
    store()
    typer.echo("schema is up to date", err=True)


@db_app.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index whole from the stored records (minutes at a million people)."""
    stderr.print(str(rebuild(store())))
