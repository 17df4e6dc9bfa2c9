"""`polestar tokens create|list|revoke`: API tokens, whose secret is shown once at creation."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from polestar.access import create_token, list_tokens, revoke_token
from polestar.access.tokens import DEFAULT_DAYS
from polestar.cli.app import actor, app, folded_table, print_json, stdout, store
from polestar.settings import get_settings

tokens_app = typer.Typer(
    help="API tokens (hashed at rest, scoped, expiring).", no_args_is_help=True
)
app.add_typer(tokens_app, name="tokens")


@tokens_app.command("create")
def create_command(
    user: str = typer.Option(..., "--user", help="The user the token speaks for."),
    scope: str = typer.Option("read", "--scope", help="Comma-separated: read, review, admin."),
    expires: int = typer.Option(DEFAULT_DAYS, "--expires", help="Days until it expires."),
    as_json: bool = typer.Option(False, "--json", help="Print the token as one JSON object."),
) -> None:
    """Create a token and print its secret, the only time it is ever shown."""
    scopes = [part.strip() for part in scope.split(",") if part.strip()]
    token = create_token(
        store(),
        user,
        scopes,
        datetime.now(UTC),
        days=expires,
        actor=actor(),
        settings=get_settings(),
    )
    if as_json:
        print_json(token.as_dict())
        return
    typer.echo(
        f"token {token.id} for {token.username} ({', '.join(token.scopes)}), expires "
        f"{token.expires_at:%Y-%m-%d}; copy it now, it is not shown again:",
        err=True,
    )
    typer.echo(token.token)


@tokens_app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Every token and its status; never a secret."""
    tokens = list_tokens(store(), datetime.now(UTC))
    if as_json:
        print_json({"tokens": [token.as_dict() for token in tokens]})
        return
    table = folded_table("id", "user", "scopes", "created", "expires", "status")
    for token in tokens:
        table.add_row(
            token.id,
            token.username,
            ", ".join(token.scopes),
            f"{token.created_at:%Y-%m-%d %H:%M}",
            f"{token.expires_at:%Y-%m-%d %H:%M}",
            token.status,
        )
    stdout.print(table)


@tokens_app.command("revoke")
def revoke_command(
    token_id: str = typer.Argument(..., help="The token's id, as `tokens list` shows it."),
    as_json: bool = typer.Option(False, "--json", help="Print the token as one JSON object."),
) -> None:
    """Revoke a token: it stops working at once."""
    token = revoke_token(
        store(), token_id, datetime.now(UTC), actor=actor(), settings=get_settings()
    )
    if as_json:
        print_json(token.as_dict())
    else:
        typer.echo(f"revoked {token.id} ({token.username})", err=True)
