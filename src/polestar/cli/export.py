"""`polestar export`: golden entities for other systems."""

from __future__ import annotations

from pathlib import Path

import typer

from polestar.cli.app import actor, app, print_json, stderr, store
from polestar.linkage.export import export_entities
from polestar.settings import get_settings

export_app = typer.Typer(help="Export what Polestar has concluded.", no_args_is_help=True)
app.add_typer(export_app, name="export")


@export_app.command("entities")
def entities_command(
    kind: str = typer.Option("person", "--kind", help="person, vehicle or location."),
    out: Path = typer.Option(..., "--out", help="CSV file to write."),
    as_json: bool = typer.Option(False, "--json", help="Print the row count as JSON."),
) -> None:
    """Write source, source_key, entity_id for every record of a kind (audited as a disclosure)."""
    rows = export_entities(store(), kind, out, actor=actor(), settings=get_settings())
    if as_json:
        print_json({"kind": kind, "rows": rows, "out": str(out)})
    else:
        stderr.print(f"wrote {rows:,} {kind} records to {out}")
