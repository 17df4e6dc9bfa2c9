"""`polestar quarantine list`: what could not be stored, and values kept raw with a warning."""

from __future__ import annotations

import typer
from rich.table import Table

from polestar.cli.app import app, print_json, stderr, stdout, store
from polestar.ingest.reports import field_warnings, quarantined_records, store_summary

quarantine_app = typer.Typer(help="Records that could not be stored.", no_args_is_help=True)
app.add_typer(quarantine_app, name="quarantine")


@quarantine_app.command("list")
def list_command(
    warnings: bool = typer.Option(
        False, "--warnings", help="List field warnings: values kept raw, left out of matching."
    ),
    raw: bool = typer.Option(False, "--raw", help="Include the raw content of each record."),
    source: str | None = typer.Option(None, "--source", help="Only this source."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Counts and reasons of open quarantine entries (raw content only with --raw)."""
    engine = store()
    summary = store_summary(engine)
    payload: dict[str, object] = {
        "quarantine": [
            {"source": r.source, "reason": r.reason, "count": r.count}
            for r in summary.quarantine
            if source is None or r.source == source
        ]
    }
    if raw:
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
            for e in quarantined_records(engine, source)
        ]
    if warnings:
        payload["warnings"] = [
            {
                "source": w.source,
                "kind": w.kind,
                "source_key": w.source_key,
                "field": w.field,
                "reason": w.reason,
                **({"value": w.value} if raw else {}),
            }
            for w in field_warnings(engine)
            if source is None or w.source == source
        ]
    if as_json:
        print_json(payload)
        return
    table = Table("source", "reason", "count", title="quarantine (open)")
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
