"""`polestar ingest`: load source exports into the store."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

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
from polestar.graph import county
from polestar.ingest.pipeline import IngestReport, ingest, plan_inputs
from polestar.settings import get_settings
from polestar.sources.mapping import load_mapping


@app.command("ingest")
def ingest_command(
    paths: list[Path] = typer.Argument(..., help="Export files, or folders of them."),
    source: str | None = typer.Option(None, "--source", help="Store records under this name."),
    mapping: Path | None = typer.Option(None, "--mapping", help="A YAML mapping file."),
    snapshot: bool = typer.Option(
        False, "--snapshot", help="Full export: records absent from it are marked withdrawn."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as one JSON object."),
) -> None:
    """Ingest exports: read, map, validate and store, quarantining what cannot be stored."""
    # Here, not at the top: linking loads Splink and DuckDB, half a second of every command's start.
    from polestar.cli.linking import Linker
    from polestar.linkage.arrivals import batch_due, linking_on_arrival

    chosen = load_mapping(mapping) if mapping else None
    plan = plan_inputs(paths, chosen, source, warn=warn)
    engine = store()
    settings = get_settings()
    total = sum(item.path.stat().st_size for item in plan.inputs)
    # Once a batch run exists, records join their entities as they commit, in a process of
    # their own (`linking`; ARCHITECTURE.md premise 4: the edge composes ingest and linkage).
    linker = Linker(settings, actor()) if linking_on_arrival(engine) else None
    with (
        linker if linker is not None else nullcontext(),
        Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=stderr,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("ingesting", total=total)
        report = ingest(
            engine,
            plan,
            settings,
            actor=actor(),
            snapshot=snapshot,
            on_chunk_committed=linker,
            on_progress=lambda done: progress.advance(task, done),
            warn=warn,
        )
        if linker is not None:
            progress.update(task, description="linking")
            linked = linker.finish()
    if linker is not None:
        stderr.print(
            f"linked on arrival: {linked.person['records']:,} person records "
            f"({linked.person['new_entities']:,} new people, "
            f"{linked.person['moved']:,} changed records moved to another person, "
            f"{linked.person['review_items']:,} queued for review), {linked.vehicle:,} vehicles, "
            f"{linked.location:,} locations"
        )
        if (due := batch_due(linked, settings)) is not None:
            warn(due)
    # The map's base layer: the generator writes the county's geometry beside its exports.
    county.keep(paths, settings)
    if as_json:
        print_json(report.as_dict())
    else:
        _show(report)
    _warn_of_raw_values(report)
    if report.unreadable:
        for message in report.unreadable:
            error(message)
        raise typer.Exit(2)


def _show(report: IngestReport) -> None:
    table = folded_table(
        "source", "read", "new", "changed", "unchanged", "quarantined", "withdrawn"
    )
    for name, counts in [*report.sources.items(), ("total", report.total)]:
        table.add_row(
            name,
            *(
                f"{value:,}"
                for value in (
                    counts.read,
                    counts.new,
                    counts.changed,
                    counts.unchanged,
                    counts.quarantined,
                    counts.withdrawn,
                )
            ),
        )
    stdout.print(table)
    if remapped := report.total.remapped:
        stdout.print(
            f"{remapped:,} unchanged record(s) mapped again to other rows: their mapping, or "
            "how Polestar reads it, changed since they were stored"
        )


def _warn_of_raw_values(report: IngestReport) -> None:
    """Say which fields lost values to their type: a whole column can fail (another country's
    postcodes, a date format the mapping lacks) and quietly leave matching without it."""
    for (source, kind, name), warned in sorted(report.warned.items()):
        warn(
            f"{source}: {warned.count:,} {kind}.{name} value(s) kept only as written, left out "
            f"of matching and search (the first: {warned.example}); "
            "`polestar quarantine list --warnings` lists them"
        )
