"""The `polestar` command line: one module per verb group, registered on one Typer app."""

from polestar.cli import (  # noqa: F401  registers
    agreements,
    audit,
    db,
    demo,
    export,
    generate,
    ingest,
    link,
    location,
    person,
    quarantine,
    retention,
    review,
    search,
    serve,
    tokens,
    users,
    vehicle,
)
from polestar.cli.app import app, main

__all__ = ["app", "main"]
