"""`polestar retention review|retain|dispose`: MoPI review and disposal (docs/retention.md).

Batch commands of the local operator (CONVENTIONS.md): they name entities by id only, and
each is audited — the review list as a consultation, a retain decision as an alteration,
a disposal as an erasure.
"""

from __future__ import annotations

from datetime import date

import typer

from polestar import audit
from polestar.cli.app import actor, app, folded_table, print_json, stdout, store
from polestar.retention.review import due, retain
from polestar.settings import get_settings

retention_app = typer.Typer(help="MoPI review, retention and disposal.", no_args_is_help=True)
app.add_typer(retention_app, name="retention")
# Optional to Typer so a missing reason gets the domain's one-line message and exit 2.
_REASON = typer.Option(None, "--reason", help="Why (required): kept with the decision.")
_JSON = typer.Option(False, "--json", help="Print one JSON object.")


@retention_app.command("review")
def review_command(
    as_of: str | None = typer.Option(None, "--as-of", help="List what is due by this date."),
    as_json: bool = _JSON,
) -> None:
    """List person entities due for review: group, last event, due date."""
    today = None if as_of is None else _date(as_of)
    listed = due(store(), get_settings(), actor=audit.Actor(actor()), today=today)
    if as_json:
        print_json({"due": [item.as_dict() for item in listed]})
        return
    table = folded_table("entity", "group", "last event", "due", "retained")
    for item in listed:
        table.add_row(
            item.entity_id,
            str(item.group),
            item.last_event.isoformat(),
            item.due.isoformat(),
            "yes" if item.retained else "",
        )
    stdout.print(table)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from None


@retention_app.command("retain")
def retain_command(
    entity: str = typer.Argument(..., help="The person entity, e.g. PER-00000012."),
    reason: str | None = _REASON,
    as_json: bool = _JSON,
) -> None:
    """Record a decision to retain an entity's records, pushing its next review."""
    decided = retain(store(), get_settings(), entity, reason, actor=audit.Actor(actor()))
    if as_json:
        print_json(decided.as_dict())
    else:
        stdout.print(
            f"{entity} retained (group {decided.group}); next review {decided.next_review}"
        )


@retention_app.command("dispose")
def dispose_command(
    entity: str = typer.Argument(..., help="The person entity, e.g. PER-00000012."),
    reason: str | None = _REASON,
    as_json: bool = _JSON,
) -> None:
    """Dispose of the home force's records of an entity; partners' records stay."""
    # Here, not at the top: disposal reaches the person index, which loads DuckDB and Splink.
    from polestar.retention.disposal import dispose

    disposed = dispose(store(), get_settings(), entity, reason, actor=audit.Actor(actor()))
    if as_json:
        print_json(disposed.as_dict())
    else:
        stdout.print(f"{entity}: disposed of {len(disposed.records)} home-force record(s)")
        for name in disposed.records:
            stdout.print(f"  {name}")
