"""`polestar quarantine list`: what could not be stored, and values kept raw with a warning.

Counts and reasons need nothing; raw content (`--raw`) is personal data, so it takes a purpose
and is recorded as a consultation (CONVENTIONS.md, "The operator").
"""

from __future__ import annotations

import typer

from polestar.cli.app import app, folded_table, print_json, stderr, stdout, store, viewer, warn
from polestar.ingest.reports import field_warnings, quarantine_raw, store_summary
from polestar.settings import get_settings

quarantine_app = typer.Typer(help="Records that could not be stored.", no_args_is_help=True)
app.add_typer(quarantine_app, name="quarantine")


@quarantine_app.command("list")
def list_command(
    warnings: bool = typer.Option(
        False, "--warnings", help="List field warnings: values kept raw, left out of matching."
    ),
    raw: bool = typer.Option(False, "--raw", help="Include the raw content of each record."),
    source: str | None = typer.Option(None, "--source", help="Only this source."),
    purpose: str | None = typer.Option(None, "--purpose", help="Why you need --raw (a slug)."),
    justification: str | None = typer.Option(None, "--justification", help="Free text."),
    as_user: str | None = typer.Option(None, "--as", help="Act as this user (with --raw)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Counts and reasons of open quarantine entries (raw content only with --raw and a purpose)."""
    engine = store()
    summary = store_summary(engine)
    payload: dict[str, object] = {
        "quarantine": [
            {"source": r.source, "reason": r.reason, "count": r.count}
            for r in summary.quarantine
            if source is None or r.source == source
        ]
    }
    shown = None
    if raw:
        who = viewer(as_user, purpose, justification)
        shown = quarantine_raw(engine, get_settings(), who, source)
        for hidden in shown.withheld_sources:
            warn(f"raw content of {hidden} left out: you do not see that source whole")
        payload["records"] = [
            {
                "source": e.source,
                "file": e.file,
                "locator": e.locator,
                "source_key": e.source_key,
                "reason": e.reason,
                "raw_size": e.raw_size,
                "raw": e.raw,
            }
            for e in shown.records
        ]
    if warnings:
        listed = field_warnings(engine) if shown is None else shown.warnings
        payload["warnings"] = [
            {
                "source": w.source,
                "kind": w.kind,
                "source_key": w.source_key,
                "field": w.field,
                "reason": w.reason,
                **({"value": w.value} if shown is not None else {}),
            }
            for w in listed
            if source is None or w.source == source
        ]
    if as_json:
        print_json(payload)
        return
    table = folded_table("source", "reason", "count", title="quarantine (open)")
    for row in payload["quarantine"]:  # type: ignore[attr-defined]
        table.add_row(row["source"], row["reason"], f"{row['count']:,}")
    stdout.print(table)
    for record in payload.get("records", []):  # type: ignore[attr-defined]
        stdout.print(f"{record['source']} {record['file']} {record['locator']}: {record['reason']}")
        stdout.print(record["raw"], markup=False, highlight=False)
    for warning in payload.get("warnings", []):  # type: ignore[attr-defined]
        stderr.print(
            f"{warning['source']}:{warning['source_key']} {warning['kind']}.{warning['field']}: "
            f"{warning['reason']}",
            markup=False,
            highlight=False,
        )
