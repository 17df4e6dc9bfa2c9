"""`polestar agreements load|list`: sharing agreements, YAML files stored as data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from polestar.access import list_agreements, load_agreements
from polestar.cli.app import actor, app, folded_table, print_json, stdout, store
from polestar.settings import get_settings

agreements_app = typer.Typer(help="Sharing agreements between organisations.", no_args_is_help=True)
app.add_typer(agreements_app, name="agreements")


@agreements_app.command("load")
def load_command(
    paths: list[Path] | None = typer.Argument(
        None, help="Agreement files or folders of them (default: the shipped demo agreements)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Check agreement files and store them; unchanged ones stay as they are."""
    loaded = load_agreements(
        store(), paths or [], datetime.now(UTC), actor=actor(), settings=get_settings()
    )
    if as_json:
        print_json({"agreements": [item.as_dict() for item in loaded]})
        return
    for item in loaded:
        state = "loaded" if item.changed else "unchanged"
        typer.echo(f"{item.organisation}: version {item.version} {state} ({item.origin})", err=True)


@agreements_app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Each organisation's current agreement and whether it is in force today."""
    now = datetime.now(UTC)
    stored = list_agreements(store())
    if as_json:
        print_json({"agreements": [item.as_dict(now) for item in stored]})
        return
    table = folded_table("organisation", "version", "title", "dates", "in force", "purposes")
    for item in stored:
        agreement = item.agreement
        table.add_row(
            agreement.organisation,
            str(item.version),
            agreement.title,
            f"{agreement.starts} – {agreement.ends or 'open'}",
            "yes" if agreement.in_force(now) else "no",
            ", ".join(agreement.purposes),
        )
    stdout.print(table)
