"""`polestar users add|list|disable|set-password`: the people who may sign in, their
organisation and roles."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import typer

from polestar.access import add_user, disable_user, list_users, reset_password
from polestar.cli.app import actor, app, folded_table, print_json, stdout, store
from polestar.settings import get_settings

users_app = typer.Typer(help="Users, their organisation and roles.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("add")
def add_command(
    username: str = typer.Argument(..., help="Lower-case name the user signs in and acts as."),
    org: str = typer.Option(..., "--org", help="Organisation slug: home-force, fire, cps, …"),
    role: list[str] = typer.Option(..., "--role", help="A role slug; repeat for several."),
    name: str | None = typer.Option(None, "--name", help="The user's full name."),
    as_json: bool = typer.Option(False, "--json", help="Print the user as one JSON object."),
) -> None:
    """Add a user to an organisation with one or more roles."""
    user = add_user(
        store(),
        username,
        org,
        role,
        datetime.now(UTC),
        full_name=name,
        actor=actor(),
        settings=get_settings(),
    )
    if as_json:
        print_json(user.as_dict())
    else:
        typer.echo(
            f"added {user.username} ({user.organisation}: {', '.join(user.roles)})", err=True
        )


@users_app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Every user, disabled ones included."""
    users = list_users(store())
    if as_json:
        print_json({"users": [user.as_dict() for user in users]})
        return
    table = folded_table("username", "name", "organisation", "roles", "status")
    for user in users:
        table.add_row(
            user.username,
            user.full_name or "",
            user.organisation,
            ", ".join(user.roles),
            "disabled" if user.disabled_at else "active",
        )
    stdout.print(table)


@users_app.command("disable")
def disable_command(
    username: str = typer.Argument(..., help="The user to disable."),
    as_json: bool = typer.Option(False, "--json", help="Print the user as one JSON object."),
) -> None:
    """Disable a user: their tokens stop working at once; the user is kept for the audit log."""
    user = disable_user(
        store(), username, datetime.now(UTC), actor=actor(), settings=get_settings()
    )
    if as_json:
        print_json(user.as_dict())
    else:
        typer.echo(f"disabled {user.username}", err=True)


@users_app.command("set-password")
def set_password_command(
    username: str = typer.Argument(..., help="The user whose password to reset."),
    from_stdin: bool = typer.Option(
        False,
        "--stdin",
        help="Read the new password from stdin (never an argument, which `ps` and shell "
        "history would show) instead of generating one.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the user and password as JSON."),
) -> None:
    """Give a user a new password, generated and printed once unless given on stdin; their
    sessions end at once."""
    chosen = sys.stdin.readline().rstrip("\r\n") if from_stdin else None
    reset = reset_password(
        store(),
        username,
        datetime.now(UTC),
        actor=actor(),
        settings=get_settings(),
        password=chosen,
    )
    if as_json:
        print_json(reset.as_dict())
    elif reset.generated:
        typer.echo(f"new password for {reset.username} (shown once):", err=True)
        typer.echo(reset.password)
    else:
        typer.echo(f"password set for {reset.username}", err=True)
