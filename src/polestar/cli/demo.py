"""`polestar demo users`: the demo's agreements and users, with a fresh API token for each."""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from rich.table import Table

from polestar.access.demo import demo_users
from polestar.cli.app import actor, app, print_json, stdout, store

demo_app = typer.Typer(help="Set up the demo.", no_args_is_help=True)
app.add_typer(demo_app, name="demo")


@demo_app.command("users")
def users_command(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Load the demo agreements, add one user per role and organisation, print their tokens."""
    tokens = demo_users(store(), datetime.now(UTC), actor=actor())
    if as_json:
        print_json({"tokens": [token.as_dict() for token in tokens]})
        return
    table = Table("user", "scopes", "token", title="demo API tokens (shown once)")
    for token in tokens:
        table.add_row(token.username, ", ".join(token.scopes), token.token)
    stdout.print(table, soft_wrap=True)
