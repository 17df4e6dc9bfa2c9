"""`polestar demo users`: the demo's agreements and users, each with a fresh password and API
token."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from polestar.access.demo import demo_users
from polestar.cli.app import actor, app, print_json, store
from polestar.settings import get_settings

demo_app = typer.Typer(help="Set up the demo.", no_args_is_help=True)
app.add_typer(demo_app, name="demo")


@demo_app.command("users")
def users_command(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Load the demo agreements, add one user per role and organisation, and print how each
    signs in (a new password) and their new API token."""
    accounts = demo_users(store(), datetime.now(UTC), actor=actor(), settings=get_settings())
    if as_json:
        print_json(
            {
                "tokens": [account.api_token.as_dict() for account in accounts],
                "users": [account.as_dict() for account in accounts],
            }
        )
        return
    # Plain aligned lines, not a Rich table: a table squeezed to the terminal's width cuts
    # secrets short, and a password or token is no use with an ellipsis in it.
    rows = [("user", "organisation", "role", "password", "scopes", "token")]
    rows += [
        (
            account.username,
            account.user.organisation,
            account.user.role.value,
            account.password,
            ",".join(account.api_token.scopes),
            account.token,
        )
        for account in accounts
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    typer.echo("demo users: sign in at /sign-in (passwords and tokens are shown once)", err=True)
    for row in rows:
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
