"""`polestar generate`: write a synthetic county's exports (never real personal data)."""

from __future__ import annotations

from pathlib import Path

import typer

from polestar.cli.app import app, folded_table, print_json, stderr, stdout


@app.command("generate")
def generate_command(
    out: Path = typer.Option(..., "--out", help="Folder to write the county's files into."),
    people: int = typer.Option(20_000, "--people", min=1, help="Number of true identities."),
    seed: int = typer.Option(1, "--seed", help="Same seed, same bytes."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Processes to use."),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as one JSON object."),
) -> None:
    """Generate a synthetic county: the six systems' exports, truth.csv and county.geojson."""
    from polestar.synth import generate  # here, so other commands start without Faker's pools

    with stderr.status(f"generating {people:,} people into {out}"):
        counts = generate(out, people=people, seed=seed, workers=workers)
    if as_json:
        print_json(counts)
        return
    table = folded_table("records", "count", title=f"synthetic county in {out}")
    for name, count in counts.items():
        table.add_row(name, f"{count:,}")
    stdout.print(table)
