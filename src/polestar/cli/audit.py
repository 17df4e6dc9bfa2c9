"""`polestar audit`: verify the s.62 log, export it for a SIEM, and the DPO's questions.

The commands act as the local operator (a home-force administrator, CONVENTIONS.md); every
command but `verify` is itself recorded in the log.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from polestar.audit import Actor, Found, by_user, export, verify, who_viewed
from polestar.cli.app import (
    actor,
    app,
    error,
    folded_table,
    print_json,
    stderr,
    stdout,
    store,
    warn,
)
from polestar.errors import InvalidInput
from polestar.pole.times import LONDON
from polestar.settings import get_settings

audit_app = typer.Typer(
    help="The audit log: verify, export, who viewed what.", no_args_is_help=True
)
app.add_typer(audit_app, name="audit")


def _reader() -> Actor:
    """The local operator, a home-force administrator, reads the log (CONVENTIONS.md)."""
    return Actor(actor=actor(), organisation="home-force", role="administrator")


@audit_app.command("verify")
def verify_command(
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
) -> None:
    """Check the chain; exit 1 naming the first bad entry. Writes nothing to the log."""
    report = verify(store(), get_settings())
    for message in report.warnings:
        warn(message)
    if as_json:
        print_json(report.as_dict())
    elif report.first_bad is None:
        stderr.print(f"audit log ok: {report.entries:,} entries")
    else:
        bad = report.first_bad
        error(f"audit log broken at entry {bad.seq}: {bad.reason} ({report.entries:,} entries)")
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("export")
def export_command(
    since: str = typer.Option(..., "--since", help="ISO time or date (Europe/London if bare)."),
    out: Path = typer.Option(..., "--out", help="JSON-lines file to write."),
    as_json: bool = typer.Option(False, "--json", help="Print the count as one JSON object."),
) -> None:
    """Write entries since a time as JSON lines for a SIEM (recorded as a disclosure)."""
    start = _moment(since)
    entries = export(store(), start, out, reader=_reader(), settings=get_settings())
    if as_json:
        print_json({"entries": entries, "out": str(out), "since": start.isoformat()})
    else:
        stderr.print(f"wrote {entries:,} audit entries to {out}")


@audit_app.command("who-viewed")
def who_viewed_command(
    identifier: str = typer.Argument(..., help="An entity id (PER-…) or SOURCE:KEY."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Who consulted or was shown this entity or record, when and why."""
    found = who_viewed(store(), identifier, reader=_reader(), settings=get_settings())
    if as_json:
        print_json({"id": identifier, "entries": [item.as_dict() for item in found]})
    else:
        _show(found, f"who viewed {identifier}")


@audit_app.command("by-user")
def by_user_command(
    user: str = typer.Argument(..., help="A user name, or cli:<os user>."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Everything the log holds of one user."""
    found = by_user(store(), user, reader=_reader(), settings=get_settings())
    if as_json:
        print_json({"user": user, "entries": [item.as_dict() for item in found]})
    else:
        _show(found, f"entries of {user}")


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--since {text!r} is not an ISO date or time") from None
    return moment.replace(tzinfo=LONDON) if moment.tzinfo is None else moment.astimezone(UTC)


def _show(found: list[Found], title: str) -> None:
    table = folded_table(
        "seq",
        "when",
        "who",
        "organisation",
        "action",
        "purpose",
        "seen",
        "outcome",
        "why",
        title=title,
    )
    for item in found:
        entry = item.entry
        table.add_row(
            str(entry.seq),
            entry.occurred_at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M:%S"),
            entry.actor,
            entry.organisation or "",
            entry.action,
            entry.purpose or "",
            "in results" if entry.in_results else "opened",
            str(entry.outcome),
            item.justification or "",
        )
    stdout.print(table)
